"""The enrichment stage: clean, redact, split, embed and judge every thread that changed.

Incremental by construction, and per component (:mod:`nlp.components`): a live thread is
pending when it was never enriched, changed since (``threads.changed_at`` after
``threads.enriched_at``), or was enriched with other component keys (``threads.enrichment_key``)
— one SQL query, no model loaded, nothing hashed. A pending thread whose content changed is
judged whole; one that only met a new component version re-runs just the components whose key
moved and what reads them, and keeps every other annotation. Either way a post's clean text is
re-made only when its content hash or the text component changed, and the thread's vector only
when its input (title and opening post) or the embedding model did. Models load on first use, so
re-running a rule loads no model at all.

Work goes in batches that commit atomically, so an interrupted run loses at most one batch and
never leaves a thread half-judged. Models run inside spaCy's memory zones and the batch's
session is closed after each batch, so memory stays flat however large the corpus.

What it writes, per post: ``PostText`` (redacted clean text and sentence spans), a ``role``
annotation, one annotation per positive signal. Per thread: ``category``, ``products``,
``resolved``, ``response_time``, ``specificity``, ``helpers``, ``staff_involved``, the thread's
embedding and ``enrichment`` (the component keys it was enriched with).
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, selectinload

from corpus import models as m
from corpus.models import utcnow
from corpus.redact import redact
from corpus.settings import Settings, VenueConfig
from corpus.store import Store
from corpus.taxonomy import Taxonomy
from nlp import components as c
from nlp import models as nlp_models
from nlp.category_head import load_category_head
from nlp.classify import TaxonomyClassifier, check_hints, hint_for, thread_text
from nlp.clean import clean_html
from nlp.heads import load_head, score_posts
from nlp.kinds import KIND_VERSION, staff_post_kind
from nlp.language import detect
from nlp.products import ProductLinker
from nlp.resolution import RESOLVED_VERSION, JudgedPost, resolution
from nlp.roles import STAFF, Person, community_helpers, role_of
from nlp.sentences import split_sentences
from nlp.signals import REGISTRY, Finding, PostView, judge
from nlp.specificity import SPECIFICITY_VERSION, specific_details
from nlp.timing import TIMING_VERSION, TimedPost, response_times

ENRICH_VERSION = "enrich.v2"
"""The orchestration's own version: part of every component key (v2: per-component keys)."""
BATCH_THREADS = 32

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EnrichReport:
    threads_total: int
    threads_enriched: int
    posts_enriched: int
    annotations: int
    seconds: float
    components: dict[str, int] = field(default_factory=dict)
    """How many posts (text, signals, head) or threads (the others) each component ran for."""


def component_keys(settings: Settings, taxonomy: Taxonomy) -> dict[str, str]:
    """Every component's key under this configuration (see :mod:`nlp.components`)."""
    return c.component_keys(c.components(settings, taxonomy), ENRICH_VERSION)


def enrichment_key(settings: Settings, taxonomy: Taxonomy) -> str:
    """What ``threads.enrichment_key`` holds once a thread is enriched under this configuration."""
    return c.digest(component_keys(settings, taxonomy))


def pending_threads(session: Session, key: str) -> list[int]:
    """Ids of the live threads whose judgements are out of date: never enriched, changed since,
    or enriched under another ``key`` (see :func:`enrichment_key`)."""
    return list(
        session.scalars(
            select(m.Thread.id)
            .where(
                m.Thread.deleted_at.is_(None),
                or_(
                    m.Thread.enriched_at.is_(None),
                    m.Thread.changed_at > m.Thread.enriched_at,
                    m.Thread.enrichment_key.is_(None),
                    m.Thread.enrichment_key != key,
                ),
            )
            .order_by(m.Thread.id)
        )
    )


def enrich(
    store: Store, settings: Settings, taxonomy: Taxonomy, progress: Progress | None = None
) -> EnrichReport:
    """Enrich every thread that changed since it was last enriched; see the module docstring."""
    started = time.perf_counter()
    for venue in settings.venues:  # before any model loads: a typo fails in a second
        check_hints(taxonomy, venue.name, venue.category_hints)
    keys = component_keys(settings, taxonomy)
    with store.session() as session:
        pending = pending_threads(session, c.digest(keys))
    total = len(pending)
    if progress:
        progress(0, total)
    if not pending:
        return EnrichReport(0, 0, 0, 0, time.perf_counter() - started)
    enricher = _Enricher(settings, taxonomy, keys)
    posts = annotations = done = 0
    for batch in _batches(pending, BATCH_THREADS):
        with store.session() as session:
            counts = enricher.run(session, batch)
        nlp_models.release_freed_memory()
        posts, annotations, done = posts + counts[0], annotations + counts[1], done + len(batch)
        if progress:
            progress(done, total)
    return EnrichReport(
        total, done, posts, annotations, time.perf_counter() - started, dict(enricher.ran)
    )


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _PostWork:
    post: m.Post
    text: m.PostText
    role: str
    reasons: list[str]
    view: PostView
    findings: list[tuple[str, Finding]] = field(default_factory=list)
    """Every finding of the post: re-made now or kept from its annotations (dependents read all)."""
    fresh: list[tuple[str, Finding]] = field(default_factory=list)
    """The findings made in this run: the ones to write."""


@dataclass
class _ThreadWork:
    thread: m.Thread
    stale: frozenset[str]
    kept: list[m.Annotation]
    posts: list[_PostWork] = field(default_factory=list)


class _Enricher:
    """One run's state: the component keys, the models (loaded on first use), what ran."""

    def __init__(self, settings: Settings, taxonomy: Taxonomy, keys: dict[str, str]) -> None:
        self.settings = settings
        self.taxonomy = taxonomy
        self.keys = keys
        self.key = c.digest(keys)
        self.ran: Counter[str] = Counter()

    @cached_property
    def nlp(self) -> Any:
        return nlp_models.sentence_splitter(self.settings.nlp.spacy_model)

    @cached_property
    def model(self) -> Any:
        nlp = self.settings.nlp
        return nlp_models.sentence_model(nlp.embedding_model, nlp.max_seq_length)

    @cached_property
    def classifier(self) -> TaxonomyClassifier:
        texts = TaxonomyClassifier.prototype_texts(self.taxonomy)
        vectors = dict(zip(texts, self.encode(texts), strict=True))
        head = load_category_head(self.settings.nlp.embedding_model)
        return TaxonomyClassifier(self.taxonomy, vectors, head)

    @cached_property
    def linker(self) -> ProductLinker:
        return ProductLinker(self.nlp, self.settings.products)

    @cached_property
    def admission_head(self) -> Any:
        return load_head("admission", self.settings.nlp.embedding_model)

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=self.settings.nlp.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def venue(self, row: m.Venue) -> VenueConfig:
        try:
            return self.settings.venue(row.name)
        except Exception:
            return VenueConfig(name=row.name, platform=row.platform, url=row.url)  # type: ignore[arg-type]

    def run(self, session: Session, thread_ids: list[int]) -> tuple[int, int]:
        """Enrich the threads of one batch inside ``session``; returns (posts, annotations)."""
        threads = session.scalars(
            select(m.Thread)
            .where(m.Thread.id.in_(thread_ids))
            .options(
                selectinload(m.Thread.posts).selectinload(m.Post.author),
                selectinload(m.Thread.venue),
            )
        ).all()
        notes: dict[int, list[m.Annotation]] = defaultdict(list)
        for note in session.scalars(
            select(m.Annotation).where(m.Annotation.thread_id.in_(thread_ids))
        ):
            notes[note.thread_id].append(note)
        work = [self._plan(t, notes[t.id]) for t in threads]
        texts = self._post_texts(session, [p for t in threads for p in t.posts if not p.deleted_at])
        for item in work:
            item.posts = self._roles(item.thread, texts)
        self._judge(work)
        vectors = self._vectors(session, work)
        written = sum(self._write(session, item, vectors[item.thread.id]) for item in work)
        return sum(len(item.posts) for item in work), written

    def _plan(self, thread: m.Thread, notes: list[m.Annotation]) -> _ThreadWork:
        """What to redo: everything when the thread changed, else the components whose key moved.
        The annotations of the other components are kept."""
        gate = next((n for n in notes if n.kind == "enrichment"), None)
        recorded = gate.value.get("components") if gate and isinstance(gate.value, dict) else None
        changed = thread.enriched_at is None or thread.changed_at > thread.enriched_at
        stale = frozenset(self.keys) if changed else c.stale(recorded, self.keys)
        current = set(self.keys) - stale
        return _ThreadWork(thread, stale, [n for n in notes if n.component in current])

    def _post_texts(self, session: Session, posts: list[m.Post]) -> dict[int, m.PostText]:
        """Each post's clean, redacted text: reused while its content hash and the text
        component's key are unchanged."""
        version = self.keys[c.TEXT]
        existing = {
            t.post_id: t
            for t in session.scalars(
                select(m.PostText).where(m.PostText.post_id.in_([p.id for p in posts]))
            )
        }
        stale = [
            p
            for p in posts
            if (row := existing.get(p.id)) is None
            or row.content_hash != p.content_hash
            or row.version != version
        ]
        if not stale:
            return existing
        cleaned = [redact(clean_html(p.html).text) for p in stale]
        # A memory zone frees the strings these texts add to spaCy's vocabulary when it closes.
        with self.nlp.memory_zone():
            spans = list(split_sentences(self.nlp, [x.text for x in cleaned]))
        for post, clean, sentences in zip(stale, cleaned, spans, strict=True):
            row = existing.get(post.id) or m.PostText(post_id=post.id)
            row.content_hash, row.version, row.text = post.content_hash, version, clean.text
            row.sentences, row.redactions = [list(s) for s in sentences], clean.count
            row.language = detect(clean.text)
            session.add(row)
            existing[post.id] = row
        self.ran[c.TEXT] += len(stale)
        return existing

    def _roles(self, thread: m.Thread, texts: dict[int, m.PostText]) -> list[_PostWork]:
        """Each live post with its author's role and the view the signals read."""
        venue = self.venue(thread.venue)
        posts = [p for p in thread.posts if not p.deleted_at]
        opener = posts[0].author.username if posts and posts[0].number == 1 else ""
        work = []
        for post in posts:
            a = post.author
            person = Person(a.username, tuple(a.groups or ()), a.flair, a.is_admin, a.is_moderator)
            role, reasons = role_of(person, opener, venue)
            text = texts[post.id]
            spans = [(s, e) for s, e in text.sentences]
            work.append(
                _PostWork(
                    post,
                    text,
                    role,
                    reasons,
                    PostView(text.text, spans, role, post.number, language=text.language),
                )
            )
        return work

    def _judge(self, threads: list[_ThreadWork]) -> None:
        """Run the stale signals (and the admission head, for staff posts, when a stale signal
        reads them), keeping the findings of the others from their annotations."""
        staff = [w for t in threads if _reads_head(t.stale) for w in t.posts if w.role == STAFF]
        if staff and self.admission_head:
            verdicts = score_posts(
                self.admission_head,
                self.encode,
                [w.view.text or " " for w in staff],
                [w.view.sentences for w in staff],
            )
            for w, verdict in zip(staff, verdicts, strict=True):
                w.view = replace(w.view, learned={"admission": verdict})
            self.ran[c.ADMISSION_HEAD] += len(staff)
        for t in threads:
            signals = t.stale & REGISTRY.keys()
            kept: dict[int, list[tuple[str, Finding]]] = defaultdict(list)
            for note in t.kept:
                if note.subject == "post" and note.component in REGISTRY.keys() | {KIND_VERSION}:
                    kept[note.subject_id].append((note.component, _finding(note)))
            for w in t.posts:
                w.fresh = judge(w.view, signals) if signals else []
                if w.role == STAFF and KIND_VERSION in t.stale:
                    kind, spans = staff_post_kind(w.view)
                    w.fresh.append((KIND_VERSION, Finding("staff_post_kind", kind, 0.7, spans)))
                    self.ran[KIND_VERSION] += 1
                w.findings = [*kept[w.post.id], *w.fresh]
            for name in signals:
                self.ran[name] += sum(w.role in REGISTRY[name].roles for w in t.posts)

    def _vectors(self, session: Session, threads: list[_ThreadWork]) -> dict[int, np.ndarray]:
        """Each thread's vector: the stored one while its input is unchanged, else encoded now."""
        model = self.settings.nlp.embedding_model
        inputs = {
            t.thread.id: hashlib.sha256(
                f"{self.keys[c.EMBEDDING]}\n{_thread_text(t)}".encode()
            ).hexdigest()
            for t in threads
        }
        stored = {
            row.subject_id: row
            for row in session.scalars(
                select(m.Embedding).where(
                    m.Embedding.subject == "thread", m.Embedding.subject_id.in_(inputs)
                )
            )
        }
        vectors = {
            thread_id: np.frombuffer(row.vector, dtype=np.float32)
            for thread_id, row in stored.items()
            if row.input_hash == inputs[thread_id] and row.model == model
        }
        todo = [t for t in threads if t.thread.id not in vectors]
        if todo:
            encoded = self.encode([_thread_text(t) for t in todo])
            for t, vector in zip(todo, encoded, strict=True):
                row = stored.get(t.thread.id) or m.Embedding(
                    subject="thread", subject_id=t.thread.id
                )
                row.model, row.input_hash = model, inputs[t.thread.id]
                row.vector = vector.astype(np.float32).tobytes()
                session.add(row)
                vectors[t.thread.id] = vector
            self.ran[c.EMBEDDING] += len(todo)
        return vectors

    def _write(self, session: Session, item: _ThreadWork, vector: np.ndarray) -> int:
        """Replace the stale components' annotations of one thread; returns how many were
        written. The thread is marked enriched only if it did not change meanwhile."""
        thread, work, stale = item.thread, item.posts, item.stale
        kept = {n.id for n in item.kept}
        session.execute(
            delete(m.Annotation).where(
                m.Annotation.thread_id == thread.id, m.Annotation.id.not_in(kept)
            )
        )
        rows: list[m.Annotation] = []

        def add(
            subject: str,
            subject_id: int,
            kind: str,
            value: Any,
            score: float,
            component: str,
            evidence: list[dict[str, Any]],
        ) -> None:
            if component not in stale and component != ENRICH_VERSION:
                return
            rows.append(
                m.Annotation(
                    subject=subject,
                    subject_id=subject_id,
                    thread_id=thread.id,
                    kind=kind,
                    value=value,
                    score=score,
                    component=component,
                    input_hash=self.keys.get(component, self.key),
                    evidence=evidence,
                )
            )
            if subject == "thread" and component != ENRICH_VERSION:
                self.ran[component] += 1

        for w in work:
            add(
                "post",
                w.post.id,
                "role",
                w.role,
                1.0,
                c.ROLES,
                [{"post_id": w.post.id, "why": r} for r in w.reasons],
            )
            for name, f in w.fresh:
                add(
                    "post",
                    w.post.id,
                    f.kind,
                    f.value,
                    f.score,
                    name,
                    [_evidence(w, span) for span in f.spans],
                )

        if c.TAXONOMY in stale:
            full_text = "\n".join([thread.title, *(w.text.text for w in work)])
            categories = self.classifier.assign(
                vector,
                full_text,
                self.settings.nlp.category_threshold,
                self.settings.nlp.category_margin,
                hint_for(self.venue(thread.venue).category_hints, thread.source_category),
            )
            add(
                "thread",
                thread.id,
                "category",
                [{"id": x.id, "score": round(x.score, 4)} for x in categories],
                categories[0].score,
                c.TAXONOMY,
                [x.evidence() for x in categories if x.nearest_example or x.forum_category],
            )

        if c.PRODUCTS in stale:
            linker = self.linker  # built outside the zone: its patterns' strings must stay
            with self.nlp.memory_zone():
                links = linker.link(thread.title, [w.text.text for w in work])
            if links:
                add(
                    "thread",
                    thread.id,
                    "products",
                    [{"slug": link.slug, "mentions": link.mentions} for link in links],
                    links[0].mentions,
                    c.PRODUCTS,
                    [
                        *(
                            {"why": f"{link.slug}: named in the title", "text": link.title_words}
                            for link in links
                            if link.title_words
                        ),
                        *(
                            {
                                "post_id": work[link.evidence[0]].post.id,
                                "start": link.evidence[1],
                                "end": link.evidence[2],
                                "text": _slice(work[link.evidence[0]], link.evidence[1:]),
                                "why": link.slug,
                            }
                            for link in links
                            if link.evidence
                        ),
                    ],
                )

        resolved = [
            _evidence(work[index], span, why)
            for index, span, why in resolution(
                [
                    JudgedPost(
                        w.role, w.post.is_accepted_answer, w.text.sentences, w.findings, w.text.text
                    )
                    for w in work
                ]
            )
        ]
        add(
            "thread",
            thread.id,
            "resolved",
            bool(resolved),
            1.0 if resolved else 0.0,
            RESOLVED_VERSION,
            resolved,
        )
        timing = response_times(
            [
                TimedPost(
                    w.post.number,
                    w.role,
                    w.post.created_at,
                    w.post.reply_to_number,
                    w.post.is_accepted_answer,
                    frozenset(f.kind for _, f in w.findings),
                )
                for w in work
            ]
        )
        helpful = next((w for w in work if w.post.number == timing.helpful_number), None)
        add(
            "thread",
            thread.id,
            "response_time",
            {
                "first_reply_hours": timing.first_reply_hours,
                "first_helpful_reply_hours": timing.first_helpful_reply_hours,
            },
            timing.first_helpful_reply_hours or 0.0,
            TIMING_VERSION,
            [{"post_id": helpful.post.id, "why": "first helpful reply"}] if helpful else [],
        )
        details = specific_details([w.text.text for w in work], [w.view.sentences for w in work])
        add(
            "thread",
            thread.id,
            "specificity",
            len(details),
            float(len(details)),
            SPECIFICITY_VERSION,
            [_evidence(work[i], span, "concrete detail") for i, span in details[:5]],
        )
        helpers = community_helpers(
            (w.post.author.username, w.role) for w in work if w.post.number > 1
        )
        add(
            "thread",
            thread.id,
            "helpers",
            {"count": len(helpers), "usernames": helpers},
            float(len(helpers)),
            c.HELPERS,
            [],
        )
        staff_posts = [w.post.id for w in work if w.role == STAFF]
        add(
            "thread",
            thread.id,
            "staff_involved",
            bool(staff_posts),
            float(len(staff_posts)),
            c.ROLES,
            [{"post_id": p, "why": "staff post"} for p in staff_posts],
        )
        add(
            "thread",
            thread.id,
            "enrichment",
            {"version": ENRICH_VERSION, "posts": len(work), "components": self.keys},
            1.0,
            ENRICH_VERSION,
            [],
        )
        session.add_all(rows)
        # Compare-and-set: a crawl that changed the thread while it was judged leaves it pending.
        session.execute(
            update(m.Thread)
            .where(m.Thread.id == thread.id, m.Thread.changed_at == thread.changed_at)
            .values(enriched_at=utcnow(), enrichment_key=self.key)
            .execution_options(synchronize_session=False)
        )
        return len(rows)


def _reads_head(stale: frozenset[str]) -> bool:
    """Whether a stale component reads the admission head's verdicts on staff posts."""
    staff_signals = (n for n in stale if n in REGISTRY and STAFF in REGISTRY[n].roles)
    return KIND_VERSION in stale or any(staff_signals)


def _thread_text(item: _ThreadWork) -> str:
    """What the thread's vector embeds: its title and the start of its opening post."""
    return thread_text(item.thread.title, item.posts[0].text.text if item.posts else "")


def _finding(note: m.Annotation) -> Finding:
    """A kept post annotation as the finding it was made from (for the components reading it)."""
    spans = [(e["start"], e["end"]) for e in note.evidence if "start" in e and "end" in e]
    return Finding(note.kind, note.value, note.score, spans)


def _evidence(work: _PostWork, span: tuple[int, int], why: str = "") -> dict[str, Any]:
    start, end = span
    return {
        "post_id": work.post.id,
        "start": start,
        "end": end,
        "text": work.text.text[start:end],
        **({"why": why} if why else {}),
    }


def _slice(work: _PostWork, span: tuple[int, ...]) -> str:
    return work.text.text[span[0] : span[1]]
