"""``candor eval``: judge a labelled set with Candor's rules and report precision and recall.

The input format is a public contract (README, "Evaluating Candor"): JSON Lines, one item per
line, either a post ``{"id", "type": "post", "role", "title", "text", "context", "gold"}`` or a
thread ``{"id", "type": "thread", "title", "posts": [{"username", "role", "text"}], "gold"}``.
Optional fields: a post's ``number`` (1 for an opening post; replies by default), a thread
post's ``accepted`` (the forum marked it the answer), a thread's ``forum_category`` (the forum
section it is filed in, read through the venue's ``category_hints``) and ``split`` (reported
separately).

Every signal is compared with a keyword baseline on the same items, so a rule has to earn its
complexity. Predictions carry their evidence sentences (``--predictions``).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corpus.errors import InputError
from corpus.settings import SelectConfig
from corpus.taxonomy import UNCLASSIFIED, Taxonomy
from nlp.category_head import CategoryHead
from nlp.classify import hint_for, thread_text
from nlp.heads import Encoder, Learned, LinearHead, score_posts
from nlp.kinds import staff_post_kind
from nlp.language import detect
from nlp.products import ProductLinker
from nlp.resolution import JudgedPost, resolution
from nlp.roles import COMMUNITY, OPENER, STAFF, community_helpers
from nlp.select import ThreadEvidence, check_required_parts, clears_the_bar
from nlp.sentences import split_sentences
from nlp.signals import PostView, judge
from nlp.specificity import specific_details

BOOLEAN_KEYS = (
    "gratitude",
    "solved_confirmation",
    "referral",
    "admission",
    "toxicity",
    "resolved",
    "showcase",
)
CLASS_KEYS = ("staff_post_kind", "category")
SET_KEYS = ("products",)
KINDS = ("admission", "empathy", "deflection", "release_note", "answer", "other")
ROLES = {"staff": STAFF, "customer": COMMUNITY, "opener": OPENER}


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    title: str = ""
    split: str | None = None
    gold: dict[str, bool | str | list[str]] = Field(default_factory=dict)


class PostItem(_Item):
    type: Literal["post"]
    role: Literal["staff", "customer", "opener"]
    text: str
    context: str = ""
    number: int = 2


class ThreadPostItem(BaseModel):
    username: str
    role: Literal["staff", "customer", "opener"]
    text: str
    accepted: bool = False


class ThreadItem(_Item):
    type: Literal["thread"]
    posts: list[ThreadPostItem] = Field(min_length=1)
    forum_category: str | None = None


def read_items(path: Path) -> list[PostItem | ThreadItem]:
    """Parse a labelled set; errors name the file, line and field."""
    items: list[PostItem | ThreadItem] = []
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                model = ThreadItem if data.get("type") == "thread" else PostItem
                items.append(model.model_validate(data))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not JSON: {exc.msg}") from exc
            except (ValidationError, AttributeError) as exc:
                raise InputError(f"{path}:{number}: {_first_problem(exc)}") from exc
    return items


def check_gold_categories(path: Path, items: Sequence[_Item], taxonomy: Taxonomy) -> None:
    """Refuse a gold category the taxonomy does not have: it could only ever score as a miss."""
    for item in items:
        category = item.gold.get("category")
        if category is not None and category not in taxonomy.choices:
            raise InputError(
                f"{path}: item {item.id!r} has gold category {category!r}, which is not a "
                f"taxonomy category ({', '.join(sorted(taxonomy.choices))})"
            )


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        problem = exc.errors()[0]
        return f"{'.'.join(str(p) for p in problem['loc'])}: {problem['msg']}"
    return "each line must be a JSON object"


@dataclass
class Prediction:
    id: str
    split: str | None
    gold: dict[str, Any]
    predicted: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict)


class Evaluator:
    """Predicts every gold key of an item with the same rules enrichment uses."""

    def __init__(
        self,
        nlp: Any,
        taxonomy: Taxonomy,
        encode: Encoder,
        threshold: float,
        margin: float,
        admission_head: LinearHead | None = None,
        category_head: CategoryHead | None = None,
        category_hints: dict[str, str] | None = None,
        linker: ProductLinker | None = None,
        bar: SelectConfig | None = None,
    ) -> None:
        from nlp.classify import TaxonomyClassifier

        self.nlp, self.taxonomy, self.encode = nlp, taxonomy, encode
        self.threshold, self.margin = threshold, margin
        self.admission_head = admission_head
        self.category_hints = category_hints or {}
        self.linker = linker
        self.bar = bar or SelectConfig()
        check_required_parts(self.bar)
        texts = TaxonomyClassifier.prototype_texts(taxonomy)
        self.classifier = TaxonomyClassifier(
            taxonomy, dict(zip(texts, encode(texts), strict=True)), category_head
        )

    def view(self, text: str, role: str, number: int) -> PostView:
        (spans,) = split_sentences(self.nlp, [text])
        return PostView(text, spans, ROLES[role], number, language=detect(text))

    def predict(self, items: Sequence[PostItem | ThreadItem]) -> list[Prediction]:
        threads = [i for i in items if isinstance(i, ThreadItem)]
        vectors = (
            self.encode([thread_text(t.title, t.posts[0].text) for t in threads]) if threads else []
        )
        thread_vectors = {t.id: v for t, v in zip(threads, vectors, strict=True)}
        learned = self._learned([i for i in items if isinstance(i, PostItem) and i.role == "staff"])
        return [
            self._thread(i, thread_vectors[i.id])
            if isinstance(i, ThreadItem)
            else self._post(i, learned.get(i.id))
            for i in items
        ]

    def _learned(self, staff: list[PostItem]) -> dict[str, dict[str, Learned]]:
        """The admission head's verdicts on staff posts, computed in one batch."""
        if not self.admission_head or not staff:
            return {}
        views = [self.view(i.text, i.role, i.number) for i in staff]
        verdicts = score_posts(
            self.admission_head,
            self.encode,
            [v.text or " " for v in views],
            [v.sentences for v in views],
        )
        return {i.id: {"admission": v} for i, v in zip(staff, verdicts, strict=True)}

    def _post(self, item: PostItem, learned: dict[str, Learned] | None) -> Prediction:
        view = replace(self.view(item.text, item.role, item.number), learned=learned or {})
        prediction = Prediction(item.id, item.split, dict(item.gold))
        findings = {f.kind: f for _, f in judge(view)}
        for key in ("gratitude", "solved_confirmation", "referral", "admission", "toxicity"):
            finding = findings.get(key)
            prediction.predicted[key] = finding is not None
            if finding:
                prediction.evidence[key] = [item.text[s:e] for s, e in finding.spans]
        if view.role == STAFF:
            kind, spans = staff_post_kind(view)
            prediction.predicted["staff_post_kind"] = kind
            prediction.evidence["staff_post_kind"] = [item.text[s:e] for s, e in spans]
        prediction.baseline = keyword_baseline_post(item)
        return prediction

    def _thread(self, item: ThreadItem, vector: np.ndarray) -> Prediction:
        prediction = Prediction(item.id, item.split, dict(item.gold))
        judged, views = [], []
        for number, post in enumerate(item.posts, start=1):
            view = self.view(post.text, post.role, number)
            views.append(view)
            judged.append(
                JudgedPost(view.role, post.accepted, view.sentences, judge(view), post.text)
            )
        evidence = resolution(judged)
        prediction.predicted["resolved"] = bool(evidence)
        prediction.evidence["resolved"] = [
            f"{why}: {views[i].text[s:e]}" for i, (s, e), why in evidence
        ]
        total, parts = authenticity(item, judged, bool(evidence))
        prediction.predicted["showcase"] = clears_the_bar(total, parts, self.bar)
        needs = f", needing {' or '.join(self.bar.require_any)}" if self.bar.require_any else ""
        prediction.evidence["showcase"] = [
            f"score {total} ({', '.join(f'{k} {v:+g}' for k, v in parts.items()) or 'no parts'}) "
            f"against the quality bar {self.bar.min_score}{needs}"
        ]
        text = "\n".join([item.title, *(p.text for p in item.posts)])
        hint = hint_for(self.category_hints, item.forum_category)
        categories = self.classifier.assign(vector, text, self.threshold, self.margin, hint)
        prediction.predicted["category"] = categories[0].id
        prediction.evidence["category"] = [
            c.nearest_example or c.evidence()["why"] for c in categories[:1]
        ]
        if self.linker is not None:
            links = self.linker.link(item.title, [p.text for p in item.posts])
            prediction.predicted["products"] = sorted(link.slug for link in links)
            prediction.evidence["products"] = [
                link.title_words or item.posts[link.evidence[0]].text[slice(*link.evidence[1:])]
                for link in links
                if link.title_words or link.evidence
            ]
        prediction.baseline = keyword_baseline_thread(item, self.taxonomy, self.linker)
        return prediction


def authenticity(
    item: ThreadItem, judged: Sequence[JudgedPost], resolved: bool
) -> tuple[float, dict[str, float]]:
    """The score selection would give the thread, from the same counts enrichment stores:
    posts per signal, distinct community helpers, staff involvement and concrete details."""
    counts: defaultdict[str, float] = defaultdict(float)
    for post in judged:
        for kind in {f.kind for _, f in post.findings if f.value}:
            counts[kind] += 1.0
    counts["resolved"] = float(resolved)
    counts["helpers"] = float(
        len(community_helpers((p.username, ROLES[p.role]) for p in item.posts[1:]))
    )
    counts["staff_involved"] = float(any(p.role == STAFF for p in judged))
    counts["specificity"] = float(
        len(specific_details([p.text for p in judged], [p.sentences for p in judged]))
    )
    return ThreadEvidence(0, counts=counts).score()


def _has(text: str, *words: str) -> bool:
    return any(re.search(rf"\b{w}", text, re.IGNORECASE) for w in words)


def keyword_baseline_post(item: PostItem) -> dict[str, Any]:
    """What a single keyword per signal would say: the bar a rule must clear."""
    text = item.text
    baseline: dict[str, Any] = {
        "gratitude": _has(text, "thank", "thx"),
        "solved_confirmation": item.role == "opener" and _has(text, "work", "fixed", "solved"),
        "referral": _has(text, "recommend"),
        "admission": item.role == "staff" and _has(text, "bug", "sorry"),
        "toxicity": _has(text, "idiot", "stupid", "fuck", "shit"),
    }
    if item.role == "staff":
        baseline["staff_post_kind"] = "admission" if baseline["admission"] else "answer"
    return baseline


def keyword_baseline_thread(
    item: ThreadItem, taxonomy: Taxonomy, linker: ProductLinker | None = None
) -> dict[str, Any]:
    text = "\n".join([item.title, *(p.text for p in item.posts)]).lower()
    hits = {c.id: sum(text.count(k.lower()) for k in c.keywords) for c in taxonomy.categories}
    best = max(hits, key=lambda c: hits[c])
    opener_replies = [p.text for p in item.posts[1:] if p.role == "opener"]
    resolved = any(p.accepted for p in item.posts) or any(
        _has(t, "thank", "work") for t in opener_replies
    )
    return {
        "resolved": resolved,
        "showcase": resolved,  # worth showing = solved, by the same keywords
        "category": best if hits[best] else UNCLASSIFIED,
        # every product named anywhere in the thread (Candor's rule before the title decided)
        "products": sorted(linker.mentioned(text)) if linker else [],
    }


def prf(pairs: Iterable[tuple[bool, bool]]) -> dict[str, float | int]:
    """Precision, recall and F1 of the positive class from (gold, predicted) pairs."""
    tp = fp = fn = 0
    for gold, predicted in pairs:
        tp += gold and predicted
        fp += predicted and not gold
        fn += gold and not predicted
    return _figures(tp, fp, fn)


def _figures(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    """Precision, recall and F1 from counts; support is what the gold labels hold."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "support": tp + fn,
    }


def macro(pairs: list[tuple[str, str]]) -> dict[str, float | int]:
    """Macro-averaged precision, recall and F1 over the classes present in the gold labels."""
    classes = sorted({g for g, _ in pairs})
    per_class = [prf((g == c, p == c) for g, p in pairs) for c in classes]
    if not per_class:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    mean = {
        k: round(float(np.mean([m[k] for m in per_class])), 3)
        for k in ("precision", "recall", "f1")
    }
    return {**mean, "support": len(pairs)}


def micro(pairs: list[tuple[Any, Any]]) -> dict[str, float | int]:
    """Micro-averaged precision, recall and F1 over the members of gold and predicted sets."""
    counts = [(set(g), set(p)) for g, p in pairs]
    return _figures(
        sum(len(g & p) for g, p in counts),
        sum(len(p - g) for g, p in counts),
        sum(len(g - p) for g, p in counts),
    )


def score(predictions: Sequence[Prediction]) -> dict[str, Any]:
    """The report: per gold key, Candor's figures and the keyword baseline's."""
    report: dict[str, Any] = {}
    for key in (*BOOLEAN_KEYS, *CLASS_KEYS, *SET_KEYS):
        judged = [p for p in predictions if key in p.gold and key in p.predicted]
        if not judged:
            continue
        measure = prf if key in BOOLEAN_KEYS else micro if key in SET_KEYS else macro
        empty = False if key in BOOLEAN_KEYS else [] if key in SET_KEYS else ""
        ours = [(p.gold[key], p.predicted[key]) for p in judged]
        base = [(p.gold[key], p.baseline.get(key, empty)) for p in judged]
        report[key] = {**measure(ours), "keyword_baseline": measure(base)}  # type: ignore[arg-type]
        if key == "staff_post_kind":
            confusion: dict[str, Counter[str]] = defaultdict(Counter)
            for gold, predicted in ours:
                confusion[str(gold)][str(predicted)] += 1
            report[key]["confusion"] = {g: dict(c) for g, c in sorted(confusion.items())}
    return report


def score_by_split(predictions: Sequence[Prediction]) -> dict[str, dict[str, Any]]:
    splits = sorted({p.split for p in predictions if p.split})
    return {s: score([p for p in predictions if p.split == s]) for s in splits}
