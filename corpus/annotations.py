"""Reading judgements back: the query the stages that count annotations share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m


def annotation_values(
    session: Session, kinds: Iterable[str]
) -> Iterator[tuple[str, int, int, str, Any]]:
    """``(subject, subject_id, thread_id, kind, value)`` of every annotation of ``kinds``.

    Values are JSON and compared in Python by the caller: PostgreSQL's json type has no
    equality operator.
    """
    yield from session.execute(
        select(
            m.Annotation.subject,
            m.Annotation.subject_id,
            m.Annotation.thread_id,
            m.Annotation.kind,
            m.Annotation.value,
        ).where(m.Annotation.kind.in_(list(kinds)))
    )
