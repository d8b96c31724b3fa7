"""The enrichment stage: clean, redact, split, embed and judge every thread that changed.

Incremental by construction: each thread's *input hash* covers its posts' content hashes, the
enrichment version and everything configured that a judgement reads (taxonomy, products, staff
rules, signal names, models). A thread whose stored hash matches is skipped without loading a
model; anything else is recomputed whole, in batches that commit atomically, so an interrupted
run loses at most one batch of work and never leaves a thread half-judged.

What it writes, per post: ``PostText`` (redacted clean text and sentence spans), a ``role``
annotation, one annotation per positive signal. Per thread: ``category``, ``products``,
``resolved``, ``helpers``, ``staff_involved``, the thread's embedding and ``enrichment`` (the
gate).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from corpus import models as m
from corpus.redact import redact
from corpus.settings import Settings, VenueConfig
from corpus.store import Store
from corpus.taxonomy import Taxonomy
from nlp import models as nlp_models
from nlp.classify import TaxonomyClassifier
from nlp.clean import clean_html
from nlp.heads import HEADS, load_head, score_posts
from nlp.kinds import KIND_VERSION, staff_post_kind
from nlp.language import detect
from nlp.products import ProductLinker
from nlp.resolution import RESOLVED_VERSION, JudgedPost, resolution
from nlp.roles import COMMUNITY, STAFF, Person, role_of
from nlp.sentences import split_sentences
from nlp.signals import REGISTRY, Finding, PostView, judge
from nlp.specificity import SPECIFICITY_VERSION, specific_details
from nlp.timing import TIMING_VERSION, TimedPost, response_times

TEXT_VERSION = "text.v2"
ENRICH_VERSION = "enrich.v1"
BATCH_THREADS = 32
OPENER_CHARS = 1500

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EnrichReport:
    threads_total: int
    threads_enriched: int
    posts_enriched: int
    annotations: int
    seconds: float


def config_fingerprint(settings: Settings, taxonomy: Taxonomy) -> str:
    """Everything configured that enrichment reads: a change re-enriches every thread."""
    payload = {
        "version": ENRICH_VERSION,
        "text": TEXT_VERSION,
        "signals": sorted(REGISTRY),
        "heads": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in HEADS.glob("*.json")},
        "taxonomy": taxonomy.fingerprint,
        "products": [p.model_dump(mode="json") for p in settings.products],
        "venues": [
            v.model_dump(mode="json", include={"name", "staff", "bots"}) for v in settings.venues
        ],
        "nlp": settings.nlp.model_dump(mode="json"),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def pending_threads(session: Session, fingerprint: str) -> list[tuple[int, str]]:
    """``(thread id, input hash)`` of every live thread whose judgements are out of date."""
    rows = session.execute(
        select(
            m.Post.thread_id,
            m.Post.source_id,
            m.Post.content_hash,
            m.Post.number,
            m.Post.deleted_at.is_(None),
            m.Post.is_accepted_answer,
        )
        .join(m.Thread, m.Thread.id == m.Post.thread_id)
        .where(m.Thread.deleted_at.is_(None))
        .order_by(m.Post.thread_id, m.Post.number)
    )
    digests: dict[int, Any] = {}
    for thread_id, *fields in rows:
        digest = digests.setdefault(thread_id, hashlib.sha256(fingerprint.encode()))
        digest.update(repr(fields).encode())
    done = dict(
        session.execute(
            select(m.Annotation.subject_id, m.Annotation.input_hash).where(
                m.Annotation.subject == "thread", m.Annotation.kind == "enrichment"
            )
        ).all()
    )
    hashes = {thread_id: digest.hexdigest() for thread_id, digest in digests.items()}
    return [(t, h) for t, h in sorted(hashes.items()) if done.get(t) != h]


def enrich(
    store: Store, settings: Settings, taxonomy: Taxonomy, progress: Progress | None = None
) -> EnrichReport:
    """Enrich every thread that changed since it was last enriched; see the module docstring."""
    started = time.perf_counter()
    fingerprint = config_fingerprint(settings, taxonomy)
    with store.session() as session:
        pending = pending_threads(session, fingerprint)
    total = len(pending)
    if progress:
        progress(0, total)
    if not pending:
        return EnrichReport(0, 0, 0, 0, time.perf_counter() - started)
    enricher = _Enricher(settings, taxonomy)
    posts = annotations = done = 0
    for batch in _batches(pending, BATCH_THREADS):
        with store.session() as session:
            counts = enricher.run(session, dict(batch))
        posts, annotations, done = posts + counts[0], annotations + counts[1], done + len(batch)
        if progress:
            progress(done, total)
    return EnrichReport(total, done, posts, annotations, time.perf_counter() - started)


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


class _Enricher:
    """Holds the loaded models for one run."""

    def __init__(self, settings: Settings, taxonomy: Taxonomy) -> None:
        self.settings = settings
        self.nlp = nlp_models.sentence_splitter(settings.nlp.spacy_model)
        self.model = nlp_models.sentence_model(
            settings.nlp.embedding_model, settings.nlp.max_seq_length
        )
        texts = TaxonomyClassifier.prototype_texts(taxonomy)
        self.classifier = TaxonomyClassifier(
            taxonomy, dict(zip(texts, self.encode(texts), strict=True))
        )
        self.linker = ProductLinker(self.nlp, settings.products)
        self.admission_head = load_head("admission", settings.nlp.embedding_model)

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

    def run(self, session: Session, input_hashes: dict[int, str]) -> tuple[int, int]:
        """Enrich the threads of one batch inside ``session``; returns (posts, annotations)."""
        threads = session.scalars(
            select(m.Thread)
            .where(m.Thread.id.in_(input_hashes))
            .options(
                selectinload(m.Thread.posts).selectinload(m.Post.author),
                selectinload(m.Thread.venue),
            )
        ).all()
        texts = self._post_texts(session, [p for t in threads for p in t.posts if not p.deleted_at])
        work = {t.id: self._roles(t, texts) for t in threads}
        self._judge([w for posts in work.values() for w in posts])
        vectors = self.encode([self._thread_text(t, work[t.id]) for t in threads])
        written = 0
        for thread, vector in zip(threads, vectors, strict=True):
            written += self._write(
                session, thread, work[thread.id], vector, input_hashes[thread.id]
            )
        return sum(len(w) for w in work.values()), written

    def _post_texts(self, session: Session, posts: list[m.Post]) -> dict[int, m.PostText]:
        """Each post's clean, redacted text: reused while its content hash is unchanged."""
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
            or row.version != TEXT_VERSION
        ]
        cleaned = [redact(clean_html(p.html).text) for p in stale]
        spans = split_sentences(self.nlp, [c.text for c in cleaned])
        for post, clean, sentences in zip(stale, cleaned, spans, strict=True):
            row = existing.get(post.id) or m.PostText(post_id=post.id)
            row.content_hash, row.version, row.text = post.content_hash, TEXT_VERSION, clean.text
            row.sentences, row.redactions = [list(s) for s in sentences], clean.count
            row.language = detect(clean.text)
            session.add(row)
            existing[post.id] = row
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

    def _judge(self, work: list[_PostWork]) -> None:
        """Run the trained heads over staff posts (one batch), then every signal."""
        staff = [w for w in work if w.role == STAFF]
        if self.admission_head and staff:
            verdicts = score_posts(
                self.admission_head,
                self.encode,
                [w.view.text or " " for w in staff],
                [w.view.sentences for w in staff],
            )
            for w, verdict in zip(staff, verdicts, strict=True):
                w.view = replace(w.view, learned={"admission": verdict})
        for w in work:
            w.findings = judge(w.view)
            if w.role == STAFF:
                kind, spans = staff_post_kind(w.view)
                w.findings.append((KIND_VERSION, Finding("staff_post_kind", kind, 0.7, spans)))

    @staticmethod
    def _thread_text(thread: m.Thread, work: list[_PostWork]) -> str:
        opening = work[0].text.text[:OPENER_CHARS] if work else ""
        return f"{thread.title}\n{opening}"

    def _write(
        self,
        session: Session,
        thread: m.Thread,
        work: list[_PostWork],
        vector: np.ndarray,
        input_hash: str,
    ) -> int:
        session.execute(delete(m.Annotation).where(m.Annotation.thread_id == thread.id))
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
            rows.append(
                m.Annotation(
                    subject=subject,
                    subject_id=subject_id,
                    thread_id=thread.id,
                    kind=kind,
                    value=value,
                    score=score,
                    component=component,
                    input_hash=input_hash,
                    evidence=evidence,
                )
            )

        for w in work:
            add(
                "post",
                w.post.id,
                "role",
                w.role,
                1.0,
                "candor.roles.v1",
                [{"post_id": w.post.id, "why": r} for r in w.reasons],
            )
            for name, f in w.findings:
                add(
                    "post",
                    w.post.id,
                    f.kind,
                    f.value,
                    f.score,
                    name,
                    [_evidence(w, span) for span in f.spans],
                )

        full_text = "\n".join([thread.title, *(w.text.text for w in work)])
        categories = self.classifier.assign(
            vector,
            full_text,
            self.settings.nlp.category_threshold,
            self.settings.nlp.category_margin,
        )
        add(
            "thread",
            thread.id,
            "category",
            [{"id": c.id, "score": round(c.score, 4)} for c in categories],
            categories[0].score,
            "candor.taxonomy.v1",
            [
                {
                    "why": f"nearest example of {c.id}",
                    "text": c.nearest_example,
                    "keywords": list(c.keywords),
                }
                for c in categories
                if c.nearest_example
            ],
        )

        links = self.linker.link(thread.title, [w.text.text for w in work])
        if links:
            add(
                "thread",
                thread.id,
                "products",
                [{"slug": link.slug, "mentions": link.mentions} for link in links],
                links[0].mentions,
                "candor.products.v1",
                [
                    {
                        "post_id": work[link.evidence[0]].post.id,
                        "start": link.evidence[1],
                        "end": link.evidence[2],
                        "text": _slice(work[link.evidence[0]], link.evidence[1:]),
                        "why": link.slug,
                    }
                    for link in links
                    if link.evidence
                ],
            )

        resolved = [
            _evidence(work[index], span, why)
            for index, span, why in resolution(
                [
                    JudgedPost(w.role, w.post.is_accepted_answer, w.text.sentences, w.findings)
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
        helpers = sorted(
            {w.post.author.username for w in work if w.role == COMMUNITY and w.post.number > 1}
        )
        add(
            "thread",
            thread.id,
            "helpers",
            {"count": len(helpers), "usernames": helpers},
            float(len(helpers)),
            "candor.helpers.v1",
            [],
        )
        staff_posts = [w.post.id for w in work if w.role == STAFF]
        add(
            "thread",
            thread.id,
            "staff_involved",
            bool(staff_posts),
            float(len(staff_posts)),
            "candor.roles.v1",
            [{"post_id": p, "why": "staff post"} for p in staff_posts],
        )
        add(
            "thread",
            thread.id,
            "enrichment",
            {"version": ENRICH_VERSION, "posts": len(work)},
            1.0,
            ENRICH_VERSION,
            [],
        )
        session.add_all(rows)

        embedding = session.scalar(
            select(m.Embedding).where(
                m.Embedding.subject == "thread", m.Embedding.subject_id == thread.id
            )
        )
        if embedding is None:
            embedding = m.Embedding(subject="thread", subject_id=thread.id)
            session.add(embedding)
        embedding.model, embedding.input_hash = self.settings.nlp.embedding_model, input_hash
        embedding.vector = vector.astype(np.float32).tobytes()
        return len(rows)


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
