"""Which configured products a thread is about: names and aliases found by spaCy's PhraseMatcher.

Matching is case-insensitive on tokens (so "desktop" does not match "desktops-only" by accident,
and "iOS" matches "ios"). What a thread is about is said at its start: the products its title
names, else the one(s) its opening post mentions most. Replies mention other platforms in
passing ("same on my iPad"), and counting every mention put a thread on every page it touched:
on 200 hand-labelled sample threads (``products`` in ``tests/data/dev/threads.labels.jsonl``,
``candor eval``) precision rose from .45 to .73 on the holdout half (recall .90 → .71). Each
link keeps the words that name it: the title's, or the first post mention.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corpus.settings import ProductConfig

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc


@dataclass(frozen=True)
class ProductLink:
    slug: str
    mentions: int  # in the title and every post: how much the thread talks about it
    evidence: tuple[int, int, int] | None  # (post index, start, end) of the first post mention
    title_words: str | None = None  # the title's words naming it, when the title decides


class ProductLinker:
    def __init__(self, nlp: Language, products: list[ProductConfig]) -> None:
        from spacy.matcher import PhraseMatcher  # spaCy imports torch: only when enriching

        self.nlp = nlp
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for product in products:
            phrases = [product.name, *product.aliases]
            self.matcher.add(product.slug, [nlp.make_doc(p) for p in phrases])

    def _mentions(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(slug, start char, end char) of every product name or alias in ``doc``."""
        return [
            (self.nlp.vocab.strings[match_id], doc[start:end].start_char, doc[start:end].end_char)
            for match_id, start, end in self.matcher(doc)
        ]

    def mentioned(self, text: str) -> set[str]:
        """Every product named anywhere in ``text``."""
        return {slug for slug, _, _ in self._mentions(self.nlp.make_doc(text))}

    def link(self, title: str, posts: list[str]) -> list[ProductLink]:
        """The products the thread is about (the title's, else the opening post's most
        mentioned), most mentioned first."""
        in_title = self._mentions(self.nlp.make_doc(title))
        docs = list(self.nlp.tokenizer.pipe(posts))
        per_post = [self._mentions(doc) for doc in docs]
        opening = Counter(slug for slug, _, _ in per_post[0]) if per_post else Counter()
        if in_title:
            chosen = {slug for slug, _, _ in in_title}
        elif opening:
            top = max(opening.values())
            chosen = {slug for slug, count in opening.items() if count == top}
        else:
            return []
        counts = Counter(slug for slug, _, _ in in_title)
        evidence: dict[str, tuple[int, int, int]] = {}
        for index, mentions in enumerate(per_post):
            for slug, start, end in mentions:
                counts[slug] += 1
                evidence.setdefault(slug, (index, start, end))
        words = {slug: title[start:end] for slug, start, end in reversed(in_title)}
        ranked = sorted(chosen, key=lambda slug: (-counts[slug], slug))
        return [ProductLink(s, counts[s], evidence.get(s), words.get(s)) for s in ranked]
