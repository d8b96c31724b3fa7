"""The studio tests' corpus: the search tests' invented forum, selected and indexed.

:func:`build` writes :mod:`tests.search.corpus` into the store (threads, posts, post texts,
annotations, thread vectors), splits each post text into its sentences as enrichment would,
gives the admission and gratitude annotations their evidence sentence, runs selection
(``select.min_score: 0`` and no ``require_any``, so every live thread of a product is a
candidate), and builds the local search index. Candidates: ``acme-sync``: sync-stopped
(admission, resolved), sync-slow; ``acme-notes``: reminders-late (admission, resolved), dark-mode.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from candor import stages
from corpus import models as m
from corpus.search import open_index, sync_index
from corpus.settings import Settings
from corpus.store import Store
from nlp.select import select_candidates
from tests.search import corpus as search_corpus

PRODUCTS = [
    {"name": "Acme Sync", "slug": "acme-sync", "page": "https://acme.example/sync"},
    {"name": "Acme Notes", "slug": "acme-notes", "page": "https://acme.example/notes"},
]
PASSWORD = "correct horse battery staple"
USERS = {"ada": "admin", "cai": "curator", "vic": "viewer"}
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def sentence_spans(text: str) -> list[list[int]]:
    """Sentences as enrichment finds them: a stop, then space, then a capital or a digit."""
    spans, start = [], 0
    for gap in SENTENCE_END.finditer(text):
        spans.append([start, gap.start()])
        start = gap.end()
    return [*spans, [start, len(text)]] if text else []


def build(settings: Settings) -> dict[str, int]:
    """Build everything in ``settings.store``; returns spec key → thread id."""
    stages.init(settings)
    store = Store(settings.store)
    ids = search_corpus.build(store)
    with store.session() as s:
        for text in s.scalars(select(m.PostText)):
            text.sentences = sentence_spans(text.text)
        for note in s.scalars(
            select(m.Annotation).where(m.Annotation.kind.in_(["admission", "gratitude"]))
        ):
            text = s.get(m.PostText, note.subject_id)
            assert text is not None
            start, end = text.sentences[0]
            note.evidence = [
                {"post_id": text.post_id, "start": start, "end": end, "text": text.text[start:end]}
            ]
    select_candidates(store, settings.select)
    index = open_index(settings)
    sync_index(store, index)
    index.close()
    from candor.studio.users import add_user

    with store.session() as s:
        for name, role in USERS.items():
            add_user(s, name, PASSWORD, role)
    store.dispose()
    return ids


def candidate_ids(store: Store) -> dict[str, int]:
    """``"product/spec key"`` → candidate id."""
    with store.session() as s:
        rows = s.execute(
            select(m.Product.slug, m.Thread.source_id, m.Candidate.id)
            .join(m.Product, m.Product.id == m.Candidate.product_id)
            .join(m.Thread, m.Thread.id == m.Candidate.thread_id)
        ).all()
    return {f"{slug}/{key}": cid for slug, key, cid in rows}
