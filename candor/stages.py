"""The stage functions: what ``candor <stage>``, ``candor run``, the demo and the DAGs call.

Each takes the typed :class:`~corpus.settings.Settings`, does one stage's work through the
library packages, and returns a small report. Each is idempotent and incremental: run twice and
the second run changes nothing; run after new data and only the new work is done.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from candor.logs import log
from corpus import models as m
from corpus.catalogue import sync_catalogue
from corpus.errors import CandorError, InputError, SourceUnreachable
from corpus.ingest import ensure_venue
from corpus.reviews import latest_reviews, record_review
from corpus.settings import Settings, VenueConfig
from corpus.store import StageCounts, Store
from corpus.taxonomy import Taxonomy, load_taxonomy
from crawlers.safety import check_target

Progress = Callable[[int, int | None], None]
POLL_SECONDS = 0.5


def open_store(settings: Settings) -> Store:
    """The configured store, checked to be at the newest schema (``candor init`` migrates)."""
    store = Store(settings.store)
    store.check()
    return store


def init(settings: Settings) -> Taxonomy:
    """Create or migrate the store and copy products and categories into it."""
    taxonomy = load_taxonomy(settings.taxonomy)
    store = Store(settings.store)
    store.migrate()
    with store.session() as session:
        sync_catalogue(session, settings, taxonomy)
        for venue in settings.venues:
            ensure_venue(session, venue)
    store.dispose()
    log.info("init.done", store=settings.store, categories=len(taxonomy.categories))
    return taxonomy


@dataclass(frozen=True)
class CrawlReport:
    venue: str
    status: str
    stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    log_file: Path | None = None


def crawl(
    settings: Settings,
    venue: str | None = None,
    max_threads: int | None = None,
    progress: Progress | None = None,
) -> list[CrawlReport]:
    """Crawl one venue (or every configured venue) into the corpus."""
    venues = [settings.venue(venue)] if venue else settings.venues
    if not venues:
        raise InputError("no venues configured: add one under `venues:` in candor.yaml")
    return [_crawl_venue(settings, v, max_threads, progress) for v in venues]


def _crawl_venue(
    settings: Settings, venue: VenueConfig, max_threads: int | None, progress: Progress | None
) -> CrawlReport:
    check_target(venue.url, venue.allow_private_address)
    _check_reachable(venue.url)
    store = open_store(settings)
    with store.session() as session:
        run = m.CrawlRun(venue_id=ensure_venue(session, venue).id)
        session.add(run)
        session.flush()
        run_id = run.id
    logs = settings.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_file = logs / f"crawl-{venue.name}-{run_id}.log"
    spec = {
        "store": settings.store,
        "venue": venue.model_dump(mode="json"),
        "run_id": run_id,
        "max_threads": max_threads,
        "user_agent": settings.crawl.user_agent.format(contact=settings.crawl.contact_url),
        "autothrottle": settings.crawl.autothrottle and not venue.allow_private_address,
    }
    started = time.perf_counter()
    log.info("crawl.start", venue=venue.name, url=venue.url, run=run_id, log=str(log_file))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec_file:
        json.dump(spec, spec_file)
    try:
        code = _run_child(spec_file.name, log_file, store, run_id, max_threads, progress)
    finally:
        Path(spec_file.name).unlink(missing_ok=True)
    with store.session() as session:
        run = session.get(m.CrawlRun, run_id)
        assert run is not None
        if code != 0:
            run.status, run.finished_at = "failed", m.utcnow()
        report = CrawlReport(
            venue.name, run.status, dict(run.stats), time.perf_counter() - started, log_file
        )
    store.dispose()
    log.info("crawl.done", venue=venue.name, status=report.status, **report.stats)
    if code != 0:
        raise CandorError(f"crawl of {venue.name} failed (exit {code}); see {log_file}")
    if report.status == "unreachable":
        raise SourceUnreachable(f"{venue.url}: the forum answered no request; see {log_file}")
    return report


def _check_reachable(url: str) -> None:
    """Fail fast, with the reason, when a forum does not answer at all."""
    try:
        with urllib.request.urlopen(f"{url}/robots.txt", timeout=15):
            pass
    except urllib.error.HTTPError:
        return  # it answered; robots.txt handling is the crawler's business
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceUnreachable(f"cannot reach the forum at {url}: {reason}") from exc


def _run_child(
    spec: str,
    log_file: Path,
    store: Store,
    run_id: int,
    total: int | None,
    progress: Progress | None,
) -> int:
    """Run the crawl in a child process, reporting progress from its crawl-run row."""
    with log_file.open("w", encoding="utf-8") as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "crawlers.run", spec], stdout=output, stderr=subprocess.STDOUT
        )
        try:
            while child.poll() is None:
                time.sleep(POLL_SECONDS)
                if progress:
                    progress(_threads_saved(store, run_id), total)
        except BaseException:
            child.terminate()
            child.wait(timeout=30)
            raise
    if progress:
        progress(_threads_saved(store, run_id), total)
    return child.returncode


def _threads_saved(store: Store, run_id: int) -> int:
    with store.session() as session:
        run = session.get(m.CrawlRun, run_id)
        stats = run.stats if run else {}
    return sum(stats.get(k, 0) for k in ("new", "changed", "unchanged", "failed"))


def enrich(settings: Settings, progress: Progress | None = None) -> Any:
    """Enrich every thread that changed (see :mod:`nlp.enrich`)."""
    from nlp.enrich import enrich as run_enrich

    taxonomy = load_taxonomy(settings.taxonomy)
    store = open_store(settings)
    report = run_enrich(store, settings, taxonomy, progress)
    store.dispose()
    log.info(
        "enrich.done",
        threads=report.threads_enriched,
        posts=report.posts_enriched,
        annotations=report.annotations,
        seconds=round(report.seconds, 1),
    )
    return report


def select_threads(settings: Settings) -> Any:
    """Propose candidate threads for every product (see :mod:`nlp.select`)."""
    from nlp.select import select_candidates

    store = open_store(settings)
    report = select_candidates(store, settings.select)
    store.dispose()
    log.info(
        "select.done",
        products=report.products,
        candidates=report.candidates,
        changed=report.changed,
    )
    return report


def approve(
    settings: Settings,
    product: str,
    reviewer: str,
    top: int = 0,
    candidate_ids: list[int] | None = None,
    reason: str | None = None,
) -> list[int]:
    """Approve candidates of ``product``: the ``top`` best not yet reviewed, or those named.

    Returns the ids approved. Already reviewed candidates are left as their reviewer decided.
    """
    store = open_store(settings)
    with store.session() as session:
        row = session.scalar(select(m.Product).where(m.Product.slug == product))
        if row is None:
            known = ", ".join(session.scalars(select(m.Product.slug))) or "none"
            raise InputError(f"no product {product!r} (known: {known})")
        candidates = session.scalars(
            select(m.Candidate)
            .where(m.Candidate.product_id == row.id, m.Candidate.active)
            .order_by(m.Candidate.rank)
        ).all()
        reviewed = latest_reviews(session)
        if candidate_ids:
            by_id = {c.id: c for c in candidates}
            missing = [i for i in candidate_ids if i not in by_id]
            if missing:
                raise InputError(f"candidates {missing} are not active candidates of {product}")
            chosen = [by_id[i] for i in candidate_ids]
        else:
            chosen = [c for c in candidates if c.id not in reviewed][:top]
        for candidate in chosen:
            record_review(session, candidate, "approved", reviewer, reason)
    store.dispose()
    log.info("approve.done", product=product, reviewer=reviewer, approved=len(chosen))
    return [c.id for c in chosen]


def publish(settings: Settings, rollback: bool = False) -> Any:
    """Publish approved mash-ups as a new release, or roll back to the previous one."""
    import publisher

    store = open_store(settings)
    try:
        if rollback:
            label = publisher.rollback(store, settings)
            log.info("publish.rollback", release=label)
            return label
        report = publisher.publish(store, settings)
    finally:
        store.dispose()
    log.info("publish.done", release=report.release, changed=report.changed, pages=report.pages)
    return report


@dataclass(frozen=True)
class Status:
    counts: StageCounts
    crawls: list[dict[str, Any]]


def status(settings: Settings) -> Status:
    """Counts per stage and the latest crawl report of each venue."""
    store = open_store(settings)
    counts = store.counts()
    with store.session() as session:
        crawls = []
        for venue in session.scalars(select(m.Venue).order_by(m.Venue.name)):
            run = session.scalar(
                select(m.CrawlRun)
                .where(m.CrawlRun.venue_id == venue.id)
                .order_by(m.CrawlRun.id.desc())
                .limit(1)
            )
            if run is not None:
                crawls.append(
                    {
                        "venue": venue.name,
                        "status": run.status,
                        "started_at": run.started_at.isoformat(),
                        **run.stats,
                    }
                )
    store.dispose()
    return Status(counts, crawls)
