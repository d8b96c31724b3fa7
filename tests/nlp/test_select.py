"""Selection explains itself: named score parts, capped, with admissions first and pitches last."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from candor import stages
from corpus import models as m
from corpus.errors import InputError
from corpus.ingest import ensure_venue, save_thread
from corpus.settings import Settings, VenueConfig
from corpus.store import Store
from nlp.select import ThreadEvidence, freshness, select_candidates
from tests.conftest import make_thread


def evidence(**counts: float) -> ThreadEvidence:
    thread = ThreadEvidence(thread_id=1, products=["p"])
    thread.counts.update(counts)
    return thread


def test_select_admission_outweighs_gratitude_and_parts_are_named() -> None:
    owned = evidence(admission=1, resolved=1)
    thanked = evidence(gratitude=10, helpers=10)
    assert owned.score() == (5.0, {"admission": 3.0, "resolved": 2.0})
    assert thanked.score() == (2.25, {"gratitude": 1.5, "helpers": 0.75})


def test_select_happy_talk_lowers_the_score_down_to_its_cap() -> None:
    assert evidence(resolved=1, happy_talk=1).score() == (
        1.0,
        {"resolved": 2.0, "happy_talk": -1.0},
    )
    assert evidence(resolved=1, happy_talk=9).score()[1]["happy_talk"] == -2.0


def test_select_excerpt_starts_with_the_opener_and_skips_pitches() -> None:
    thread = evidence()
    thread.evidence = [
        {"post_id": 7, "part": "happy_talk"},
        {"post_id": 5, "part": "admission"},
        {"post_id": 5, "part": "gratitude"},
        {"post_id": 9, "part": "gratitude"},
    ]
    assert thread.excerpt_post_ids(opener_post_id=1) == [1, 5, 9]


def test_select_freshness_halves_the_score_every_half_life() -> None:
    assert freshness(4.0, age_days=365, half_life_days=365) == -2.0
    assert freshness(4.0, age_days=730, half_life_days=365) == -3.0
    assert freshness(4.0, age_days=730, half_life_days=0) == 0.0  # 0 turns decay off
    assert freshness(-1.0, age_days=730, half_life_days=365) == 0.0  # never rises to zero


def test_select_freshness_is_a_named_part_counted_from_the_last_activity() -> None:
    thread = evidence(admission=1, resolved=1)
    thread.last_activity = datetime(2025, 1, 1, 18, 30, tzinfo=UTC)
    assert thread.score(date(2026, 1, 1), half_life_days=365) == (
        2.5,
        {"admission": 3.0, "resolved": 2.0, "freshness": -2.5},
    )
    assert thread.score(date(2026, 1, 1), half_life_days=0) == thread.score()


def save(
    store: Store,
    source_id: str,
    last_activity: datetime,
    resolved: bool = True,
    category: str = "sync",
) -> int:
    """A thread about acme-sync, filed under ``category``, whose opener thanks for the fix (and
    is resolved)."""
    with store.session() as s:
        venue = ensure_venue(s, VenueConfig(name="acme", url="https://forum.acme.example"))
        record = make_thread(source_id).model_copy(
            update={"created_at": last_activity, "last_activity_at": last_activity}
        )
        save_thread(s, venue, record)
        thread = s.scalar(select(m.Thread).where(m.Thread.source_id == source_id))
        assert thread is not None
        thanks = thread.posts[-1]
        for subject, subject_id, kind, value, proof in (
            ("thread", thread.id, "products", [{"slug": "acme-sync", "mentions": 1}], []),
            ("thread", thread.id, "resolved", resolved, []),
            ("thread", thread.id, "category", [{"id": category, "score": 0.9}], []),
            ("post", thanks.id, "gratitude", True, [{"post_id": thanks.id, "start": 0, "end": 7}]),
        ):
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
                    evidence=proof,
                )
            )
        return thread.id


def candidates(store: Store) -> list[tuple[int, dict[str, float], list[dict[str, object]]]]:
    """The active candidates in rank order: (thread id, score parts, evidence)."""
    with store.session() as s:
        rows = s.execute(
            select(m.Candidate.thread_id, m.Candidate.parts, m.Candidate.evidence)
            .where(m.Candidate.active)
            .order_by(m.Candidate.rank)
        )
        return [tuple(row) for row in rows]


@pytest.fixture
def acme(make_settings: Callable[..., Settings]) -> Callable[..., tuple[Settings, Store]]:
    def build(**select_config: object) -> tuple[Settings, Store]:
        settings = make_settings(
            products=[{"name": "Acme Sync", "slug": "acme-sync"}], select=select_config
        )
        stages.init(settings)
        return settings, Store(settings.store)

    return build


def test_select_ranks_an_older_thread_below_an_equally_good_newer_one(acme) -> None:
    settings, store = acme(freshness_half_life_days=180)
    old = save(store, "old", datetime(2024, 6, 1, tzinfo=UTC))
    new = save(store, "new", datetime(2025, 11, 28, tzinfo=UTC))
    select_candidates(store, settings.select, today=date(2025, 12, 1))
    (first, first_parts, _), (second, second_parts, second_evidence) = candidates(store)
    assert (first, second) == (new, old)
    assert first_parts == {"resolved": 2.0, "gratitude": 0.5, "freshness": -0.029}
    assert second_parts["freshness"] == -2.197  # 548 days: about three half-lives
    assert second_evidence[-1] == {
        "part": "freshness",
        "last_activity_at": "2024-06-01",
        "age_days": 548,
        "half_life_days": 180.0,
    }
    assert select_candidates(store, settings.select, today=date(2025, 12, 1)).changed == 0


def test_select_quality_bar_counts_before_freshness(acme) -> None:
    settings, store = acme(min_score=2.0, freshness_half_life_days=30)
    old = save(store, "old", datetime(2020, 1, 1, tzinfo=UTC))
    save(store, "unresolved", datetime(2025, 11, 30, tzinfo=UTC), resolved=False)
    select_candidates(store, settings.select, today=date(2025, 12, 1))
    assert [c[0] for c in candidates(store)] == [old]  # 2.5 before decay; 0.5 is below


def test_select_proposes_only_a_mistake_owned_or_a_problem_solved(acme) -> None:
    """Thanks alone clear a low bar but prove nothing; ``require_any: []`` lets them through."""
    settings, store = acme(min_score=0.5)
    day = datetime(2025, 11, 28, tzinfo=UTC)
    solved = save(store, "solved", day)
    thanked = save(store, "thanked", day, resolved=False)  # gratitude 0.5: over the bar
    select_candidates(store, settings.select, today=date(2025, 12, 1))
    assert [c[0] for c in candidates(store)] == [solved]

    anything = settings.select.model_copy(update={"require_any": []})
    select_candidates(store, anything, today=date(2025, 12, 1))
    assert [c[0] for c in candidates(store)] == [solved, thanked]


def test_select_refuses_a_required_part_no_score_has(acme) -> None:
    settings, store = acme(require_any=["admision"])
    save(store, "solved", datetime(2025, 11, 28, tzinfo=UTC))
    with pytest.raises(InputError, match=r"select.require_any: 'admision' is not a score part"):
        select_candidates(store, settings.select, today=date(2025, 12, 1))


def test_select_category_cap_lets_another_topic_onto_a_product_page(acme) -> None:
    settings, store = acme(min_score=0.5, require_any=[])
    day = datetime(2025, 11, 28, tzinfo=UTC)
    first = save(store, "beta-1", day, category="release-beta")
    second = save(store, "beta-2", day, category="release-beta")
    calls = save(store, "calls", day, resolved=False, category="calls")  # scores 0.5, not 2.5
    for cap, page in ((1.0, [first, second]), (0.4, [first, calls])):
        config = settings.select.model_copy(update={"per_product": 2, "category_cap": cap})
        select_candidates(store, config, today=date(2025, 12, 1))
        assert [c[0] for c in candidates(store)] == page
