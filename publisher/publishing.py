"""The publish stage: approved mash-ups → an atomic, versioned release; and its rollback.

:func:`publish` renders every product page in memory, hashes the result and compares it with
the current release: equal content means nothing is written and no release is made (the stage
is idempotent). Otherwise the files go to ``releases/{label}.tmp``, are validated, renamed to
``releases/{label}`` and recorded in the corpus (a :class:`~corpus.models.Release`, one
:class:`~corpus.models.MashUp` per product); ``current`` is switched inside that transaction, so
a failed switch records nothing. Release statuses::

    current       what ``current`` points at (exactly one, once anything is published)
    superseded    an earlier current release: a rollback target
    rolled-back   a release :func:`rollback` moved away from; never chosen again by rollback

One publisher runs at a time (the CLI or one Airflow task); concurrent runs are not coordinated.
Settings: ``publish.out``, ``publish.base_url``, ``publish.referral_param``, ``publish.per_page``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.errors import InputError
from corpus.models import utcnow
from corpus.settings import Settings
from corpus.store import Store
from publisher import releases
from publisher.mashups import MashUpView, collect_mashups
from publisher.render import content_hash, render_site
from publisher.validate import ReleaseInvalid, validate_release

CURRENT = "current"
SUPERSEDED = "superseded"
ROLLED_BACK = "rolled-back"


@dataclass(frozen=True)
class PublishReport:
    """What a publish did.

    ``release`` is the label now current (``None`` only if nothing was ever published and there
    was nothing to publish), ``changed`` whether this run made a new release, ``pages`` the
    number of product pages, ``threads`` the threads shown across them, and ``path`` the
    ``current`` folder a web server serves.
    """

    release: str | None
    changed: bool
    pages: int
    threads: int
    path: Path


def publish(store: Store, settings: Settings) -> PublishReport:
    """Publish every product's approved mash-up as a new release, unless nothing changed.

    Example::

        report = publish(Store("sqlite:///candor.db"), load_settings())
        report.changed, report.release   # (True, "20240501T120000Z-1a2b3c4d")

    Raises :class:`~publisher.validate.ReleaseInvalid` if the rendered site fails validation
    (the release is discarded and ``current`` is untouched).
    """
    out = settings.publish.out
    out.mkdir(parents=True, exist_ok=True)
    releases.remove_leftovers(out)

    with store.session() as session:
        mashups = collect_mashups(session, settings.publish)
        current = _current(session)
        taken = set(session.scalars(select(m.Release.label)))
    files = render_site(mashups, settings.publish.base_url)
    digest = content_hash(files)
    pages, threads = len(mashups), sum(len(mashup.threads) for mashup in mashups)

    if (
        current is not None
        and current.content_hash == digest
        and releases.current_label(out) == current.label
    ):
        return PublishReport(current.label, False, pages, threads, out / releases.CURRENT)

    label = releases.release_label(digest, utcnow(), taken | releases.existing_labels(out))
    tmp = releases.write_tmp(out, label, files)
    try:
        validate_release(tmp, [mashup.slug for mashup in mashups])
    except ReleaseInvalid:
        shutil.rmtree(tmp)
        raise
    folder = releases.finish(tmp)

    try:
        with store.session() as session:
            _record(session, label, folder, digest, mashups)
            releases.switch_current(out, label)
    except BaseException:
        # Nothing recorded it and nothing serves it: the folder would only confuse a reader.
        if releases.current_label(out) != label:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return PublishReport(label, True, pages, threads, out / releases.CURRENT)


def rollback(store: Store, settings: Settings) -> str:
    """Make the release before the current one current again; return its label.

    The release rolled back from is marked ``rolled-back``, so calling this twice goes two
    releases back. Raises :class:`~corpus.errors.InputError` when nothing is published, when
    the current release is the first one, or when the earlier folder is gone from disk.
    """
    out = settings.publish.out
    with store.session() as session:
        current = _current(session)
        if current is None:
            raise InputError("nothing is published yet, so there is no release to roll back")
        previous = session.scalar(
            select(m.Release)
            .where(m.Release.status == SUPERSEDED, m.Release.id < current.id)
            .order_by(m.Release.id.desc())
            .limit(1)
        )
        if previous is None:
            raise InputError(
                f"release {current.label} has no earlier release to roll back to: "
                "publish again after fixing the reviews instead"
            )
        current.status, previous.status = ROLLED_BACK, CURRENT
        session.flush()
        releases.switch_current(out, previous.label)
    return previous.label


def _current(session: Session) -> m.Release | None:
    return session.scalar(
        select(m.Release).where(m.Release.status == CURRENT).order_by(m.Release.id.desc())
    )


def _record(
    session: Session, label: str, folder: Path, digest: str, mashups: list[MashUpView]
) -> None:
    """The new release becomes current, the old one superseded, with one MashUp per product."""
    for old in session.scalars(select(m.Release).where(m.Release.status == CURRENT)):
        old.status = SUPERSEDED
    release = m.Release(label=label, path=str(folder), status=CURRENT, content_hash=digest)
    session.add(release)
    session.flush()
    session.add_all(
        m.MashUp(
            release_id=release.id,
            product_id=mashup.product_id,
            thread_ids=mashup.thread_ids,
            referral_code=mashup.referral_code,
        )
        for mashup in mashups
    )
    session.flush()
