"""Experiments and the pilot rankings as a visitor meets them, in real Chromium.

One release of the Acme corpus (with the helpers' threads) runs experiment ``sync-order`` on
``acme-sync`` (variant ``a`` as normal, ``b`` solved threads first, two shown), ranks the pilot
group (usernames ending in ``-acme``, plus ``carol`` and ``erin``) and hides ``erin``, who opted
out. A shop on another origin embeds ``acme-sync`` on any page under ``/p/``. The browser's
clock is fixed per visit, so "the same page request" means the same page at the same moment.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher.variants import assign_variant, time_slot
from tests.publisher.test_browser import SHOP_PAGE, _CandorHost, _Quiet, _serve, publish_acme

pytestmark = pytest.mark.slow

EXPERIMENT = {
    "name": "sync-order",
    "product": "acme-sync",
    "variants": [{"name": "a"}, {"name": "b", "order": "solved-first", "per_page": 2}],
}
NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("experiments")
    return publish_acme(
        home,
        pilot_contributors={"username_suffix": "-acme", "usernames": ["carol", "erin"]},
        publish={
            "out": home / "site",
            "base_url": "https://acme.example/proof",
            "rankings_opt_out": ["Erin"],
            "experiments": [EXPERIMENT],
        },
    )


@pytest.fixture(scope="module")
def hosts(release: Path) -> Iterator[tuple[str, str]]:
    """(Candor's release URL, the shop's origin URL)."""
    candor_server, candor = _serve(functools.partial(_CandorHost, directory=str(release)))
    script = f'<script src="{candor}embed.js" data-product="acme-sync" async></script>'
    body = SHOP_PAGE.format(head="", mashup=script).encode()

    class Shop(_Quiet):
        def do_GET(self) -> None:
            if not self.path.startswith("/p/"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

    shop_server, shop = _serve(Shop)
    yield candor, shop
    for server in (candor_server, shop_server):
        server.shutdown()
        server.server_close()


def visit(browser: Any, url: str, moment: datetime) -> dict[str, Any]:
    """Load ``url`` with the browser's clock at ``moment``; what the visitor got."""
    context = browser.new_context()
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/fragments/" in r.url else None)
    page.clock.set_fixed_time(moment)
    page.goto(url, wait_until="networkidle")
    page.locator("section.candor .candor-thread").first.wait_for()
    seen = {
        "variant": page.locator(".candor-embed").get_attribute("data-candor-variant"),
        "fetched": fetched,
        "titles": page.locator(".candor-thread-title").all_inner_texts(),
        "links": page.locator("a.candor-source").evaluate_all("els => els.map(e => e.href)"),
        "cookies": [*context.cookies(), page.evaluate("document.cookie")],
    }
    context.close()
    return seen


def cells(row: str) -> list[str]:
    """A table row's inner text as its cells, each with its whitespace collapsed."""
    return [" ".join(cell.split()) for cell in row.split("\t")]


def code_of(release: Path, variant: str) -> str:
    data = json.loads((release / f"fragments/acme-sync.{variant}.json").read_text("utf-8"))
    return str(data["referral_code"])


def test_browser_embed_picks_the_same_variant_for_the_same_request(
    browser: Any, hosts: tuple[str, str], release: Path
) -> None:
    candor, shop = hosts

    def expected(path: str, moment: datetime) -> str:
        page = f"{shop.rstrip('/')}{path}"  # the embed's origin + pathname
        return assign_variant("sync-order", page, ["a", "b"], time_slot(moment, 60))

    # The shop's port is random, so which hour gets which variant is too: take the first hours
    # (at least three) that between them show both variants, on two pages.
    requests = []
    for h in range(48):
        requests += [(f"/p/{page}", NOON + timedelta(hours=h)) for page in ("sync", "deals")]
        if h >= 2 and {expected(*r) for r in requests} == {"a", "b"}:
            break
    picked = {}
    for path, moment in requests:
        visits = [
            visit(browser, f"{shop.rstrip('/')}{path}?utm_source=x{n}", moment) for n in range(3)
        ]

        variants = {v["variant"] for v in visits}
        assert len(variants) == 1, f"{path} at {moment} got {variants}"
        (variant,) = variants
        assert variant == expected(path, moment)  # the same pick as the Python side
        for seen in visits:
            assert seen["fetched"] == [f"{candor}fragments/acme-sync.{variant}.html"]
            assert all(link.endswith(f"?cnd={code_of(release, variant)}") for link in seen["links"])
            assert seen["cookies"] == [""]
        picked[(path, moment)] = variant

    assert set(picked.values()) == {"a", "b"}, picked  # page requests are split in the browser
    shown = {v: visit(browser, f"{shop}p/sync?candor-variant={v}", NOON)["titles"] for v in "ab"}
    assert len(shown["a"]) == 3 and len(shown["b"]) == 2


def test_browser_rankings_show_pilot_ranks_and_hide_who_opted_out(
    browser: Any, hosts: tuple[str, str]
) -> None:
    candor, _ = hosts
    page = browser.new_page()
    page.goto(f"{candor}contributors.html")

    community = page.locator("table.candor-rankings:not(.candor-pilot-rankings) tbody tr")
    pilot = page.locator("table.candor-pilot-rankings tbody tr")

    assert [cells(row)[:2] for row in community.all_inner_texts()] == [
        ["1", "@carol"],
        ["2", "Dave Diaz @dave"],
    ]
    assert [cells(row) for row in pilot.all_inner_texts()] == [
        ["1", "1", "@carol", "1", "2", "1", "8"],
        ["2", "—", "Bob from Acme @bob-acme", "0", "0", "1", "1"],
    ]
    assert "usernames ending in “-acme”" in page.locator("#pilot + p").inner_text()
    assert "erin" not in page.content().lower()
    page.close()
