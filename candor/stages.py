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
from crawlers.state import close_stale_runs

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
    full: bool | None = None,
    category: str | None = None,
) -> list[CrawlReport]:
    """Crawl one venue (or every configured venue) into the corpus.

    full: walk whole listings and check unlisted threads for deletion (True), only what
    changed (False), or let each venue's ``full_crawl_days`` decide (None).
    category: only this one of ``venue``'s ``categories`` (a scope with its own watermark,
    so a scheduler can crawl a large forum's categories as separate tasks).
    """
    venues = [settings.venue(venue)] if venue else settings.venues
    if not venues:
        raise InputError("no venues configured: add one under `venues:` in candor.yaml")
    if category is not None:
        venues = [_one_category(venues, venue, category)]
    return [_crawl_venue(settings, v, max_threads, progress, full) for v in venues]


def _one_category(venues: list[VenueConfig], venue: str | None, category: str) -> VenueConfig:
    """``venue``'s configuration narrowed to one of its configured categories."""
    if venue is None:
        raise InputError(f"crawling category {category!r} needs the venue it belongs to")
    (found,) = venues
    if category not in found.categories:
        listed = ", ".join(found.categories) or "none"
        raise InputError(
            f"venue {venue} does not crawl category {category!r} (its `categories:`: {listed})"
        )
    return found.model_copy(update={"categories": [category]})


def _crawl_venue(
    settings: Settings,
    venue: VenueConfig,
    max_threads: int | None,
    progress: Progress | None,
    full: bool | None = None,
) -> CrawlReport:
    check_target(venue.url, venue.allow_private_address)
    _check_reachable(venue.url)
    store = open_store(settings)
    with store.session() as session:
        venue_id = ensure_venue(session, venue).id
        close_stale_runs(session, venue_id)
        run = m.CrawlRun(venue_id=venue_id)
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
        "full": full,
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
    within_top: bool = False,
) -> list[int]:
    """Approve candidates of ``product``: the ``top`` best not yet reviewed, or those named.

    ``within_top``: only those of the ``top`` best that are not yet reviewed, so running it again
    approves nothing new. Returns the ids approved. Already reviewed candidates are left as their
    reviewer decided.
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
            pool = candidates[:top] if within_top else candidates
            chosen = [c for c in pool if c.id not in reviewed][:top]
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
class WithdrawReport:
    """What a withdrawal did: the candidates rejected now, and the publish that followed."""

    rejected: list[int]
    publish: Any


def withdraw(
    settings: Settings,
    reviewer: str,
    reason: str,
    thread_id: int | None = None,
    candidate_id: int | None = None,
) -> WithdrawReport:
    """Take a thread (every product) or one candidate off the pages now: reject, then publish.

    The rejection goes into the audit log (:func:`corpus.reviews.withdraw`), and a new release
    is published at once, so the thread is gone as soon as this returns.
    """
    from corpus.reviews import withdraw as reject

    store = open_store(settings)
    try:
        with store.session() as session:
            reviews = reject(session, reviewer, reason, thread_id, candidate_id)
            rejected = [r.candidate_id for r in reviews]
    finally:
        store.dispose()
    log.info("withdraw.rejected", thread=thread_id, candidate=candidate_id, rejected=rejected)
    return WithdrawReport(rejected, publish(settings))


@dataclass(frozen=True)
class ForgetReport:
    posts: int
    threads: int
    publish: Any
    purged: list[str]


def forget(
    settings: Settings,
    venue: str,
    requested_by: str,
    author: str | None = None,
    post: str | None = None,
    reason: str | None = None,
) -> ForgetReport:
    """Take a person's words (an author, or one post by its forum id) off every output.

    The corpus is scrubbed and the request kept so later crawls store empty tombstones
    (:mod:`corpus.removals`); the affected threads are re-judged without the words; a new
    release is published, the search index updated, and every older release that showed those
    threads is deleted, so nothing Candor serves or can roll back to still holds them.
    """
    import publisher
    from corpus.removals import forget as scrub

    store = open_store(settings)
    try:
        with store.session() as session:
            row = session.scalar(select(m.Venue).where(m.Venue.name == venue))
            if row is None:
                raise InputError(f"no venue {venue!r} in the store")
            forgotten = scrub(session, row, requested_by, author, post, reason)
    finally:
        store.dispose()
    enrich(settings)
    select_threads(settings)
    report = publish(settings)
    index(settings)
    store = open_store(settings)
    try:
        purged = publisher.purge(store, settings, forgotten.thread_ids)
    finally:
        store.dispose()
    log.info(
        "forget.done",
        posts=len(forgotten.post_ids),
        threads=len(forgotten.thread_ids),
        purged=purged,
    )
    return ForgetReport(len(forgotten.post_ids), len(forgotten.thread_ids), report, purged)


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


def index(settings: Settings, rebuild: bool = False) -> Any:
    """Bring the search index up to date with the corpus: only threads whose enrichment changed
    are re-indexed; ``rebuild`` builds a fresh index and swaps it in (see :mod:`corpus.search`)."""
    from corpus.search import open_index, sync_index

    store = open_store(settings)
    search_index = open_index(settings)
    try:
        report = sync_index(store, search_index, rebuild=rebuild)
    finally:
        search_index.close()
        store.dispose()
    log.info(
        "index.done",
        index=search_index.kind,
        threads=report.threads_indexed,
        posts=report.posts_indexed,
        deleted=report.posts_deleted,
        rebuilt=report.rebuilt,
        seconds=round(report.seconds, 1),
    )
    return report


def search_init(settings: Settings) -> dict[str, Any]:
    """Create the search index's templates, tables and alias if missing (idempotent)."""
    from corpus.search import open_index

    search_index = open_index(settings)
    try:
        return search_index.init()
    finally:
        search_index.close()


def search_query(
    settings: Settings,
    text: str = "",
    products: list[str] | None = None,
    like: int | None = None,
    size: int = 10,
) -> list[dict[str, Any]]:
    """Hits for ``text`` (full text), ``like`` (threads like this thread id) or both (hybrid),
    each with its thread's title from the store."""
    from corpus.search import Filters, open_index

    if not text and like is None:
        raise InputError("say what to look for: a TEXT, --like THREAD_ID, or both")
    filters = Filters(products=tuple(products or ()))
    store = open_store(settings)
    search_index = open_index(settings)
    try:
        thread_key = None
        if like is not None:
            with store.session() as session:
                row = session.execute(
                    select(m.Venue.name, m.Thread.source_id)
                    .join(m.Venue, m.Venue.id == m.Thread.venue_id)
                    .where(m.Thread.id == like)
                ).first()
            if row is None:
                raise InputError(f"no thread {like} in the store")
            thread_key = f"{row[0]}/{row[1]}"
        if thread_key and text:
            vector = search_index.thread_vector(thread_key)
            hits = search_index.hybrid(text, vector, filters, size, exclude=[thread_key])
        elif thread_key:
            hits = search_index.similar(thread_key, filters, size)
        else:
            hits = search_index.search(text, filters, size).hits
        with store.session() as session:
            titles = dict(
                session.execute(
                    select(m.Thread.id, m.Thread.title).where(
                        m.Thread.id.in_({h.thread_id for h in hits})
                    )
                ).all()
            )
    finally:
        search_index.close()
        store.dispose()
    return [
        {
            "thread_id": h.thread_id,
            "post_id": h.post_id,
            "title": titles.get(h.thread_id, ""),
            "url": h.url,
            "score": round(h.score, 4),
            "highlights": list(h.highlights),
        }
        for h in hits
    ]
