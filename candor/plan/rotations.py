"""Pilot rotations: who is on duty when, so a contribution counts for the right period.

``pilot_contributors.rotations`` in ``candor.yaml`` lists periods (``name``, ``start``, ``end``,
``usernames``); settings refuse overlapping periods for one person. :func:`rotation_of` is the
attribution rule the metrics use: a post counts for the rotation that holds its author on the
post's date (UTC), and for none outside their periods.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from corpus.settings import PilotConfig, Rotation


def rotation_of(pilot: PilotConfig, username: str, when: datetime) -> Rotation | None:
    """The rotation ``username`` was on duty in at ``when``, or None.

    Example::

        rotation_of(settings.pilot_contributors, "jamie-signal", post.created_at)
    """
    day = when.date()
    name = username.lower()
    for rotation in pilot.rotations:
        on_duty = rotation.start <= day and (rotation.end is None or day < rotation.end)
        if on_duty and name in {u.lower() for u in rotation.usernames}:
            return rotation
    return None


@dataclass(frozen=True)
class RotationFigures:
    """What one rotation's members did during it."""

    name: str
    start: str
    end: str
    members: tuple[str, ...]
    posts: int
    threads: int


def rotation_figures(
    pilot: PilotConfig, posts: Iterable[tuple[str, datetime, int]]
) -> tuple[list[RotationFigures], int]:
    """Per rotation, the posts and threads its members wrote while on duty.

    posts (Iterable[tuple[str, datetime, int]]): ``(username, created_at, thread id)`` of posts.
    RETURNS: the figures in settings order, and how many posts by rotation members fell
        outside all of their periods (counted for no rotation).
    """
    members = {u.lower() for r in pilot.rotations for u in r.usernames}
    counted: dict[str, list[int]] = {r.name: [] for r in pilot.rotations}
    outside = 0
    for username, when, thread_id in posts:
        if username.lower() not in members:
            continue
        rotation = rotation_of(pilot, username, when)
        if rotation is None:
            outside += 1
        else:
            counted[rotation.name].append(thread_id)
    figures: Sequence[RotationFigures] = [
        RotationFigures(
            name=r.name,
            start=f"{r.start}",
            end=f"{r.end}" if r.end else "running",
            members=tuple(r.usernames),
            posts=len(counted[r.name]),
            threads=len(set(counted[r.name])),
        )
        for r in pilot.rotations
    ]
    return list(figures), outside
