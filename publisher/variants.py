"""Experiments: variant mash-ups of a product page, and how ``embed.js`` picks one per request.

Settings: ``publish.experiments`` (:class:`~corpus.settings.ExperimentConfig`). For each
experiment, :func:`collect_variants` builds one :class:`~publisher.mashups.MashUpView` per
variant from the product's approved threads (arranged as the variant says), each with its own
referral code; the release carries them as ``fragments/{slug}.{variant}.html`` (and ``.json``)
beside the normal ``fragments/{slug}.html``, and ``embed.js`` carries :func:`embed_config`.

**The split.** A product page is a static file: there is no server to decide, and Candor sets no
cookie. What identifies a *page request* without identifying a person is the page's address and
the moment it is loaded. ``embed.js`` therefore takes the page's ``origin + pathname`` (no query
string, no fragment: campaign parameters must not move visitors between variants) and the slot
of ``slot_minutes`` minutes of the UTC clock the request falls in, and picks
``variants[hash(experiment|page|slot) mod n]`` (:func:`assign_variant`, the same arithmetic in
Python and JavaScript). Every request of one page within one slot sees the same variant; the
slots of a page alternate between variants in a well-mixed order, so over days each variant gets
an even share at every hour of the day. ``?candor-variant=b`` on the page's address shows
variant ``b`` (for previews and screenshots). The hash is FNV-1a (32 bit) over the UTF-16 code
units of the key, finished with MurmurHash3's ``fmix32`` so that its low bits are well mixed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.errors import InputError
from corpus.settings import ExperimentConfig, PublishConfig, VariantConfig
from publisher.mashups import MashUpView, Shown, check_slug, mashup_view, showable_threads

_MASK = 0xFFFFFFFF


def request_hash(key: str) -> int:
    """FNV-1a over UTF-16 code units then ``fmix32``: what ``embed.js`` computes (``pick``)."""
    h = 0x811C9DC5
    units = key.encode("utf-16-le")
    for i in range(0, len(units), 2):
        h = ((h ^ int.from_bytes(units[i : i + 2], "little")) * 0x01000193) & _MASK
    h = ((h ^ (h >> 16)) * 0x85EBCA6B) & _MASK
    h = ((h ^ (h >> 13)) * 0xC2B2AE35) & _MASK
    return h ^ (h >> 16)


def time_slot(moment: datetime, slot_minutes: int) -> int:
    """The slot number of ``moment``: whole ``slot_minutes`` since 1970 (0 when slots are off)."""
    if slot_minutes <= 0:
        return 0
    return int(moment.timestamp() * 1000) // (slot_minutes * 60_000)


def assign_variant(experiment: str, page: str, variants: list[str], slot: int = 0) -> str:
    """The variant a page request sees, exactly as ``embed.js`` picks it.

    Example: ``assign_variant("sync-honesty", "https://acme.example/sync", ["a", "b"], 492001)``.
    page (str): the page's ``origin + pathname``; slot (int): :func:`time_slot` of the request.
    """
    if not variants:
        raise ValueError("an experiment needs at least one variant")
    return variants[request_hash(f"{experiment}|{page}|{slot}") % len(variants)]


def embed_config(experiments: list[ExperimentConfig]) -> dict[str, dict[str, Any]]:
    """Product slug → what ``embed.js`` needs to split its requests (name, variants, slot)."""
    return {
        e.product: {
            "name": e.name,
            "variants": [v.name for v in e.variants],
            "slot_minutes": e.slot_minutes,
        }
        for e in experiments
    }


def collect_variants(
    session: Session, config: PublishConfig, decisions: dict[int, m.Review] | None = None
) -> list[MashUpView]:
    """Every variant of every configured experiment, in configuration order.

    Raises :class:`InputError` naming the experiment when its product is not in the corpus.
    """
    views = []
    for experiment in config.experiments:
        product = session.scalar(select(m.Product).where(m.Product.slug == experiment.product))
        if product is None:
            known = ", ".join(session.scalars(select(m.Product.slug).order_by(m.Product.slug)))
            raise InputError(
                f"experiment {experiment.name!r} names product {experiment.product!r}, which is "
                f"not configured (products: {known or 'none'}); fix publish.experiments"
            )
        check_slug(product)
        approved = showable_threads(session, product, decisions)
        for variant in experiment.variants:
            shown = arrange(session, approved, variant, config.per_page)
            views.append(
                mashup_view(session, product, shown, config, variant.name, experiment.name)
            )
    return views


def arrange(
    session: Session, approved: list[Shown], variant: VariantConfig, per_page: int
) -> list[Shown]:
    """``approved`` (curated order) as ``variant`` shows it: ordered, ``skip`` left out, cut.

    The sorts are stable: threads equal under the variant's order keep the curated order.
    """
    ordered = list(approved)
    if variant.order == "solved-first":
        ordered.sort(key=lambda s: not s.solved)
    elif variant.order == "admissions-first":
        admitted = _threads_with_admissions(session, [s.thread.id for s in ordered])
        ordered.sort(key=lambda s: s.thread.id not in admitted)
    elif variant.order == "newest":
        ordered.sort(key=lambda s: s.thread.created_at, reverse=True)
    start = variant.skip
    return ordered[start : start + (variant.per_page or per_page)]


def _threads_with_admissions(session: Session, thread_ids: list[int]) -> set[int]:
    """Threads with a live post enrichment judged a staff admission of a mistake."""
    if not thread_ids:
        return set()
    rows = session.execute(
        select(m.Annotation.thread_id, m.Annotation.value)
        .join(m.Post, m.Post.id == m.Annotation.subject_id)
        .where(
            m.Annotation.subject == "post",
            m.Annotation.kind == "admission",
            m.Annotation.thread_id.in_(thread_ids),
            m.Post.deleted_at.is_(None),
        )
    )
    # JSON values are judged in Python: PostgreSQL's json type has no equality operator.
    return {thread_id for thread_id, value in rows if value}
