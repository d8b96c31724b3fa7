"""An invented forum corpus for the publisher, built the way the earlier stages build it.

:class:`Forum` writes threads through :func:`corpus.ingest.save_thread`, then adds what
enrichment (post texts, ``role`` and ``resolved`` annotations), selection (candidates) and
curators (reviews) would add. :func:`build_acme` builds the Acme corpus (all invented):

- product ``acme-sync``: "Sync stopped after the 4.2 update" (solved, staff admission, four
  posts of which three are the excerpt, given out of order), "Pasting a script tag into a note"
  (raw HTML with ``<script>``, ``<img onerror>`` and a ``javascript:`` link), and "Export cuts
  off long notes" (a long post that must be trimmed, and a second excerpt post).
- product ``acme-notes``: "Reminders fire an hour late" (approved) and "Dark mode" (pending,
  never reviewed).
- product ``acme-lab``: no candidates at all.

:func:`build_helpers` adds two questions answered by community members (likes, an accepted
answer, thanks addressed to a reply) for the contributor rankings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.ingest import ensure_venue, save_thread, tombstone_thread
from corpus.records import AuthorRecord, PostRecord, ThreadRecord
from corpus.reviews import record_review
from corpus.settings import VenueConfig
from corpus.store import Store

VENUE = VenueConfig(name="acme-community", url="https://community.acme.example")
START = datetime(2024, 3, 5, 14, 2, tzinfo=UTC)

ALICE = AuthorRecord(source_id="11", username="alice_m", display_name="Alice Martin")
BOB = AuthorRecord(source_id="12", username="bob-acme", display_name="Bob from Acme")
MALLORY = AuthorRecord(source_id="13", username="mallory")
CAROL = AuthorRecord(source_id="14", username="carol", display_name="carol")

HOSTILE_HTML = (
    "<p>When I paste <code>&lt;script&gt;alert(1)&lt;/script&gt;</code> into a note, the web "
    "app shows it as text. Good.</p>"
    '<img src=x onerror=alert(1)><p>But <a href="javascript:alert(1)">this link</a> does '
    "nothing at all.</p><script>alert(2)</script>"
)
# What enrichment's cleaner keeps of HOSTILE_HTML: inline code stays (as text), the image, the
# script element and the link target go. Forum text like this must reach a page as inert text.
HOSTILE_TEXT = (
    "When I paste <script>alert(1)</script> into a note, the web app shows it as text. Good.\n"
    "But this link does nothing at all."
)
LONG_SENTENCE = "Export to PDF cuts the note off after the second page, every single time I try. "
LONG_TEXT = (LONG_SENTENCE * 9).strip() + "\nThe last paragraph should never be shown."


def sentence_spans(text: str) -> list[list[int]]:
    """Sentence offsets as enrichment stores them: lines end sentences, so do . ! and ?."""
    spans = []
    for match in re.finditer(r"[^\n.!?]+[.!?]*", text):
        stripped = match.group().strip()
        if stripped:
            start = match.start() + match.group().index(stripped)
            spans.append([start, start + len(stripped)])
    return spans


@dataclass
class Forum:
    """Builds a corpus in a real store, stage by stage, the way the earlier stages would."""

    store: Store
    threads: dict[str, int] = field(default_factory=dict)
    posts: dict[tuple[str, int], int] = field(default_factory=dict)
    candidates: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)

    def product(self, slug: str, name: str, page: str | None = None) -> int:
        with self.store.session() as s:
            product = m.Product(slug=slug, name=name, page=page)
            s.add(product)
            s.flush()
            self.products[slug] = product.id
        return self.products[slug]

    def thread(
        self,
        key: str,
        title: str,
        posts: list[tuple[AuthorRecord, str, str]],
        *,
        resolved: bool | None = None,
        staff: tuple[int, ...] = (),
        deleted_posts: tuple[int, ...] = (),
        deleted: bool = False,
    ) -> int:
        """Save a thread of ``(author, html, clean text)`` posts, numbered from 1, and enrich it.

        ``staff`` and ``deleted_posts`` are post numbers; saving the same key again re-crawls.
        """
        record = ThreadRecord(
            source_id=key,
            title=title,
            url=f"{VENUE.url}/t/{key}/{len(key)}",
            created_at=START,
            last_activity_at=START + timedelta(days=len(posts)),
            highest_post_number=len(posts),
            deleted=deleted,
            posts=tuple(
                PostRecord(
                    source_id=f"{key}-{number}",
                    number=number,
                    author=author,
                    html=html,
                    created_at=START + timedelta(days=number - 1),
                    url=f"{VENUE.url}/t/{key}/{len(key)}/{number}",
                    deleted=number in deleted_posts,
                )
                for number, (author, html, _) in enumerate(posts, start=1)
            ),
        )
        with self.store.session() as s:
            venue = ensure_venue(s, VENUE)
            save_thread(s, venue, record)
            thread = s.scalar(select(m.Thread).where(m.Thread.source_id == key))
            assert thread is not None
            self.threads[key] = thread.id
            for post, (_, _, text) in zip(thread.posts, posts, strict=True):
                self.posts[(key, post.number)] = post.id
                self._enrich_post(s, post, text, "staff" if post.number in staff else "customer")
            if resolved is not None:
                self._annotate(s, "thread", thread.id, thread.id, "resolved", resolved)
        return self.threads[key]

    def propose(self, product: str, key: str, rank: int, excerpt: list[int]) -> int:
        """A candidate of ``product`` for thread ``key`` showing posts numbered ``excerpt``."""
        with self.store.session() as s:
            candidate = m.Candidate(
                product_id=self.products[product],
                thread_id=self.threads[key],
                rank=rank,
                score=10.0 - rank,
                excerpt_post_ids=[self.posts[(key, n)] for n in excerpt],
                selector="test.v1",
            )
            s.add(candidate)
            s.flush()
            self.candidates[f"{product}/{key}"] = candidate.id
        return candidate.id

    def review(self, product: str, key: str, decision: str) -> None:
        with self.store.session() as s:
            candidate = s.get(m.Candidate, self.candidates[f"{product}/{key}"])
            assert candidate is not None
            record_review(s, candidate, decision, reviewer="marketing@acme.example")

    def delete_at_source(self, key: str) -> None:
        with self.store.session() as s:
            venue = ensure_venue(s, VENUE)
            assert tombstone_thread(s, venue, key)

    def _enrich_post(self, s: Session, post: m.Post, text: str, role: str) -> None:
        s.merge(
            m.PostText(
                post_id=post.id,
                content_hash=post.content_hash,
                version="test-clean.v1",
                text=text,
                sentences=sentence_spans(text),
                language="en",
            )
        )
        self._annotate(s, "post", post.id, post.thread_id, "role", role)

    @staticmethod
    def _annotate(
        s: Session, subject: str, subject_id: int, thread_id: int, kind: str, value: object
    ) -> None:
        existing = s.scalar(
            select(m.Annotation).where(
                m.Annotation.subject == subject,
                m.Annotation.subject_id == subject_id,
                m.Annotation.kind == kind,
            )
        )
        row = existing or m.Annotation(subject=subject, subject_id=subject_id, kind=kind)
        row.thread_id, row.value, row.score = thread_id, value, 1.0
        row.component, row.input_hash, row.evidence = f"test.{kind}.v1", "0" * 64, []
        s.add(row)


SYNC_POSTS = [
    (
        ALICE,
        "<p>After updating to 4.2 my notes stopped syncing between laptop and phone.</p>",
        "After updating to 4.2 my notes stopped syncing between laptop and phone.",
    ),
    (
        BOB,
        "<p>That one is on us, sorry. 4.2 broke sync for large accounts.</p>",
        "That one is on us, sorry. 4.2 broke sync for large accounts. A fix ships in 4.2.1.",
    ),
    (CAROL, "<p>Same here!</p>", "Same here!"),
    (ALICE, "<p>4.2.1 fixed it. Thank you for being honest!</p>", "4.2.1 fixed it. Thanks!"),
]


def build_acme(forum: Forum) -> Forum:
    """The Acme corpus of the module docstring, every candidate but one reviewed."""
    forum.product("acme-sync", "Acme Sync", page="https://acme.example/sync")
    forum.product("acme-notes", "Acme Notes", page="https://acme.example/notes")
    forum.product("acme-lab", "Acme Lab")

    forum.thread(
        "sync-stopped", "Sync stopped after the 4.2 update", SYNC_POSTS, resolved=True, staff=(2,)
    )
    forum.thread(
        "script-tag",
        "Pasting a script tag into a note",
        [(MALLORY, HOSTILE_HTML, HOSTILE_TEXT), (BOB, "<p>Thanks, fixed.</p>", "Thanks, fixed.")],
        resolved=False,
        staff=(2,),
    )
    forum.thread(
        "export-cut",
        "Export cuts off long notes",
        [
            (CAROL, f"<p>{LONG_TEXT}</p>", LONG_TEXT),
            (BOB, "<p>Fixed in 4.3.</p>", "Fixed in 4.3."),
        ],
        resolved=True,
        staff=(2,),
    )
    forum.thread(
        "reminders-late",
        "Reminders fire an hour late",
        [
            (
                ALICE,
                "<p>Since the clocks changed, reminders are an hour late.</p>",
                "Since the clocks changed, reminders are an hour late.",
            ),
            (
                BOB,
                "<p>Our mistake: we cached the old offset.</p>",
                "Our mistake: we cached the old offset. Restarting the app fixes it.",
            ),
        ],
        resolved=True,
        staff=(2,),
    )
    forum.thread(
        "dark-mode",
        "Dark mode please",
        [(CAROL, "<p>Dark mode?</p>", "Dark mode?")],
        resolved=False,
    )

    forum.propose("acme-sync", "sync-stopped", rank=1, excerpt=[4, 1, 2])
    forum.propose("acme-sync", "script-tag", rank=2, excerpt=[1, 2])
    forum.propose("acme-sync", "export-cut", rank=3, excerpt=[1, 2])
    forum.propose("acme-notes", "reminders-late", rank=1, excerpt=[1, 2])
    forum.propose("acme-notes", "dark-mode", rank=2, excerpt=[1])
    for product, key in [
        ("acme-sync", "sync-stopped"),
        ("acme-sync", "script-tag"),
        ("acme-sync", "export-cut"),
        ("acme-notes", "reminders-late"),
    ]:
        forum.review(product, key, "approved")
    return forum


DAVE = AuthorRecord(source_id="15", username="dave", display_name="Dave Diaz")
ERIN = AuthorRecord(source_id="16", username="erin")


def _post(forum: Forum, key: str, number: int, **values: object) -> None:
    """Set what the crawler records of a post (likes, accepted answer, reply-to link)."""
    with forum.store.session() as s:
        s.execute(update(m.Post).where(m.Post.id == forum.posts[(key, number)]).values(**values))


def judge(forum: Forum, key: str, number: int, kind: str, value: object) -> None:
    """Set what enrichment would judge of a post (its role, gratitude)."""
    with forum.store.session() as s:
        post_id = forum.posts[(key, number)]
        forum._annotate(s, "post", post_id, forum.threads[key], kind, value)


def build_helpers(forum: Forum) -> Forum:
    """q1: Alice asks; Carol answers (accepted, liked), Dave helps (liked), Alice thanks Carol,
    Bob (staff, liked) chimes in. q2: Dave asks; Carol answers, Dave thanks her, Carol thanks
    herself (not counted), Erin helps (liked) and a deleted reply of Erin's was liked too."""
    forum.thread(
        "q1",
        "How do I export?",
        [
            (ALICE, "<p>How?</p>", "How?"),
            (CAROL, "<p>Use File, Export.</p>", "Use File, Export."),
            (DAVE, "<p>Or press Ctrl+E.</p>", "Or press Ctrl+E."),
            (ALICE, "<p>Thanks Carol!</p>", "Thanks Carol!"),
            (BOB, "<p>Both work.</p>", "Both work."),
        ],
        staff=(5,),
    )
    forum.thread(
        "q2",
        "Where are backups?",
        [
            (DAVE, "<p>Where?</p>", "Where?"),
            (CAROL, "<p>In Settings.</p>", "In Settings."),
            (DAVE, "<p>Thank you, found them.</p>", "Thank you, found them."),
            (CAROL, "<p>Thanks me.</p>", "Thanks me."),
            (ERIN, "<p>Also in the cloud.</p>", "Also in the cloud."),
            (ERIN, "<p>Gone.</p>", "Gone."),
        ],
        deleted_posts=(6,),
    )
    for key, community in (("q1", (2, 3)), ("q2", (2, 4, 5, 6))):
        judge(forum, key, 1, "role", "opener")
        for number in community:
            judge(forum, key, number, "role", "community")
    judge(forum, "q1", 4, "role", "opener")
    judge(forum, "q2", 3, "role", "opener")
    _post(forum, "q1", 2, is_accepted_answer=True, likes=3)
    _post(forum, "q1", 3, likes=1)
    _post(forum, "q1", 4, reply_to_number=2)
    judge(forum, "q1", 4, "gratitude", True)
    _post(forum, "q1", 5, likes=5)
    _post(forum, "q2", 3, reply_to_number=2)
    judge(forum, "q2", 3, "gratitude", True)
    _post(forum, "q2", 4, reply_to_number=2)
    judge(forum, "q2", 4, "gratitude", True)
    _post(forum, "q2", 5, likes=2)
    _post(forum, "q2", 6, likes=4)
    return forum
