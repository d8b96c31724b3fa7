"""Who speaks in a thread: staff, the opener, community members, bots.

Staff is decided by the venue's configured rules (groups, a username convention such as a
``-signal`` suffix, flair, and optionally the forum's admin/moderator flags); every rule that
matched is returned as a reason, and stored as the role's evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from corpus.settings import VenueConfig

STAFF, OPENER, COMMUNITY, BOT = "staff", "opener", "community", "bot"


@dataclass(frozen=True)
class Person:
    """What the corpus knows about an author, as the roles need it."""

    username: str
    groups: tuple[str, ...]
    flair: str | None = None
    is_admin: bool = False
    is_moderator: bool = False


def staff_reasons(person: Person, venue: VenueConfig) -> list[str]:
    """The configured rules by which ``person`` is staff (empty: not staff)."""
    rules = venue.staff
    reasons = [f"group:{g}" for g in person.groups if g in rules.groups]
    suffix = rules.username_suffix
    if suffix and person.username.lower().endswith(suffix.lower()):
        reasons.append(f"username_suffix:{suffix}")
    if person.flair and person.flair in rules.flair:
        reasons.append(f"flair:{person.flair}")
    if rules.admins_are_staff and person.is_admin:
        reasons.append("admin")
    if rules.moderators_are_staff and person.is_moderator:
        reasons.append("moderator")
    return reasons


def is_bot(person: Person, venue: VenueConfig) -> bool:
    return person.username.lower() in {u.lower() for u in venue.bots.usernames} or any(
        g in venue.bots.groups for g in person.groups
    )


def role_of(person: Person, opener: str, venue: VenueConfig) -> tuple[str, list[str]]:
    """``(role, reasons)`` of ``person`` in a thread opened by the username ``opener``."""
    if is_bot(person, venue):
        return BOT, ["bot account"]
    reasons = staff_reasons(person, venue)
    if reasons:
        return STAFF, reasons
    if person.username == opener:
        return OPENER, ["opened the thread"]
    return COMMUNITY, []


def community_helpers(replies: Iterable[tuple[str, str]]) -> list[str]:
    """The distinct community members among a thread's replies (``(username, role)`` pairs):
    who took part in solving it, neither staff nor the opener."""
    return sorted({username for username, role in replies if role == COMMUNITY})
