"""Products and categories: copied from configuration into the corpus so stages can join on them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.settings import Settings
from corpus.taxonomy import Taxonomy


def sync_catalogue(session: Session, settings: Settings, taxonomy: Taxonomy) -> None:
    """Upsert every configured product and taxonomy category (ids are stable; names may change)."""
    products = {p.slug: p for p in session.scalars(select(m.Product))}
    for config in settings.products:
        row = products.get(config.slug) or m.Product(slug=config.slug)
        row.name, row.aliases, row.page = config.name, list(config.aliases), config.page
        session.add(row)
    categories = {c.id: c for c in session.scalars(select(m.Category))}
    for category in taxonomy.categories:
        row = categories.get(category.id) or m.Category(id=category.id)
        row.name, row.description = category.name, category.description
        session.add(row)
