"""The issue taxonomy: ``taxonomy.yaml`` loaded, validated and typed.

Each category has an id, a name, a description and examples; the enrichment stage embeds the
description and examples and assigns a thread to the categories it is most similar to. Optional
``keywords`` are phrases matched case-insensitively, which raise a category's score.
A bad file fails with :class:`TaxonomyError` naming the file, line and field.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from corpus import yamlfile
from corpus.errors import TaxonomyError
from corpus.settings import SLUG

UNCLASSIFIED = "unclassified"


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = Field(min_length=1)
    description: str = Field(min_length=10)
    examples: tuple[str, ...] = Field(min_length=1)
    keywords: tuple[str, ...] = ()

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("must be lowercase letters, digits and hyphens")
        if value == UNCLASSIFIED:
            raise ValueError(f"{UNCLASSIFIED!r} is reserved for threads no category fits")
        return value


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    categories: tuple[Category, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Taxonomy:
        ids = [c.id for c in self.categories]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"category ids must be unique; repeated: {repeated}")
        return self

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything a classifier reads changes: re-classify on change."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()[:12]

    @property
    def choices(self) -> frozenset[str]:
        """Every id a thread can be filed under: the categories and ``unclassified``."""
        return frozenset(c.id for c in self.categories) | {UNCLASSIFIED}

    def get(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate ``path``."""
    try:
        data, node = yamlfile.load(path)
    except FileNotFoundError as exc:
        raise TaxonomyError(
            f"{path}: taxonomy file not found (point `taxonomy:` in candor.yaml at yours; "
            "the taxonomy.yaml in Candor's repository is an example to copy)"
        ) from exc
    except ValueError as exc:
        raise TaxonomyError(str(exc)) from exc
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}:1: expected a mapping with 'categories'")
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as exc:
        raise TaxonomyError(
            "invalid taxonomy:\n" + yamlfile.describe_errors(path, node, exc)
        ) from exc
