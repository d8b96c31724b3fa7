"""Experiment mode: variant mash-ups published beside the normal page, each with its own code.

The Acme corpus's ``acme-sync`` has three approved threads, in curated order: "Sync stopped"
(solved, staff admit a mistake), "Pasting a script tag" (not solved), "Export cuts off"
(solved). Admissions are what enrichment would judge; here the fixture sets them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from corpus import models as m
from corpus.errors import ConfigError, InputError
from corpus.settings import Settings
from corpus.store import Store
from publisher import publish
from publisher.variants import assign_variant, time_slot
from tests.publisher.acme_forum import Forum, judge

SYNC, SCRIPT, EXPORT = (
    "Sync stopped after the 4.2 update",
    "Pasting a script tag into a note",
    "Export cuts off long notes",
)


def experiment(*variants: dict[str, Any], name: str = "sync-2026-01") -> dict[str, Any]:
    return {"name": name, "product": "acme-sync", "variants": list(variants)}


@pytest.fixture
def publish_with(
    acme: Forum, store: Store, tmp_path: Path, make_settings: Callable[..., Settings]
) -> Callable[..., Path]:
    def run(*experiments: dict[str, Any]) -> Path:
        settings = make_settings(
            store=store.url,
            publish={"out": tmp_path / "site", "experiments": list(experiments)},
        )
        return publish(store, settings).path

    return run


def fragment(site: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((site / f"fragments/{name}.json").read_text("utf-8"))
    return data


def titles(site: Path, name: str) -> list[str]:
    return [thread["title"] for thread in fragment(site, name)["threads"]]


def test_variants_each_published_with_their_own_referral_code(
    publish_with: Callable[..., Path], store: Store
) -> None:
    site = publish_with(experiment({"name": "a"}, {"name": "b", "per_page": 2}))

    normal, a, b = (fragment(site, n) for n in ("acme-sync", "acme-sync.a", "acme-sync.b"))
    assert titles(site, "acme-sync.a") == [SYNC, SCRIPT, EXPORT] == titles(site, "acme-sync")
    assert titles(site, "acme-sync.b") == [SYNC, SCRIPT]
    assert len({normal["referral_code"], a["referral_code"], b["referral_code"]}) == 3
    assert a["referral_code"].startswith("acme-sync-a-") and a["variant"] == "a"
    for data in (a, b):
        assert all(t["url"].endswith(f"?cnd={data['referral_code']}") for t in data["threads"])
    assert f'cnd={b["referral_code"]}"' in (site / "fragments/acme-sync.b.html").read_text()
    assert not (site / "products/acme-sync.b.html").exists()  # a variant is a fragment only
    with store.session() as session:
        rows = session.execute(
            select(m.MashUp.variant, m.MashUp.referral_code, m.MashUp.thread_ids)
        ).all()
    recorded = {variant: code for variant, code, _ in rows}
    assert recorded["a"] == a["referral_code"] and recorded["b"] == b["referral_code"]
    assert recorded[""] == normal["referral_code"]


def test_variants_show_approved_threads_in_the_order_they_ask_for(
    publish_with: Callable[..., Path], acme: Forum
) -> None:
    judge(acme, "export-cut", 2, "admission", True)
    site = publish_with(
        experiment(
            {"name": "solved", "order": "solved-first"},
            {"name": "honest", "order": "admissions-first", "per_page": 1},
            {"name": "next", "skip": 1, "per_page": 1},
        )
    )

    assert titles(site, "acme-sync.solved") == [SYNC, EXPORT, SCRIPT]
    assert titles(site, "acme-sync.honest") == [EXPORT]
    assert titles(site, "acme-sync.next") == [SCRIPT]


def test_variants_embed_script_carries_the_split(publish_with: Callable[..., Path]) -> None:
    site = publish_with(experiment({"name": "a"}, {"name": "b"}))

    script = (site / "embed.js").read_text("utf-8")

    assert '{"acme-sync":{"name":"sync-2026-01","slot_minutes":60,"variants":["a","b"]}}' in script


def test_variants_of_an_unknown_product_are_refused(publish_with: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match="experiment 'typo' names product 'acme-synk'"):
        publish_with(
            {**experiment({"name": "a"}, {"name": "b"}, name="typo"), "product": "acme-synk"}
        )


@pytest.mark.parametrize(
    ("experiments", "problem"),
    [
        ([experiment({"name": "a"})], "at least 2 items"),
        ([experiment({"name": "a"}, {"name": "a"})], "repeats a variant name"),
        ([experiment({"name": "a"}, {"name": "B!"})], "lowercase letters"),
        ([experiment({"name": "a"}, {"name": "b"})] * 2, "one experiment per name"),
    ],
)
def test_variants_settings_reject_what_cannot_be_split(
    make_settings: Callable[..., Settings], experiments: list[dict[str, Any]], problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem):
        make_settings(publish={"experiments": experiments})


def test_variants_assignment_is_stable_per_request_and_spreads_over_slots() -> None:
    page = "https://acme.example/sync"
    slot = time_slot(datetime(2026, 1, 5, 9, 30, tzinfo=UTC), 60)

    picks = {assign_variant("sync-2026-01", page, ["a", "b"], slot) for _ in range(20)}
    day = [assign_variant("sync-2026-01", page, ["a", "b"], slot + h) for h in range(24 * 28)]
    hour_nine = [day[h] for h in range(0, len(day), 24)]

    assert len(picks) == 1
    assert 0.4 < day.count("a") / len(day) < 0.6
    assert set(hour_nine) == {"a", "b"}  # the same hour of the day does not always get one
