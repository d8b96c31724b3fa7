"""Roles follow the venue's configured rules, and every staff decision names its reason."""

from __future__ import annotations

from corpus.settings import VenueConfig
from nlp.roles import BOT, COMMUNITY, OPENER, STAFF, Person, role_of

VENUE = VenueConfig(
    name="forum",
    url="https://forum.example",
    staff={"groups": ["signal_staff"], "username_suffix": "-signal"},
)


def test_roles_staff_by_group_or_username_convention_with_reasons() -> None:
    assert role_of(Person("jlund", ("signal_staff",)), "alice", VENUE) == (
        STAFF,
        ["group:signal_staff"],
    )
    assert role_of(Person("Greyson-Signal", ()), "alice", VENUE) == (
        STAFF,
        ["username_suffix:-signal"],
    )


def test_roles_volunteer_moderators_and_admins_are_not_staff_by_default() -> None:
    mod = Person("helper", ("volunteer_moderators",), is_moderator=True, is_admin=True)
    assert role_of(mod, "alice", VENUE)[0] == COMMUNITY
    admins = VENUE.model_copy(
        update={"staff": VENUE.staff.model_copy(update={"admins_are_staff": True})}
    )
    assert role_of(mod, "alice", admins) == (STAFF, ["admin"])


def test_roles_opener_and_bots() -> None:
    assert role_of(Person("alice", ()), "alice", VENUE)[0] == OPENER
    assert role_of(Person("system", ()), "alice", VENUE)[0] == BOT
    assert role_of(Person("updates-bot", ("automated_users",)), "alice", VENUE)[0] == BOT
