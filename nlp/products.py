"""Which configured products a thread is about: names and aliases found by spaCy's PhraseMatcher.

Matching is case-insensitive on tokens (so "desktop" does not match "desktops-only" by accident,
and "iOS" matches "ios"). The title counts double: it says what the thread is about, while a reply
may mention another product in passing. Each link keeps the first sentence that mentions it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corpus.settings import ProductConfig

if TYPE_CHECKING:
    from spacy.language import Language

TITLE_WEIGHT = 2.0


@dataclass(frozen=True)
class ProductLink:
    slug: str
    mentions: float
    evidence: tuple[int, int, int] | None  # (post index, start, end) of the first mention


class ProductLinker:
    def __init__(self, nlp: Language, products: list[ProductConfig]) -> None:
        from spacy.matcher import PhraseMatcher  # spaCy imports torch: only when enriching

        self.nlp = nlp
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for product in products:
            phrases = [product.name, *product.aliases]
            self.matcher.add(product.slug, [nlp.make_doc(p) for p in phrases])

    def link(self, title: str, posts: list[str]) -> list[ProductLink]:
        """Products mentioned in the title or posts, most mentioned first."""
        counts: Counter[str] = Counter()
        evidence: dict[str, tuple[int, int, int]] = {}
        for match_id, _, _ in self.matcher(self.nlp.make_doc(title)):
            counts[self.nlp.vocab.strings[match_id]] += TITLE_WEIGHT
        for index, doc in enumerate(self.nlp.tokenizer.pipe(posts)):
            for match_id, start, end in self.matcher(doc):
                slug = self.nlp.vocab.strings[match_id]
                counts[slug] += 1
                span = doc[start:end]
                evidence.setdefault(slug, (index, span.start_char, span.end_char))
        return [ProductLink(s, n, evidence.get(s)) for s, n in counts.most_common()]
