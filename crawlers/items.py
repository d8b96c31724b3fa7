"""What spiders yield besides :class:`~corpus.records.ThreadRecord`.

A :class:`ThreadGone` says the source confirmed a thread no longer exists (its URL answered
404 or 410). Absence from a listing is never enough: a spider only yields one after asking
for the thread itself. :class:`~crawlers.pipelines.CorpusPipeline` tombstones it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ThreadGone"]


@dataclass(frozen=True)
class ThreadGone:
    """A thread the forum confirmed deleted.

    source_id (str): the thread's id at the source, as in its ThreadRecord.
    url (str): the URL that answered ``status``.
    status (int): the HTTP status that confirmed it (404 or 410).
    """

    source_id: str
    url: str
    status: int
