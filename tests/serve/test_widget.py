"""The proactive widget in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

The service runs with ``--demo`` and an API key: the demo shop is served by the service itself, so the widget
calls the API from an allowed (same) origin without a key, as a shop page would.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from cxml.serve import WebhookQueue

from ._support import Server, wait_for

sync_api = pytest.importorskip("playwright.sync_api", reason="the widget tests need playwright (the dev extra)")

KEY = "widget-test-key"


def _chromium() -> str | None:
    for name in (os.environ.get("CXML_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def browser():
    path = _chromium()
    if path is None:
        pytest.skip("no Chromium found (chromium, chromium-browser or $CXML_CHROMIUM): on Debian "
                    "`apt-get install -y chromium` (make test does it as root)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    queue = tmp_path_factory.mktemp("widget") / "queue.sqlite"
    srv = Server(model_dir, "--demo", "--queue", str(queue), "--api-keys-env", "CXML_WIDGET_KEYS",
                 env={"CXML_WIDGET_KEYS": KEY})
    with srv:
        srv.queue_path = queue  # type: ignore[attr-defined]
        yield srv


@pytest.fixture
def page(browser, server: Server):
    ctx = browser.new_context(locale="en-US")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(server.url + "/checkout/payment")
    pg.wait_for_function("window.cxml && window.cxml.__loaded")
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _feedback(server: Server):
    queue = WebhookQueue(server.queue_path)  # type: ignore[attr-defined]
    try:
        return queue.feedback_frame()
    finally:
        queue.close()


def test_widget_is_small_plain_javascript(server: Server) -> None:
    r = httpx.get(server.url + "/widget.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/javascript")
    assert len(r.content) < 12_000
    assert "import " not in r.text and "require(" not in r.text


def test_declined_card_shows_the_card_article(page, server: Server) -> None:
    page.fill("#card", "4000 0000 0000 0002")
    page.click("#pay")
    card = page.locator("#cxml-card")
    card.wait_for(state="visible", timeout=20_000)
    assert card.locator(".cxml-article").inner_text() == "Why was my card declined?"
    assert card.get_attribute("lang") == "en"
    assert card.locator(".cxml-article").get_attribute("href") == "https://shop.example.fi/help/card-declined"
    last = page.evaluate("window.cxml.last")
    assert last["should_offer"] is True and last["context"]["code"] == "card_declined"


def test_no_error_no_card(page) -> None:
    page.click("#pay")  # the default card is accepted
    page.locator(".ok").wait_for(state="visible")
    page.evaluate("window.cxml.ask()")  # ask explicitly, as a page may: the service answers should_offer false
    page.wait_for_function("window.cxml.last !== undefined", timeout=20_000)
    assert page.evaluate("window.cxml.last.should_offer") is False
    assert page.locator("#cxml-card").count() == 0


def test_card_in_the_page_language(browser, server: Server) -> None:
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.goto(server.url + "/checkout/payment")
    pg.evaluate("document.documentElement.lang = 'fi'")
    pg.wait_for_function("window.cxml && window.cxml.__loaded")
    pg.evaluate("window.cxml.reportError('CARD_DECLINED', 'Maksu 55123 epäonnistui: kortti hylättiin')")
    card = pg.locator("#cxml-card")
    card.wait_for(state="visible", timeout=20_000)
    assert card.get_attribute("lang") == "fi"
    assert card.locator("strong").inner_text() == "Tarvitsetko apua?"
    ctx.close()


def test_dismissal_is_recorded(page, server: Server) -> None:
    before = len(_feedback(server))
    page.fill("#card", "4000 0000 0000 0002")
    page.click("#pay")
    card = page.locator("#cxml-card")
    card.wait_for(state="visible", timeout=20_000)
    article = card.get_attribute("data-article-id")
    page.click("#cxml-card .cxml-dismiss")
    card.wait_for(state="detached")
    assert wait_for(lambda: len(_feedback(server)) > before, timeout=20)
    fb = _feedback(server).iloc[before:]
    row = fb[fb["kind"] == "article_dismissed"].iloc[0]
    assert row["article_id"] == article and row["source"] == "widget"
    assert row["context"]["error_code"] == "CARD_DECLINED"
    assert row["context"]["url"].endswith("/checkout/payment")


def test_helpful_is_recorded(page, server: Server) -> None:
    before = len(_feedback(server))
    page.evaluate("window.cxml.reportError('CARD_DECLINED', 'card declined')")
    page.locator("#cxml-card").wait_for(state="visible", timeout=20_000)
    page.click("#cxml-card .cxml-helpful")
    page.locator(".cxml-thanks").wait_for(state="visible")
    assert wait_for(lambda: (_feedback(server).iloc[before:]["kind"] == "article_helpful").any(), timeout=20)
