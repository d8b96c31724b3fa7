"""The studio in real Chromium (the Debian package, via Playwright): what a marketer does.

Uvicorn serves :func:`candor.studio.create_app` on 127.0.0.1 in a thread, over the corpus of
:mod:`tests.studio.corpus`. Each test starts a fresh corpus-backed server (module-scoped
corpus, one browser). Screenshots at 1280 and 390 px go to ``test-output/studio-*.png``.
Chromium missing is a failure with instructions, unless ``CANDOR_SKIP_SERVICES=1``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from candor.studio import create_app
from corpus import models as m
from corpus.settings import Settings
from corpus.store import Store
from tests.conftest import REPO
from tests.studio import corpus
from tests.studio.conftest import make_studio_settings

pytestmark = pytest.mark.slow

OUTPUT = REPO / "test-output"
WIDTHS = {"desktop": 1280, "mobile": 390}


@dataclass(frozen=True)
class Served:
    url: str
    settings: Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    settings = make_studio_settings(tmp_path)
    corpus.build(settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 20 s"
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", settings)
    server.should_exit = True
    thread.join(timeout=10)


def _page(browser: Any, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def _shot(page: Any, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"studio-{name}.png"), full_page=True)


def _login(page: Any, url: str, username: str = "cai") -> None:
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", corpus.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/queue/*")


def _decisions(settings: Settings) -> dict[str, tuple[str, str | None, dict[str, Any]]]:
    store = Store(settings.store)
    with store.session() as s:
        rows = s.execute(
            select(
                m.Thread.source_id, m.Review.decision, m.Review.reason, m.Review.excerpt_sentences
            )
            .join(m.Candidate, m.Candidate.id == m.Review.candidate_id)
            .join(m.Thread, m.Thread.id == m.Candidate.thread_id)
            .order_by(m.Review.id)
        ).all()
    store.dispose()
    return {key: (decision, reason, sentences) for key, decision, reason, sentences in rows}


def _not_wider_than_viewport(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page scrolls sideways: {width}px"


@pytest.mark.parametrize("device", WIDTHS)
def test_browser_log_in_approve_compose_preview_publish(
    browser: Any, served: Served, device: str
) -> None:
    page = _page(browser, WIDTHS[device])
    _login(page, served.url)
    assert page.locator("h1").inner_text() == "Queue: Acme Notes"
    page.goto(f"{served.url}/queue/acme-sync")
    first = page.locator("article.candidate").first
    assert "Title of sync-stopped" in first.inner_text()
    assert first.locator("mark").first.inner_text() == "That one is on us, sorry."
    _not_wider_than_viewport(page)
    _shot(page, f"queue-{device}")

    # Choose only the staff member's admission sentence of post 2, then approve.
    first.locator("summary").click()
    first.locator("fieldset.post-choice").nth(1).locator("input[name=sentence]").first.check()
    _shot(page, f"excerpt-editor-{device}")
    first.locator("button[value=approved]").click()
    page.wait_for_selector(".flash")
    assert "approved" in page.locator(".flash").inner_text()
    assert _decisions(served.settings)["sync-stopped"][0] == "approved"

    page.goto(f"{served.url}/compose/acme-sync")
    assert "Title of sync-stopped" in page.locator("ol.order").inner_text()
    preview = page.frame_locator("iframe")
    thread = preview.locator(".candor-thread").first
    assert "Title of sync-stopped" in thread.inner_text()
    assert "That one is on us, sorry." in thread.inner_text()
    assert "4.2 broke sync" not in thread.inner_text()  # trimmed away, as chosen
    _not_wider_than_viewport(page)
    _shot(page, f"compose-{device}")

    page.click("form.publish button")
    page.wait_for_selector(".flash")
    assert "Published release" in page.locator(".flash").inner_text()
    assert (served.settings.publish.out / "current/products/acme-sync.html").exists()

    page.goto(f"{served.url}/search?q=sync")
    assert page.locator("article.result").count() == 2
    page.locator(".facets a", has_text="acme-sync").first.click()
    assert "✓" in page.locator(".facets a.on").first.evaluate(
        "el => getComputedStyle(el, '::before').content"
    )
    _not_wider_than_viewport(page)
    _shot(page, f"search-{device}")
    page.goto(f"{served.url}/audit")
    assert "review.approved" in page.locator("table.audit").inner_text()
    _shot(page, f"audit-{device}")
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_browser_keyboard_only(browser: Any, served: Served) -> None:
    page = _page(browser, WIDTHS["desktop"])
    page.goto(f"{served.url}/login")
    # The username field takes focus on load (autofocus runs after the load event has fired
    # on a busy machine; typing before it would go nowhere).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type("cai")
    page.keyboard.press("Tab")
    page.keyboard.type(corpus.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{served.url}/queue/*")

    page.goto(f"{served.url}/queue/acme-sync")
    page.keyboard.press("j")  # first candidate
    focused = page.evaluate("document.activeElement.id")
    assert focused.startswith("c-")
    page.keyboard.press("a")  # approve it
    page.wait_for_selector(".flash")
    assert _decisions(served.settings)["sync-stopped"][0] == "approved"

    # Back on the pending tab the next candidate is first: reject it with a reason.
    page.keyboard.press("j")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.type("no resolution in the thread")
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash")
    assert _decisions(served.settings)["sync-slow"][:2] == (
        "rejected",
        "no resolution in the thread",
    )

    # Tab alone reaches the navigation and every control; focus is visible.
    page.goto(f"{served.url}/compose/acme-sync")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Publish all pages now":
            break
    else:
        pytest.fail("the publish button cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash")
    assert "Published release" in page.locator(".flash").inner_text()
    _shot(page, "keyboard-desktop")
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


@pytest.mark.parametrize("device", WIDTHS)
def test_browser_admin_makes_and_revokes_an_api_token(
    browser: Any, served: Served, device: str
) -> None:
    page = _page(browser, WIDTHS[device])
    _login(page, served.url, "ada")
    page.goto(f"{served.url}/users")
    page.fill("#token-name", "CRM sync")
    page.select_option("#token-user", "cai")
    page.click("text=Make a token")
    token = page.locator("#new-token").inner_text()
    assert token.startswith("cnd_")
    _not_wider_than_viewport(page)
    _shot(page, f"users-token-{device}")
    page.goto(f"{served.url}/users")
    assert page.locator("#new-token").count() == 0  # shown once
    page.get_by_role("button", name="Revoke token 1 (CRM sync)").click()
    page.wait_for_selector(".flash")
    assert "revoked" in page.locator(".flash").inner_text()
    _not_wider_than_viewport(page)
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_browser_api_docs_render_offline_under_the_studio_policy(
    browser: Any, served: Served
) -> None:
    page = _page(browser, WIDTHS["desktop"])
    outside: list[str] = []

    def only_the_studio(route: Any) -> None:
        if route.request.url.startswith(served.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_studio)
    page.goto(f"{served.url}/api/docs")
    page.wait_for_selector('.opblock-summary-path[data-path="/api/login"]')
    assert "Candor studio" in page.locator(".info .title").inner_text()
    assert outside == []
    _shot(page, "api-docs")
    assert page.errors == []  # a refused script or style is a console error
    page.context.close()
