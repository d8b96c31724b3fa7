"""Metrics on real sample threads, checked against counts made by reading those threads.

Four topics of ``discourse-signal-topics.jsonl.gz`` are saved to the corpus as the crawler
would save them, enriched for real, snapshotted, and compared with these hand counts:

- **13612** "Some nicknames don't use initial of name" (6 posts): likes 0+1+2+1+0+0 = 4;
  accepted answers 1 (post 6, the opener's "Bug fully fixed"); community helpers who are not
  the opener: klajsdgasjg (post 2) and arikb (post 5) = 2; ``@scott-signal`` is mentioned by
  klajsdgasjg (post 2) and by Alias_duel_zone (post 4) = 2 mentions (post 5 quotes him
  without an @).
- **64832** "When is chromium 129 coming in signal-desktop?" (6 posts): likes 1+2+2+2+2+0 = 9;
  accepted answers 1 (post 2, indutny-signal, staff); first helpful reply = that accepted
  answer, 20:45:36 − 19:43:27 = 1.04 h.
- **71754** "Can't view recovery key … large font size" (4 posts): likes 3+2+8+2 = 15;
  accepted answers 1 (post 3, jeffrey-signal); helpers: awaitlink = 1; first helpful reply =
  post 3, 2025-09-22 15:31:16 − 2025-09-18 21:00:28 = 90.51 h.
- **69870** "Beta feedback for the upcoming Desktop 7.59 release" (4 posts): likes
  12+5+0+0 = 17; no accepted answer; ``@trevor-signal`` is mentioned by Aku-Stable (post 3).

Together (venue scope): 4 threads, 45 likes, 3 accepted answers. Pilot group: the ``-signal``
suffix, so trevor-signal and scott-signal are pilot members with 1 and 2 mentions.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from candor import stages
from candor.measure.snapshots import ranking, take_snapshots
from corpus import models as m
from corpus.ingest import save_thread
from corpus.metrics import group_snapshot, thread_facts
from corpus.settings import Settings
from corpus.store import Store
from crawlers.discourse_mapping import thread_record

pytestmark = pytest.mark.slow
TOPICS = (13612, 64832, 71754, 69870)
DAY1 = datetime(2026, 1, 5, tzinfo=UTC)
DAY2 = datetime(2026, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def enriched(
    sample_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, dict[int, int]]:
    from corpus.settings import load_settings
    from tests.conftest import PRODUCTS, SIGNAL_VENUE, TAXONOMY

    home = tmp_path_factory.mktemp("measure")
    settings = load_settings(
        None,
        home=home,
        taxonomy=TAXONOMY,
        venues=[SIGNAL_VENUE],
        products=PRODUCTS,
        pilot_contributors={"username_suffix": "-signal"},
    )
    with gzip.open(sample_data, "rt", encoding="utf-8") as lines:
        topics = {t["id"]: t for t in map(json.loads, lines) if t["id"] in TOPICS}
    stages.init(settings)
    store = Store(settings.store)
    ids = {}
    with store.session() as session:
        venue = session.scalars(select(m.Venue)).one()
        for topic_id in TOPICS:
            topic = topics[topic_id]
            record = thread_record(
                topic, topic["post_stream"]["posts"], base_url=SIGNAL_VENUE["url"]
            )
            save_thread(session, venue, record)
        for thread in session.scalars(select(m.Thread)):
            ids[int(thread.source_id)] = thread.id
    store.dispose()
    stages.enrich(settings)
    return settings, ids


def _facts(settings: Settings) -> dict[int, Any]:
    store = Store(settings.store)
    with store.session() as session:
        facts = thread_facts(session)
    store.dispose()
    return facts


def test_measure_thread_figures_match_the_hand_count(
    enriched: tuple[Settings, dict[int, int]],
) -> None:
    settings, ids = enriched
    facts = _facts(settings)
    by_topic = {topic: facts[ids[topic]] for topic in TOPICS}

    assert {t: f.likes for t, f in by_topic.items()} == {13612: 4, 64832: 9, 71754: 15, 69870: 17}
    assert {t: f.accepted_answers for t, f in by_topic.items()} == {
        13612: 1,
        64832: 1,
        71754: 1,
        69870: 0,
    }
    assert by_topic[13612].helpers == 2
    assert by_topic[71754].helpers == 1
    assert by_topic[64832].first_helpful_reply_hours == pytest.approx(1.04, abs=0.01)
    assert by_topic[71754].first_helpful_reply_hours == pytest.approx(90.51, abs=0.01)
    assert all(by_topic[t].solved for t in (13612, 64832, 71754))


def test_measure_venue_totals_match_the_hand_count(
    enriched: tuple[Settings, dict[int, int]],
) -> None:
    settings, _ = enriched
    store = Store(settings.store)
    with store.session() as session:
        venue = group_snapshot(session)["venue"]["signal-community"]
    store.dispose()
    assert (venue["threads"], venue["likes"], venue["accepted_answers"]) == (4, 45, 3)
    assert venue["solved"] >= 3


def test_measure_pilot_mentions_match_the_hand_count(
    enriched: tuple[Settings, dict[int, int]],
) -> None:
    settings, _ = enriched
    store = Store(settings.store)
    figures = take_snapshots(store, settings, DAY1)["contributor"]
    store.dispose()
    assert figures["signal-community/scott-signal"]["mentions"] == 2
    assert figures["signal-community/trevor-signal"]["mentions"] == 1
    assert figures["signal-community/scott-signal"]["pilot"] is True


def test_measure_rankings_are_stable_under_reruns(
    enriched: tuple[Settings, dict[int, int]],
) -> None:
    settings, _ = enriched
    store = Store(settings.store)
    first = take_snapshots(store, settings, DAY1)
    again = take_snapshots(store, settings, DAY1)
    take_snapshots(store, settings, DAY2)
    with store.session() as session:
        rows_day1 = session.scalars(
            select(m.MetricSnapshot).where(m.MetricSnapshot.taken_at == DAY1)
        ).all()
        community, pilot = ranking(session), ranking(session, pilot=True)
    store.dispose()
    assert first == again
    assert len(rows_day1) == sum(len(rows) for rows in first.values())  # replaced, not added
    assert [r.rank for r in community] == list(range(1, len(community) + 1))
    assert all(r.change == 0 for r in community + pilot)  # nothing changed between the days
    assert {r.username for r in pilot} <= {
        "scott-signal",
        "indutny-signal",
        "jeffrey-signal",
        "trevor-signal",
        "jamiebuilds-signal",
    }


def test_measure_report_renders_every_format(
    enriched: tuple[Settings, dict[int, int]], make_settings: Callable[..., Settings]
) -> None:
    from candor.measure import weekly_report

    settings, _ = enriched
    store = Store(settings.store)
    take_snapshots(store, settings, DAY1)
    store.dispose()
    md = weekly_report(settings, DAY1, "md")
    assert "## Per venue" in md and "signal-community" in md
    assert "<table>" in weekly_report(settings, DAY1, "html")
    assert weekly_report(settings, DAY1, "csv").startswith("section,")
