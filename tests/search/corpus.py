"""An invented corpus for the search tests, written the way crawling and enrichment write it.

Threads go through :func:`corpus.ingest.save_thread`; then come the rows enrichment adds: a
redacted ``PostText`` per post, ``role`` and signal annotations per post, ``category``,
``products``, ``resolved`` and ``staff_involved`` per thread, and one 384-dim thread vector whose
direction is the thread's topic (threads of a topic are each other's nearest neighbours).

| key | venue | product | topic | resolved | staff | created (week of) |
| --- | --- | --- | --- | --- | --- | --- |
| sync-stopped | acme | acme-sync | sync | yes | admission | 2024-03-04 |
| sync-slow | acme | acme-sync | sync | no | no | 2024-03-04 |
| reminders-late | acme | acme-notes | reminders | yes | admission | 2024-03-11 |
| dark-mode | beta | acme-notes | ui | no | no | 2024-03-18 |
| ghost | acme | acme-sync | sync | — | tombstoned at the source | |
| pending | acme | — | — | not enriched yet (no PostText) | | |

``sync-slow`` also has a third post deleted at the source. The opening post of ``sync-stopped``
has an e-mail address in its HTML that redaction replaced: it must never be searchable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select

from corpus import models as m
from corpus.ingest import ensure_venue, save_thread, tombstone_thread
from corpus.records import AuthorRecord, PostRecord, ThreadRecord
from corpus.settings import VenueConfig
from corpus.store import Store

ACME = VenueConfig(name="acme", url="https://community.acme.example")
BETA = VenueConfig(name="beta", url="https://beta.acme.example")
TOPICS = {"sync": 0, "reminders": 1, "ui": 2}

# (author, role, html, redacted text, signals)
Post = tuple[str, str, str, str, tuple[str, ...]]


@dataclass(frozen=True)
class Spec:
    key: str
    venue: VenueConfig
    created: datetime
    posts: list[Post]
    products: tuple[str, ...] = ()
    category: str = ""
    topic: str = ""
    resolved: bool = False
    deleted_posts: tuple[int, ...] = ()
    enriched: bool = True
    extra: dict[str, object] = field(default_factory=dict)


SPECS = [
    Spec(
        "sync-stopped",
        ACME,
        datetime(2024, 3, 4, 9, tzinfo=UTC),
        [
            (
                "alice",
                "opener",
                "<p>After updating to 4.2 my notes stopped syncing between laptop and phone. "
                "Mail me at alice@example.com</p>",
                "After updating to 4.2 my notes stopped syncing between laptop and phone. "
                "Mail me at [email]",
                (),
            ),
            (
                "bob-acme",
                "staff",
                "<p>That one is on us, sorry. 4.2 broke sync for large accounts.</p>",
                "That one is on us, sorry. 4.2 broke sync for large accounts. A fix ships in "
                "4.2.1.",
                ("admission",),
            ),
            (
                "carol",
                "community",
                "<p>Same here</p>",
                "Same here, syncing fails on my tablet.",
                (),
            ),
            (
                "alice",
                "opener",
                "<p>4.2.1 fixed it. Thanks!</p>",
                "4.2.1 fixed it. Thanks!",
                ("gratitude", "solved_confirmation"),
            ),
        ],
        products=("acme-sync",),
        category="sync",
        topic="sync",
        resolved=True,
    ),
    Spec(
        "sync-slow",
        ACME,
        datetime(2024, 3, 6, 9, tzinfo=UTC),
        [
            ("dave", "opener", "<p>slow</p>", "Sync is very slow with large attachments.", ()),
            (
                "carol",
                "community",
                "<p>try</p>",
                "Try turning off attachment sync in the settings.",
                (),
            ),
            ("mallory", "community", "<p>spam</p>", "Cheap watches at spam dot example.", ()),
        ],
        products=("acme-sync",),
        category="sync",
        topic="sync",
        deleted_posts=(3,),
    ),
    Spec(
        "reminders-late",
        ACME,
        datetime(2024, 3, 12, 9, tzinfo=UTC),
        [
            (
                "alice",
                "opener",
                "<p>late</p>",
                "Reminders fire an hour late since the clocks changed.",
                (),
            ),
            (
                "bob-acme",
                "staff",
                "<p>mistake</p>",
                "Our mistake: we cached the old offset. Restarting the app fixes it.",
                ("admission",),
            ),
            ("alice", "opener", "<p>thanks</p>", "Restarting worked, thank you.", ("gratitude",)),
        ],
        products=("acme-notes",),
        category="reminders",
        topic="reminders",
        resolved=True,
    ),
    Spec(
        "dark-mode",
        BETA,
        datetime(2024, 3, 20, 9, tzinfo=UTC),
        [
            ("erin", "opener", "<p>dark</p>", "Dark mode please, the white screen hurts.", ()),
            (
                "carol",
                "community",
                "<p>theme</p>",
                "A dark theme is on the roadmap according to the changelog.",
                (),
            ),
        ],
        products=("acme-notes",),
        category="feature-request",
        topic="ui",
    ),
    Spec(
        "ghost",
        ACME,
        datetime(2024, 3, 5, 9, tzinfo=UTC),
        [("zed", "opener", "<p>ghost</p>", "Ghostly syncing problem nobody sees.", ())],
        products=("acme-sync",),
        category="sync",
        topic="sync",
    ),
    Spec(
        "pending",
        ACME,
        datetime(2024, 3, 7, 9, tzinfo=UTC),
        [("yan", "opener", "<p>Unredacted pending words</p>", "", ())],
        enriched=False,
    ),
]
LIVE = ["sync-stopped", "sync-slow", "reminders-late", "dark-mode"]


def topic_vector(topic: str, seed: int) -> np.ndarray:
    """A unit vector near the topic's axis: same topic, near; other topics, far."""
    rng = np.random.default_rng(seed)
    vector = rng.normal(0, 0.05, 384).astype(np.float32)
    vector[TOPICS[topic]] += 1.0
    return vector / np.linalg.norm(vector)


def key(spec_key: str) -> str:
    """The search index's thread key of a spec."""
    spec = next(s for s in SPECS if s.key == spec_key)
    return f"{spec.venue.name}/{spec.key}"


def record(spec: Spec) -> ThreadRecord:
    return ThreadRecord(
        source_id=spec.key,
        title=f"Title of {spec.key}",
        url=f"{spec.venue.url}/t/{spec.key}",
        created_at=spec.created,
        last_activity_at=spec.created + timedelta(hours=len(spec.posts)),
        highest_post_number=len(spec.posts),
        posts=tuple(
            PostRecord(
                source_id=f"{spec.key}-{n}",
                number=n,
                author=AuthorRecord(source_id=author, username=author),
                html=html,
                created_at=spec.created + timedelta(hours=n - 1),
                url=f"{spec.venue.url}/t/{spec.key}/{n}",
                deleted=n in spec.deleted_posts,
            )
            for n, (author, _, html, _, _) in enumerate(spec.posts, start=1)
        ),
    )


def build(store: Store) -> dict[str, int]:
    """Write every spec; tombstone ``ghost``. Returns spec key → thread id."""
    ids = {}
    for seed, spec in enumerate(SPECS):
        with store.session() as s:
            venue = ensure_venue(s, spec.venue)
            save_thread(s, venue, record(spec))
            thread = s.scalar(
                select(m.Thread).where(
                    m.Thread.venue_id == venue.id, m.Thread.source_id == spec.key
                )
            )
            assert thread is not None
            ids[spec.key] = thread.id
            if spec.enriched:
                enrich(s, thread, spec, seed)
    with store.session() as s:
        assert tombstone_thread(s, ensure_venue(s, ACME), "ghost")
    return ids


def enrich(s: object, thread: m.Thread, spec: Spec, seed: int) -> None:
    """The rows enrichment writes for ``thread``."""
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)

    def note(subject: str, subject_id: int, kind: str, value: object) -> None:
        s.add(
            m.Annotation(
                subject=subject,
                subject_id=subject_id,
                thread_id=thread.id,
                kind=kind,
                value=value,
                score=1.0,
                component=f"test.{kind}.v1",
                input_hash="0" * 64,
                evidence=[],
            )
        )

    for post, (_, role, _, text, signals) in zip(thread.posts, spec.posts, strict=True):
        s.add(
            m.PostText(
                post_id=post.id,
                content_hash=post.content_hash,
                version="test.v1",
                text=text,
                sentences=[[0, len(text)]],
                language="en",
            )
        )
        note("post", post.id, "role", role)
        for signal in signals:
            note("post", post.id, signal, True)
    note("thread", thread.id, "category", [{"id": spec.category, "score": 0.9}])
    note("thread", thread.id, "products", [{"slug": p, "mentions": 1} for p in spec.products])
    note("thread", thread.id, "resolved", spec.resolved)
    staff = any(role == "staff" for _, role, _, _, _ in spec.posts)
    note("thread", thread.id, "staff_involved", staff)
    thread.enriched_at = m.utcnow()
    s.add(
        m.Embedding(
            subject="thread",
            subject_id=thread.id,
            model="test-vectors",
            input_hash="0" * 64,
            vector=topic_vector(spec.topic, seed).tobytes(),
        )
    )
