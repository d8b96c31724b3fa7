"""What a visitor sees, in real Chromium: a shop's product page with Candor in it.

A published release of the Acme corpus is served by one local HTTP server (Candor's host, with
CORS as the targets' docs ask), and a shop's product pages by another (a different origin on
127.0.0.1): one page embeds the mash-up with ``embed.js``, one includes the fragment
server-side (and keeps the script tag, which must then do nothing). Chromium is the Debian
package, started by ``.ci/services/chromium.sh``; no browser is downloaded. Screenshots at
1280 and 390 px go to ``test-output/``.

Fixtures (module-scoped, built once): ``site`` (the published release), ``servers`` (the two
origins), ``browser`` (Chromium).
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from corpus.settings import load_settings
from corpus.store import Store
from publisher import publish
from tests.conftest import REPO, TAXONOMY
from tests.publisher.acme_forum import HOSTILE_TEXT, Forum, build_acme, build_helpers

pytestmark = pytest.mark.slow

OUTPUT = REPO / "test-output"
WIDTHS = {"desktop": 1280, "mobile": 390}
SYNC_TITLES = [
    "Sync stopped after the 4.2 update",
    "Pasting a script tag into a note",
    "Export cuts off long notes",
]
SHOP_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Sync — Acme</title>
<link rel="icon" href="data:,">
{head}
<style>
  body {{ margin: 0; font: 16px/1.5 sans-serif; color: #222; background: #fff; }}
  .shop-bar {{ background: #18324d; color: #fff; padding: 0.75rem 1rem; }}
  .shop-bar a {{ color: #fff; margin-right: 1rem; }}
  main, footer.shop {{ max-width: 60rem; margin: 0 auto; padding: 1rem; }}
  .hero {{ display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }}
</style>
</head>
<body>
<header class="shop-bar">
  <nav aria-label="Shop"><a href="/">Acme</a><a href="/sync">Sync</a></nav>
</header>
<main>
  <div class="hero">
    <img src="/sync.svg" alt="The Acme Sync app on a laptop and a phone" width="160" height="100">
    <div><h1>Acme Sync</h1><p>Your notes on every device. <a href="/buy">Buy now</a></p></div>
  </div>
  {mashup}
</main>
<footer class="shop"><p>© Acme</p></footer>
</body>
</html>
"""
PRODUCT_IMAGE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="100">'
    '<rect width="160" height="100" rx="8" fill="#18324d"/></svg>'
)


@dataclass
class Visit:
    """What happened while a page was open: console errors, requests, dialogs."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname or "" for url in self.requests if "://" in url}


@dataclass(frozen=True)
class Site:
    current: Path


@dataclass(frozen=True)
class Servers:
    candor: str  # base URL of the release, e.g. http://127.0.0.1:PORT/
    shop: str


def publish_acme(home: Path, **values: Any) -> Path:
    """Publish the Acme corpus with its helpers into ``home``; ``values`` are settings."""
    store = Store(f"sqlite:///{home / 'corpus.db'}")
    store.migrate()
    build_helpers(build_acme(Forum(store)))
    settings = load_settings(None, home=home, taxonomy=TAXONOMY, store=store.url, **values)
    report = publish(store, settings)
    store.dispose()
    return report.path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("browser")
    publish_options = {
        "out": home / "site",
        "base_url": "https://acme.example/proof",
        "removal_contact": "mailto:privacy@acme.example",
    }
    yield Site(publish_acme(home, publish=publish_options))


def _serve(handler: Any) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _CandorHost(_Quiet):
    """Serves the release as a static host would: CORS for the fragments, no caching."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


def _shop_handler(current: Path, candor: str) -> type[_Quiet]:
    fragment = (current / "fragments/acme-sync.html").read_text("utf-8")
    stylesheet = f'<link rel="stylesheet" href="{candor}static/candor.css">'
    script = f'<script src="{candor}embed.js" data-product="acme-sync" async></script>'
    pages = {
        "/embed.html": SHOP_PAGE.format(head="", mashup=script),
        # A server-side include: the fragment is in the HTML; the script tag stays and must
        # notice the mash-up is there already.
        "/ssi.html": SHOP_PAGE.format(head=stylesheet, mashup=fragment + script),
    }

    class Shop(_Quiet):
        def do_GET(self) -> None:
            if self.path == "/sync.svg":
                body, kind = PRODUCT_IMAGE.encode(), "image/svg+xml"
            elif self.path in pages:
                body, kind = pages[self.path].encode(), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Shop


@pytest.fixture(scope="module")
def servers(site: Site) -> Iterator[Servers]:
    candor_server, candor = _serve(functools.partial(_CandorHost, directory=str(site.current)))
    shop_server, shop = _serve(_shop_handler(site.current, candor))
    yield Servers(candor, shop)
    for server in (candor_server, shop_server):
        server.shutdown()
        server.server_close()


def open_page(browser: Any, url: str, width: int = 1280, javascript: bool = True) -> Any:
    """Open ``url`` in a fresh context that records errors, requests and dialogs."""
    context = browser.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=javascript
    )
    # Nothing may leave this machine: any request elsewhere is recorded, then refused.
    context.route(
        re.compile(r"^(?!http://127\.0\.0\.1:)[a-z]+:.*"),
        lambda route: route.abort(),
    )
    page = context.new_page()
    visit = Visit()
    page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("requestfailed", lambda r: visit.errors.append(f"failed: {r.url}"))

    def dialog(d: Any) -> None:
        visit.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(url, wait_until="networkidle")
    page.visit = visit
    return page


def screenshot(page: Any, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def assert_clean_visit(page: Any) -> None:
    visit: Visit = page.visit
    assert visit.errors == [], f"console errors: {visit.errors}"
    assert visit.dialogs == [], f"a dialog fired: {visit.dialogs}"
    assert visit.hosts() <= {"127.0.0.1"}, f"requests to other hosts: {visit.requests}"
    assert page.context.cookies() == []
    assert page.evaluate("document.cookie") == ""


def visible_mashup(page: Any) -> dict[str, Any]:
    """What the visitor sees of the mash-up, read from the rendered page."""
    section = page.locator("section.candor")
    return {
        "count": section.count(),
        "titles": section.locator(".candor-thread-title").all_inner_texts(),
        "badges": section.locator(".candor-badge").all_inner_texts(),
        "solved": section.locator(".candor-solved").count(),
        "links": section.locator("a.candor-source").evaluate_all("els => els.map(e => e.href)"),
        "note": section.locator(".candor-note").inner_text(),
    }


@pytest.mark.parametrize("way", ["embed", "ssi"])
def test_browser_visitor_sees_the_mashup(browser: Any, servers: Servers, way: str) -> None:
    for label, width in WIDTHS.items():
        page = open_page(browser, f"{servers.shop}{way}.html", width)
        page.locator("section.candor .candor-thread").first.wait_for()

        seen = visible_mashup(page)

        assert seen["count"] == 1  # with a server-side include, embed.js added nothing
        assert seen["titles"] == SYNC_TITLES
        assert set(seen["badges"]) == {"Staff"} and len(seen["badges"]) == 3
        assert seen["solved"] == 2
        assert seen["note"].startswith("Real, unedited excerpts from a public forum.")
        assert all(
            re.match(r"https://community\.acme\.example/t/.+\?cnd=acme-sync-[0-9a-f]{8}$", link)
            for link in seen["links"]
        ), seen["links"]
        assert page.locator("section.candor .candor-badge").first.is_visible()
        assert_clean_visit(page)
        fetched = [u for u in page.visit.requests if "/fragments/" in u]
        assert fetched == ([f"{servers.candor}fragments/acme-sync.html"] if way == "embed" else [])
        screenshot(page, f"shop-{way}-{label}")
        page.context.close()


def test_browser_structured_data_reaches_the_page(browser: Any, servers: Servers) -> None:
    page = open_page(browser, f"{servers.shop}embed.html")
    page.locator("section.candor .candor-thread").first.wait_for()

    blocks = page.locator('script[type="application/ld+json"]').all_text_contents()

    [data] = [json.loads(block) for block in blocks]
    postings = data["@graph"]
    assert [p["@type"] for p in postings] == ["DiscussionForumPosting"] * 3
    assert [p["headline"] for p in postings] == SYNC_TITLES
    assert postings[0]["author"]["name"] == "Alice Martin"
    assert {c["@type"] for p in postings for c in p["comment"]} == {"Comment"}
    assert "QAPage" not in json.dumps(data)
    page.context.close()


def test_browser_page_works_without_javascript_when_included(
    browser: Any, servers: Servers
) -> None:
    page = open_page(browser, f"{servers.shop}ssi.html", javascript=False)

    assert visible_mashup(page)["titles"] == SYNC_TITLES
    assert page.locator("section.candor .candor-badge").first.is_visible()
    page.context.close()


def test_browser_hostile_post_appears_as_text(browser: Any, servers: Servers) -> None:
    for way in ("embed", "ssi"):
        page = open_page(browser, f"{servers.shop}{way}.html")
        thread = page.locator("section.candor .candor-thread").nth(1)
        thread.wait_for()

        text = thread.locator(".candor-text").first.inner_text()

        assert HOSTILE_TEXT.split("\n")[0] in text  # "<script>alert(1)</script>" as words
        assert thread.locator("script, img, iframe").count() == 0
        hrefs = page.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert not [h for h in hrefs if h and h.strip().lower().startswith("javascript")]
        handlers = page.evaluate(
            "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes])"
            ".filter(a => a.name.startsWith('on')).map(a => a.name)"
        )
        assert handlers == []
        page.wait_for_timeout(200)  # a deferred alert() would have fired by now
        assert_clean_visit(page)
        page.context.close()


CANDOR_PAGES = [
    "products/acme-sync.html",
    "index.html",
    "about.html",
    "choosing.html",
    "contributors.html",
    "removal.html",
]


@pytest.mark.parametrize("path", CANDOR_PAGES)
def test_browser_candor_pages_render_cleanly(browser: Any, servers: Servers, path: str) -> None:
    name = path.removesuffix(".html").replace("/", "-")
    for label, width in WIDTHS.items():
        page = open_page(browser, f"{servers.candor}{path}", width)

        assert_clean_visit(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a {width}px screen"
        screenshot(page, f"candor-{name}-{label}")
        page.context.close()


def test_browser_contributor_rankings_show_the_formula_and_rows(
    browser: Any, servers: Servers
) -> None:
    for width in WIDTHS.values():
        page = open_page(browser, f"{servers.candor}contributors.html", width)

        assert "score = 3 × accepted answers" in page.locator(".candor-formula").inner_text()
        rows = page.locator("table.candor-rankings tbody tr").all_inner_texts()
        assert [row.split("\t")[0] for row in rows] == ["1", "2", "3"]
        assert "@carol" in rows[0]
        hidden = page.locator(".candor-table-wrap").evaluate("e => e.scrollWidth - e.clientWidth")
        assert hidden <= 0, f"the table is cut by {hidden}px at {width}px"
        page.context.close()


# --- accessibility basics ------------------------------------------------------------------

CONTRAST_SCRIPT = """
root => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of root.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    if (style.clip === 'rect(0px, 0px, 0px, 0px)') continue;  // visually hidden, for readers
    out.push({text: el.textContent.trim().slice(0, 40), fg: parse(style.color).slice(0, 3),
              bg: background(el), size: parseFloat(style.fontSize),
              bold: parseInt(style.fontWeight) >= 700});
  }
  return out;
}
"""


def _luminance(rgb: list[float]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: list[float], bg: list[float]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    light, dark = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(
    ("where", "root"),
    [("shop:embed.html", "section.candor"), ("candor:products/acme-sync.html", "body")]
    + [(f"candor:{p}", "body") for p in ("about.html", "contributors.html", "removal.html")],
)
def test_browser_text_contrast_meets_wcag_aa(
    browser: Any, servers: Servers, where: str, root: str
) -> None:
    host, path = where.split(":")
    page = open_page(browser, f"{getattr(servers, host)}{path}")
    page.locator(root).first.wait_for()

    texts = page.locator(root).first.evaluate(CONTRAST_SCRIPT)

    assert texts
    failing = []
    for item in texts:
        large = item["size"] >= 24 or (item["bold"] and item["size"] >= 18.66)
        ratio = contrast(item["fg"], item["bg"])
        if ratio < (3.0 if large else 4.5):
            failing.append((item["text"], round(ratio, 2), item["fg"], item["bg"]))
    assert failing == []
    page.context.close()


def test_browser_landmarks_and_alt_text(browser: Any, servers: Servers) -> None:
    page = open_page(browser, f"{servers.candor}products/acme-sync.html")
    for role in ("banner", "navigation", "main", "contentinfo"):
        assert page.get_by_role(role).count() >= 1, f"no {role} landmark"
    assert page.get_by_role("region", name="What customers said about Acme Sync").count() == 1
    page.context.close()

    shop = open_page(browser, f"{servers.shop}embed.html")
    shop.locator("section.candor .candor-thread").first.wait_for()
    region = shop.get_by_role("main").get_by_role("region")
    assert region.get_by_role("heading", name="What customers said about Acme Sync").count() == 1
    alts = shop.locator("img").evaluate_all("els => els.map(e => e.getAttribute('alt'))")
    assert alts and all(alt and alt.strip() for alt in alts)
    shop.context.close()


@pytest.mark.parametrize(
    ("host", "path"), [("shop", "embed.html"), ("candor", "products/acme-sync.html")]
)
def test_browser_keyboard_reaches_every_link(
    browser: Any, servers: Servers, host: str, path: str
) -> None:
    page = open_page(browser, f"{getattr(servers, host)}{path}")
    page.locator("section.candor .candor-thread").first.wait_for()
    links = page.locator("a[href]").evaluate_all("els => els.map(e => e.href)")

    reached, outlines = [], []
    for _ in range(len(links) + 3):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return {href: e.href || null, inCandor: !!e.closest('section.candor'),"
            " outline: s.outlineStyle + ' ' + s.outlineWidth}; })()"
        )
        reached.append(focused["href"])
        if focused["inCandor"]:
            outlines.append(focused["outline"])

    assert set(links) <= set(reached), set(links) - set(reached)
    assert outlines and all(o == "solid 3px" for o in outlines), outlines
    page.context.close()
