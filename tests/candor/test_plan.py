"""Planning the pilot on real sample threads, checked against counts made by reading them.

Seven topics of ``discourse-signal-topics.jsonl.gz`` are read by hand (staff: group
``signal_staff`` or a ``-signal`` username; times UTC; "as of" is 2025-06-26 00:00):

- **64832** "When is chromium 129 coming in signal-desktop?" (6 posts): replies 5; people 3
  (slashed0690, indutny-signal, Salt505); first staff reply post 2, 20:45:36.334 − 19:43:27.093
  = 1.04 h. After that staff post, within 7 days, others wrote posts 3 and 5 (the opener) and 6
  (Salt505): 3 replies by 2 people. Solved (accepted answer, post 2).
- **68184** "Attachment Functionality Broken on Signal Desktop 7.4 for Linux" (6 posts):
  replies 5; people 4; first staff reply post 2, 2025-04-02 16:35:49.649 − 2025-04-01
  12:12:16.057 = 28.39 h; after it, posts 3, 4 (opener), 5 (Megan), 6 (anon72041163): 4
  replies by 3 people.
- **65334** "Android to Android transfer fails, linked desktop" (5 posts, no staff): replies 4;
  people 3; first community reply post 2 (Herohtar); after it posts 3 (CueHD), 4 (opener), 5
  (Herohtar): 3 replies by 3 people.
- **65916** "Desktop update on Windows fails!" (2 posts): post 2 "Mine failed on macos today
  also" confirms the bug; nothing after it (0 replies).
- **66046** "I encountered a UI issue/bug in the desktop version" (2 posts): Herohtar answers
  "Bugs need to be reported on GitHub" (no staff, no confirmation): an unconfirmed bug; 1 like
  on the opening post + 1 other person = 2 affected; waiting since 2025-01-13 23:54:14.742 =
  3912.1 h.
- **64676** "Echo when calling via Desktop" (1 post, 1 like): unanswered for 5594.5 h
  (since 2024-11-04 21:31:27.447); 1 affected.
- **69946** "Mixed-up contactslist in desktop version" (1 post, no like): unanswered for 47.1 h
  (since 2025-06-24 00:54:09.810); 0 affected.

Over the seven: replies 5+5+4+1+1+0+0 = 16 and people 3+4+3+2+2+1+1 = 16, so 2.29 per thread
each; unanswered 2 of 7 = 0.286; community helpers (not staff, not the opener) Salt505 |
Megan, anon72041163 | Herohtar, CueHD | jeremymasters | Herohtar = 7, 1.0 per thread; opened
in the 90 days before as-of 68184 and 69946 (2), in the 90 days before those 65916 and 66046
(2). Community response: threads with staff 64832, 68184 (3 and 4 replies after staff: 3.5;
people 2 and 3: 2.5); without staff and answered 65334, 65916, 66046 (3, 0, 0 replies: 1.0;
people 3, 0, 0: 1.0). Another 28 topics opened after as-of give the clustering material.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from candor import stages
from candor.cli import app
from candor.plan.build import build_plan
from candor.plan.discover import discover
from candor.plan.edits import load_edits
from candor.plan.figures import capability, opportunity
from candor.plan.response import response
from candor.plan.threads import PlanThread, plan_threads, post_texts
from candor.plan.triage import UNANSWERED, UNCONFIRMED_BUG, triage
from candor.studio import create_app
from candor.studio.users import add_user
from corpus import models as m
from corpus.ingest import save_thread
from corpus.settings import Settings, load_settings
from corpus.store import Store
from corpus.taxonomy import load_taxonomy
from crawlers.discourse_mapping import thread_record
from nlp.scenarios import Scenario
from tests.candor.test_cli import candor
from tests.conftest import PRODUCTS, SIGNAL_VENUE, TAXONOMY

pytestmark = pytest.mark.slow
HAND = (64832, 68184, 65334, 65916, 66046, 64676, 69946)
LATER = (70296, 70336, 70342, 70344, 70380, 70404, 70414, 70428, 70454, 70602, 70626, 70630)
LATER += (70672, 70676, 70746, 70750, 70886, 70892, 71008, 71144, 71222, 71260, 71266, 71272)
LATER += (71328, 71356, 71396, 71492)
AS_OF = datetime(2025, 6, 26, tzinfo=UTC)
PLAN = {"triage_max_age_days": 365, "min_compared_threads": 1, "min_scenario_threads": 3}


@pytest.fixture(scope="module")
def config(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``candor.yaml`` of an enriched store holding the 35 topics."""
    home = tmp_path_factory.mktemp("plan")
    path = home / "candor.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "taxonomy": str(TAXONOMY),
                "venues": [SIGNAL_VENUE],
                "products": PRODUCTS,
                "plan": PLAN,
                "pilot_contributors": {
                    "username_suffix": "-signal",
                    "rotations": [
                        {
                            "name": "winter",
                            "start": "2024-11-01",
                            "end": "2025-01-01",
                            "usernames": ["indutny-signal"],
                        }
                    ],
                },
            }
        ),
        encoding="utf-8",
    )
    settings = load_settings(path)
    with gzip.open(sample_data, "rt", encoding="utf-8") as lines:
        topics = {t["id"]: t for t in map(json.loads, lines) if t["id"] in HAND + LATER}
    stages.init(settings)
    store = Store(settings.store)
    with store.session() as session:
        venue = session.scalars(select(m.Venue)).one()
        for topic in topics.values():
            record = thread_record(
                topic, topic["post_stream"]["posts"], base_url=SIGNAL_VENUE["url"]
            )
            save_thread(session, venue, record)
    store.dispose()
    stages.enrich(settings)
    return path


@pytest.fixture(scope="module")
def settings(config: Path) -> Settings:
    return load_settings(config)


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[Store]:
    store = Store(settings.store)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def threads(store: Store) -> dict[int, PlanThread]:
    """Topic id → plan thread."""
    with store.session() as session:
        found = plan_threads(session)
    return {int(t.url.rsplit("/", 1)[-1]): t for t in found.values()}


def test_plan_thread_figures_match_the_hand_count(threads: dict[int, PlanThread]) -> None:
    hand = {topic: threads[topic] for topic in HAND}
    assert {t: len(p.replies) for t, p in hand.items()} == {
        64832: 5,
        68184: 5,
        65334: 4,
        65916: 1,
        66046: 1,
        64676: 0,
        69946: 0,
    }
    assert {t: p.participants for t, p in hand.items()} == {
        64832: 3,
        68184: 4,
        65334: 3,
        65916: 2,
        66046: 2,
        64676: 1,
        69946: 1,
    }
    assert hand[64832].first_staff_reply_hours == pytest.approx(1.04, abs=0.005)
    assert hand[68184].first_staff_reply_hours == pytest.approx(28.39, abs=0.005)
    assert hand[65334].first_staff_reply_hours is None


def test_plan_opportunity_of_the_hand_counted_threads(threads: dict[int, PlanThread]) -> None:
    figures = opportunity([threads[t] for t in HAND], AS_OF, trend_days=90)
    assert (figures.threads, figures.replies_mean, figures.participants_mean) == (7, 2.29, 2.29)
    assert (figures.unanswered, figures.helpers_mean) == (0.286, 1.0)
    assert (figures.recent, figures.previous, figures.trend) == (2, 2, 0)


def test_plan_capability_times_the_first_staff_reply(threads: dict[int, PlanThread]) -> None:
    figures = capability([threads[t] for t in HAND])
    assert (figures.threads, figures.staff_threads, figures.staff_posts) == (7, 2, 3)
    assert figures.staff_coverage == 0.286
    assert figures.first_staff_reply_hours == pytest.approx((1.0359 + 28.3927) / 2, abs=0.01)


def test_plan_community_response_matches_the_hand_count(threads: dict[int, PlanThread]) -> None:
    found = response("hand", [threads[t] for t in HAND], days=7, quiet_ratio=0.7, min_threads=1)
    assert (found.staff_threads, found.other_threads) == (2, 3)
    assert (found.replies_after_staff, found.replies_after_other) == (3.5, 1.0)
    assert (found.people_after_staff, found.people_after_other) == (2.5, 1.0)
    assert (found.ratio, found.quiets_down) == (3.5, False)


def _triage(settings: Settings, store: Store, threads: dict[int, PlanThread]) -> list[Any]:
    hand = [threads[t] for t in HAND]
    with store.session() as session:
        texts = post_texts(session, [p.id for t in hand for p in t.posts])
    return triage(settings, hand, texts, AS_OF)


def test_plan_triage_lists_unanswered_and_unconfirmed_bugs_ranked(
    settings: Settings, store: Store, threads: dict[int, PlanThread]
) -> None:
    listed = {int(i.url.rsplit("/", 1)[-1]): i for i in _triage(settings, store, threads)}
    assert (listed[64676].reason, listed[64676].waiting_hours, listed[64676].affected) == (
        UNANSWERED,
        5594.5,
        1,
    )
    assert (listed[69946].reason, listed[69946].waiting_hours, listed[69946].affected) == (
        UNANSWERED,
        47.1,
        0,
    )
    assert (listed[66046].reason, listed[66046].affected) == (UNCONFIRMED_BUG, 2)
    assert listed[66046].url.startswith("https://community.signalusers.org/t/")
    # Confirmed by another customer, answered by staff, solved: no reply needed.
    assert not set(listed) & {65916, 68184, 64832}
    order = [t for t in listed if t in (66046, 64676, 69946)]
    assert order == [66046, 64676, 69946]


def test_plan_triage_never_suggests_replies_in_observe_only_places(
    settings: Settings, store: Store, threads: dict[int, PlanThread]
) -> None:
    venue = {**SIGNAL_VENUE, "observe_categories": ["12"]}  # 64676 and 69946 are in 12
    observing = settings.model_copy(update={"venues": [settings.venues[0].model_validate(venue)]})
    listed = {int(i.url.rsplit("/", 1)[-1]) for i in _triage(observing, store, threads)}
    assert 66046 in listed  # category 31
    assert not listed & {64676, 69946}
    whole = settings.model_copy(
        update={"venues": [settings.venues[0].model_copy(update={"policy": "observe"})]}
    )
    assert _triage(whole, store, threads) == []


def test_plan_scenarios_are_deterministic_for_a_seed(settings: Settings, store: Store) -> None:
    with store.session() as session:
        live = plan_threads(session)
        first, _ = discover(session, settings, live)
        again, _ = discover(session, settings, live)
    assert first == again
    assert first, "the 35 topics link to products, so there are scenarios"
    for product in {s.product for s in first}:
        mine = [s for s in first if s.product == product]
        linked = {t.id for t in live.values() if product in t.facts.products}
        assert sorted(i for s in mine for i in s.thread_ids) == sorted(linked)
        assert len({s.id for s in mine}) == len(mine)


def test_plan_rotations_attribute_posts_to_their_period(settings: Settings, store: Store) -> None:
    """indutny-signal posted in 64832 on 2024-11-11 (posts 2 and 4, inside "winter") and in
    68184 on 2025-04-02 (outside it)."""
    plan = build_plan(store, settings, AS_OF)
    (winter,) = plan.rotations
    assert (winter.name, winter.posts, winter.threads) == ("winter", 2, 1)
    assert plan.outside_rotations >= 1


def test_plan_weekly_report_attributes_the_period_to_the_rotation_on_duty(
    settings: Settings, store: Store
) -> None:
    """The same hand count through `candor report`: since 2024-11-01 winter holds indutny's two
    posts of 64832; since 2025-01-01 (winter over) it holds none."""
    from candor.measure import weekly_report

    during = weekly_report(settings, datetime(2024, 11, 1, tzinfo=UTC), "md")
    after = weekly_report(settings, datetime(2025, 1, 1, tzinfo=UTC), "md")

    assert "| winter | 2024-11-01 | 2025-01-01 | indutny-signal | 2 | 1 |" in during
    assert "| winter | 2024-11-01 | 2025-01-01 | indutny-signal | 0 | 0 |" in after


def test_plan_cli_writes_markdown_and_html_that_chromium_renders(
    config: Path, tmp_path: Path, browser: Any
) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(
        app, ["-c", str(config), "plan", "--out", str(out), "--as-of", "2025-06-26"]
    )
    assert result.exit_code == 0, result.output
    markdown = (out / "plan.md").read_text(encoding="utf-8")
    assert "# Candor pilot plan as of 2025-06-26" in markdown
    assert "![Service capability per product (%)](charts/capability.svg)" in markdown
    assert "| 1 | I encountered a UI issue/bug in the desktop version |" in markdown

    # The same tables for a spreadsheet: one CSV, a section column first.
    rows = list(csv.reader((out / "plan.csv").open(encoding="utf-8")))
    first = next(n for n, r in enumerate(rows) if r[0].startswith("Triage"))
    assert rows[first - 1][:3] == ["section", "rank", "thread"]  # the section's header row
    assert rows[first][1:3] == ["1", "I encountered a UI issue/bug in the desktop version"]
    assert {r[0] for r in rows} >= {"Recommendations", "Service capability per product"}

    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text))
    page.goto((out / "plan.html").as_uri())
    assert page.locator("h1").inner_text() == "Candor pilot plan as of 2025-06-26"
    headings = page.locator("h2").all_inner_texts()
    assert headings[:2] == ["Recommendations", "Where to observe only"]
    charts = page.locator("figure svg")
    assert charts.count() == 3
    assert all(charts.nth(i).bounding_box()["height"] > 40 for i in range(3))  # type: ignore[index]
    assert (
        page.locator("td a[href^='https://community.signalusers.org/t/'][href$='/69946']").count()
        == 1
    )
    assert errors == []
    page.close()


def editable_config(config: Path, settings: Settings, tmp_path: Path, **values: Any) -> Path:
    """A ``candor.yaml`` on the shared store whose taxonomy and scenario edits are this test's."""
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY.read_text(encoding="utf-8"), encoding="utf-8")
    own = tmp_path / "candor.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data.update(store=settings.store, taxonomy=str(taxonomy), **values)
    data["plan"] = {**PLAN, "scenarios_file": str(tmp_path / "scenarios.yaml")}
    own.write_text(yaml.safe_dump(data), encoding="utf-8")
    return own


def two_of_one_product(store: Store, settings: Settings) -> tuple[Scenario, Scenario]:
    """The first two scenarios of the first product that has more than one."""
    found = build_plan(store, settings, AS_OF).scenarios
    product = next(s.product for s, _ in found if sum(o.product == s.product for o, _ in found) > 1)
    first, second = [s for s, _ in found if s.product == product][:2]
    return first, second


def test_plan_cli_renames_merges_and_promotes_scenarios(
    config: Path, settings: Settings, store: Store, tmp_path: Path
) -> None:
    own = editable_config(config, settings, tmp_path)
    taxonomy = tmp_path / "taxonomy.yaml"
    first, second = two_of_one_product(store, load_settings(own))

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["-c", str(own), "plan", *args])
        assert result.exit_code == 0, result.output
        return result.output

    run("rename", first.key, "Moving to a new phone")
    run("merge", second.key, first.key)
    after = {s.key: s for s, _ in build_plan(store, load_settings(own), AS_OF).scenarios}
    assert after[first.key].label == "Moving to a new phone"
    assert after[first.key].thread_ids == tuple(sorted(first.thread_ids + second.thread_ids))
    assert second.key not in after

    assert "added category 'moving-phone'" in run("promote", first.key, "--id", "moving-phone")
    added = load_taxonomy(taxonomy).categories[-1]
    assert (added.id, added.name) == ("moving-phone", "Moving to a new phone")

    wrong = candor("-c", str(own), "plan", "promote", "nope/none", cwd=tmp_path)
    assert wrong.returncode == 1
    message = " ".join(wrong.stderr.split())  # the console wraps long lines
    assert "no scenario 'nope/none' (known: " in message and first.key in message


def test_plan_studio_page_merges_a_scenario_into_another(
    config: Path, settings: Settings, store: Store, tmp_path: Path
) -> None:
    """A curator merges on the Plan page what the page shows; the edit is kept and audited."""
    own = load_settings(
        editable_config(
            config, settings, tmp_path, studio={"secret_key": "plan-secret-" + "x" * 32}
        )
    )
    first, second = two_of_one_product(store, own)
    with store.session() as session:
        add_user(session, "cai", "correct horse battery staple", "curator")
    with TestClient(create_app(own), follow_redirects=False) as client:
        login = {"username": "cai", "password": "correct horse battery staple"}
        csrf = client.post("/api/login", json=login).json()["csrf_token"]
        shown = client.get("/plan", params={"as_of": AS_OF.date().isoformat()}).text
        assert f'<option value="{second.key}"' in shown

        merge = {"scenario": second.key, "into": first.key, "csrf_token": csrf}
        done = client.post("/plan/merge", data=merge, headers={"referer": "/plan"})
        assert (done.status_code, done.headers["location"]) == (303, "/plan")
        page = client.get("/plan", params={"as_of": AS_OF.date().isoformat()}).text
        assert f"{second.key} is merged into {first.key}." in page
        assert f'<option value="{second.key}"' not in page
        assert "plan.merge" in client.get("/audit").text
    product, _, sid = second.key.partition("/")
    edits = load_edits(own.plan.scenarios_file).root[product]
    assert edits[sid].merge_into == first.key.partition("/")[2]
