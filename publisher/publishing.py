"""The publish stage: approved mash-ups → an atomic, versioned release; and its rollback.

:func:`publish` renders every product page in memory, hashes the result and compares it with
the current release: equal content means nothing is written and no release is made (the stage
is idempotent). Otherwise the files go to ``releases/{label}.tmp``, are validated, renamed to
``releases/{label}`` and recorded in the corpus (a :class:`~corpus.models.Release`, one
:class:`~corpus.models.MashUp` per product); ``current`` is switched inside that transaction, so
a failed switch records nothing. Before the folder takes its name, a ``writing`` row says it
may exist: a publish killed between the rename and the commit leaves a folder the store knows
of, and the next publish deletes it (:func:`_sweep_unfinished`). Release statuses::

    writing       a release being published, or one a killed publish left (swept next time)
    failed        a release a killed publish left; its folder is deleted
    current       what ``current`` points at (exactly one, once anything is published)
    superseded    an earlier current release: a rollback target
    rolled-back   a release :func:`rollback` moved away from; never chosen again by rollback

Where releases go is a :class:`~publisher.targets.PublishTarget`; the default is the local
folder ``publish.out`` (:class:`~publisher.targets.LocalFolder`).

One publisher runs at a time (the CLI or one Airflow task); concurrent runs are not coordinated.
Settings: ``publish.out``, ``publish.base_url``, ``publish.referral_param``, ``publish.per_page``,
``publish.removal_contact``, ``publish.rankings_opt_out``, ``publish.experiments`` (variant
mash-ups: :mod:`publisher.variants`; one ``MashUp`` row per variant, ``variant`` set),
``pilot_contributors`` (the pilot group's ranking on the contributors page).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.errors import CandorError, InputError
from corpus.models import utcnow
from corpus.settings import Settings
from corpus.store import Store
from publisher import releases
from publisher.mashups import MashUpView, collect_mashups
from publisher.rankings import (
    TOP,
    pilot_convention,
    rank_changes,
    rank_contributors,
    rank_pilot,
    ranks_before,
)
from publisher.render import Microsite, content_hash, render_site
from publisher.targets import LocalFolder, PublishTarget
from publisher.validate import ReleaseInvalid, validate_release
from publisher.variants import collect_variants, embed_config

CURRENT = "current"
SUPERSEDED = "superseded"
ROLLED_BACK = "rolled-back"
PURGED = "purged"
WRITING = "writing"
FAILED = "failed"

log = logging.getLogger(__name__)


class ReleaseNotWritten(CandorError):
    """The release could not be written (disk full, file too large, no permission).

    What was written of it is removed, and ``current`` still serves the previous release.
    """

    @classmethod
    def because(cls, label: str, target: PublishTarget, exc: OSError) -> ReleaseNotWritten:
        where = f" ({exc.filename})" if exc.filename else ""
        served = target.current_label()
        still = f"release {served} is still served" if served else "nothing is published yet"
        return cls(
            f"cannot write release {label} to {target!r}: {exc.strerror or exc}{where}. "
            f"Is the disk full? Nothing of it was kept; {still}"
        )


@contextmanager
def _writing(target: PublishTarget, label: str) -> Iterator[None]:
    """Turn a failed write into :class:`ReleaseNotWritten`, removing what was written first."""
    try:
        yield
    except OSError as exc:
        target.remove_leftovers()
        if target.has(label) and target.current_label() != label:
            target.delete(label)
        raise ReleaseNotWritten.because(label, target, exc) from exc


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


def default_target(settings: Settings) -> LocalFolder:
    """The local folder ``settings.publish.out``."""
    return LocalFolder(settings.publish.out)


def publish(store: Store, settings: Settings, target: PublishTarget | None = None) -> PublishReport:
    """Publish every product's approved mash-up as a new release, unless nothing changed.

    Example::

        report = publish(Store("sqlite:///candor.db"), load_settings())
        report.changed, report.release   # (True, "20240501T120000Z-1a2b3c4d")

    Raises :class:`~publisher.validate.ReleaseInvalid` if the rendered site fails validation
    (the release is discarded and ``current`` is untouched), and :class:`ReleaseNotWritten`
    if the disk is full (likewise). ``target`` defaults to :func:`default_target`.
    """
    target = target or default_target(settings)
    config = settings.publish
    target.remove_leftovers()
    _sweep_unfinished(store, target)

    with store.session() as session:
        mashups = collect_mashups(session, config)
        variants = collect_variants(session, config)
        community = rank_contributors(session, config.rankings_opt_out, top=None)
        pilot = rank_pilot(session, settings.pilot_contributors, config.rankings_opt_out)
        since, before = ranks_before(session)
        site = Microsite(
            rankings=community[:TOP],
            removal_contact=config.removal_contact,
            per_page=config.per_page,
            referral_param=config.referral_param,
            pilot_rankings=pilot,
            community_ranks={f"{r.venue}/{r.author.username}": r.rank for r in community},
            pilot_convention=pilot_convention(settings.pilot_contributors),
            experiments=embed_config(config.experiments),
            changes_since=since,
            community_changes=rank_changes(
                community[:TOP], {k: v["rank"] for k, v in before.items()}
            ),
            pilot_changes=rank_changes(pilot, {k: v["pilot_rank"] for k, v in before.items()}),
        )
        current = _current(session)
        taken = set(session.scalars(select(m.Release.label)))
    files = render_site(mashups, config.base_url, site, variants)
    digest = content_hash(files)
    pages, threads = len(mashups), sum(len(mashup.threads) for mashup in mashups)
    served = _served_path(settings, target)

    if (
        current is not None
        and current.content_hash == digest
        and target.current_label() == current.label
    ):
        return PublishReport(current.label, False, pages, threads, served)

    label = releases.release_label(digest, utcnow(), taken | target.labels())
    with _writing(target, label):
        staged = target.stage(label, files)
    try:
        validate_release(
            staged,
            [mashup.slug for mashup in mashups],
            [variant.name_in_files for variant in variants],
        )
    except ReleaseInvalid:
        target.discard(staged)
        raise
    with store.session() as session:
        session.add(m.Release(label=label, path=str(staged), status=WRITING, content_hash=digest))
    with _writing(target, label):
        location = target.commit(staged)

    try:
        with store.session() as session:
            _record(session, label, location, digest, [*mashups, *variants])
            target.switch(label)
    except BaseException as exc:
        # Nothing recorded it and nothing serves it: the folder would only confuse a reader.
        if target.current_label() != label:
            target.discard(Path(location))
            # Marks the row failed; were the store down, the next publish sweeps it instead.
            with suppress(Exception):
                _sweep_unfinished(store, target)
        if isinstance(exc, OSError):
            raise ReleaseNotWritten.because(label, target, exc) from exc
        raise
    _sweep_unfinished(store, target)
    return PublishReport(label, True, pages, threads, served)


def _sweep_unfinished(store: Store, target: PublishTarget) -> list[str]:
    """Delete the folders of releases a killed publish left ``writing``; return their labels.

    A release still served (killed between the switch and the commit) is kept until a later
    publish serves another one; the store's ``current`` is what rollback and the studio trust.
    """
    swept = []
    with store.session() as session:
        for release in session.scalars(select(m.Release).where(m.Release.status == WRITING)):
            if target.current_label() == release.label:
                continue
            if target.has(release.label):
                target.delete(release.label)
            release.status = FAILED
            swept.append(release.label)
    if swept:
        log.warning("deleted releases a killed publish left: %s", ", ".join(swept))
    return swept


def rollback(store: Store, settings: Settings, target: PublishTarget | None = None) -> str:
    """Make the release before the current one current again; return its label.

    The release rolled back from is marked ``rolled-back``, so calling this twice goes two
    releases back. Raises :class:`~corpus.errors.InputError` when nothing is published, when
    the current release is the first one, or when the earlier folder is gone from disk.
    """
    target = target or default_target(settings)
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
        if not target.has(previous.label):
            raise InputError(
                f"release {previous.label} is missing from {target!r}; cannot make it current"
            )
        current.status, previous.status = ROLLED_BACK, CURRENT
        session.flush()
        target.switch(previous.label)
    return previous.label


def purge(
    store: Store,
    settings: Settings,
    thread_ids: Iterable[int],
    target: PublishTarget | None = None,
) -> list[str]:
    """Delete every earlier release that showed any of ``thread_ids``; return their labels.

    Releases are immutable, so words someone asked to remove can only leave an old release by
    deleting it; it is marked ``purged`` and can no longer be rolled back to. Publish first, so
    the current release is already without them.
    """
    target = target or default_target(settings)
    wanted = set(thread_ids)
    purged: list[str] = []
    with store.session() as session:
        current = _current(session)
        rows = session.execute(
            select(m.Release, m.MashUp.thread_ids).join(
                m.MashUp, m.MashUp.release_id == m.Release.id
            )
        ).all()
        for release, shown in rows:
            if release.status == PURGED or (current and release.id == current.id):
                continue
            if wanted & set(shown):
                target.delete(release.label)
                release.status = PURGED
                purged.append(release.label)
    return sorted(set(purged))


def _current(session: Session) -> m.Release | None:
    return session.scalar(
        select(m.Release).where(m.Release.status == CURRENT).order_by(m.Release.id.desc())
    )


def _served_path(settings: Settings, target: PublishTarget) -> Path:
    if isinstance(target, LocalFolder):
        return target.current
    return settings.publish.out / releases.CURRENT


def _record(
    session: Session, label: str, folder: str, digest: str, mashups: list[MashUpView]
) -> None:
    """The new release becomes current, the old one superseded, with one MashUp per product
    and one per experiment variant."""
    for old in session.scalars(select(m.Release).where(m.Release.status == CURRENT)):
        old.status = SUPERSEDED
    release = session.scalars(select(m.Release).where(m.Release.label == label)).one()
    release.path, release.status = folder, CURRENT
    session.flush()
    session.add_all(
        m.MashUp(
            release_id=release.id,
            product_id=mashup.product_id,
            thread_ids=mashup.thread_ids,
            referral_code=mashup.referral_code,
            variant=mashup.variant,
        )
        for mashup in mashups
    )
    session.flush()
