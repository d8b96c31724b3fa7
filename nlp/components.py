"""The components of enrichment, what each one reads, and the key that says when to re-run it.

A component is one versioned judgement (``candor.gratitude.v1``, ``candor.taxonomy.v1``…) or a
shared input of judgements (the clean text, the embedding model, the admission head). Its *key*
digests its own version, the configuration it reads and the keys of the components it reads
from, so a new rule version, a retrained head or an edited product alias moves the key of that
component and of everything downstream of it, and of nothing else::

    text, roles ──▶ each signal ──▶ resolved, response_time
    embedding ─▶ admission_head ─▶ staff signals ──▶ staff_post_kind
    text, embedding ─▶ taxonomy        text ─▶ products, specificity        roles ─▶ helpers

Enrichment records on each thread the keys it used (``components`` in the thread's
``enrichment`` annotation) and their :func:`digest` (``threads.enrichment_key``, which a run with
nothing new compares in SQL). A thread whose content did not change re-runs only its
:func:`stale` components; the others' annotations stay as they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.settings import Settings
from corpus.taxonomy import Taxonomy
from nlp.category_head import CATEGORY_HEAD
from nlp.classify import TAXONOMY_VERSION
from nlp.heads import HEADS
from nlp.kinds import KIND_VERSION
from nlp.resolution import RESOLVED_VERSION
from nlp.roles import STAFF
from nlp.signals import REGISTRY
from nlp.specificity import SPECIFICITY_VERSION
from nlp.timing import TIMING_VERSION

TEXT = "candor.text.v2"
"""Clean, redact, detect the language and split into sentences (``PostText``)."""
EMBEDDING = "candor.embedding.v1"
"""The thread's vector."""
ADMISSION_HEAD = "candor.admission_head.v1"
"""The trained head whose verdicts the staff-post signals read."""
ROLES = "candor.roles.v1"
TAXONOMY = TAXONOMY_VERSION
PRODUCTS = "candor.products.v2"  # v2: the title's products, else the opening post's
HELPERS = "candor.helpers.v1"


@dataclass(frozen=True)
class Component:
    """A named step of enrichment: ``reads`` names the components whose results it uses."""

    name: str
    reads: tuple[str, ...] = ()
    config: Any = None


def components(settings: Settings, taxonomy: Taxonomy) -> list[Component]:
    """Every component with the configuration it reads, each listed after what it reads."""
    nlp = settings.nlp
    signals = tuple(sorted(REGISTRY))
    judged = (ROLES, *signals)
    # What a staff post mainly does is judged from the staff signals (and the head they read).
    staff_signals = tuple(n for n in signals if STAFF in REGISTRY[n].roles)
    return [
        Component(TEXT, config=nlp.spacy_model),
        Component(EMBEDDING, config=[nlp.embedding_model, nlp.max_seq_length]),
        Component(
            ROLES,
            config=[
                v.model_dump(mode="json", include={"name", "staff", "bots"})
                for v in settings.venues
            ],
        ),
        Component(
            ADMISSION_HEAD,
            (TEXT, EMBEDDING),
            {p.name: _file_digest(p) for p in HEADS.glob("*.json") if p != CATEGORY_HEAD},
        ),
        *(Component(name, (TEXT, ROLES, ADMISSION_HEAD)) for name in signals),
        Component(KIND_VERSION, (TEXT, ROLES, ADMISSION_HEAD, *staff_signals)),
        Component(RESOLVED_VERSION, judged),
        Component(TIMING_VERSION, judged),
        Component(SPECIFICITY_VERSION, (TEXT,)),
        Component(
            TAXONOMY,
            (TEXT, EMBEDDING),
            [
                taxonomy.fingerprint,
                nlp.category_threshold,
                nlp.category_margin,
                _file_digest(CATEGORY_HEAD) if CATEGORY_HEAD.exists() else None,
                {v.name: v.category_hints for v in settings.venues if v.category_hints},
            ],
        ),
        Component(
            PRODUCTS,
            (TEXT,),
            [
                p.model_dump(mode="json", include={"slug", "name", "aliases"})
                for p in settings.products
            ],
        ),
        Component(HELPERS, (ROLES,)),
    ]


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def component_keys(graph: Iterable[Component], base: str) -> dict[str, str]:
    """Each component's key; ``base`` (the version of enrichment itself) is part of every key."""
    keys: dict[str, str] = {}
    for component in graph:
        upstream = [keys[name] for name in component.reads]
        payload = json.dumps([base, component.name, component.config, upstream], sort_keys=True)
        keys[component.name] = hashlib.sha256(payload.encode()).hexdigest()
    return keys


def digest(keys: Mapping[str, str]) -> str:
    """One hash of every component key: what ``threads.enrichment_key`` holds."""
    return hashlib.sha256(json.dumps(dict(keys), sort_keys=True).encode()).hexdigest()


def stale(recorded: Mapping[str, str] | None, keys: Mapping[str, str]) -> frozenset[str]:
    """The components whose key is not the one recorded: all of them when nothing is."""
    if not recorded:
        return frozenset(keys)
    return frozenset(name for name, key in keys.items() if recorded.get(name) != key)
