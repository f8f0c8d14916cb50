"""``/ui/chat`` in a real browser: Debian's Chromium driven by Playwright for Python,
against the real supervisor. Nothing here touches the ORM: Playwright's sync API runs an event
loop, and the server's data lives in its own process anyway."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chat.harness import REPO_ROOT, StewardServer, steward_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = REPO_ROOT / "artifacts"
PHONE = {"width": 390, "height": 844}
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def server() -> Iterator[StewardServer]:
    with steward_server() as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport=PHONE)  # type: ignore[attr-defined]
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors


def screenshot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def send(page: object, text: str) -> None:
    page.fill("#input", text)  # type: ignore[attr-defined]
    page.click("#send")  # type: ignore[attr-defined]


def test_send_a_message_and_see_the_reply(server, page):
    page.goto(f"{server.url}/ui/chat")
    assert server.get("/api/chat/conversations") == {"conversations": []}  # visiting creates nothing
    send(page, "Hello from the browser")
    page.locator(".message.user", has_text="Hello from the browser").wait_for(timeout=WAIT_MS)
    page.locator(".message.assistant", has_text="echo: Hello from the browser").wait_for(timeout=WAIT_MS)
    page.locator("#thinking").wait_for(state="hidden", timeout=WAIT_MS)
    assert "c=" in page.url
    # The selector now offers the conversation, titled by its first message.
    page.locator("#conversation-select option", has_text="Hello from the browser").wait_for(
        state="attached", timeout=WAIT_MS
    )
    screenshot(page, "chat-reply")


def test_approve_a_proposal_and_see_the_result(server, page):
    page.goto(f"{server.url}/ui/chat")
    send(page, "propose tea for two")
    card = page.locator(".card", has_text="Echo 'tea for two'")
    card.wait_for(timeout=WAIT_MS)
    approve = card.locator("button[data-option=approve]")
    assert approve.inner_text() == "Echo it"
    assert card.locator("button[data-option=reject]").inner_text() == "Cancel"
    approve.click()
    page.locator(".message.system", has_text="Processing…").wait_for(timeout=WAIT_MS)
    result = page.locator(".message.system", has_text="tea for two")
    result.wait_for(timeout=WAIT_MS)
    assert "Echoed tea for two" in result.inner_text()
    assert card.locator(".status").inner_text().lower() == "approved"
    assert card.locator(".options").is_hidden()
    screenshot(page, "chat-approved")


def test_thinking_shows_while_a_turn_runs(server, page):
    page.goto(f"{server.url}/ui/chat")
    send(page, "slow answer please")
    page.locator("#thinking").wait_for(state="visible", timeout=WAIT_MS)
    page.locator(".message.assistant", has_text="echo: slow answer please").wait_for(timeout=WAIT_MS)
    page.locator("#thinking").wait_for(state="hidden", timeout=WAIT_MS)


def test_a_previous_conversation_can_be_continued_and_a_new_one_started(server, page):
    conversation_id = server.new_conversation()
    server.post(f"/api/chat/conversations/{conversation_id}/messages", {"content": "/help"})
    page.goto(f"{server.url}/ui/chat")
    page.select_option("#conversation-select", conversation_id)
    page.locator(".message.command", has_text="Available commands").wait_for(timeout=WAIT_MS)
    send(page, "continuing")
    page.locator(".message.assistant", has_text="echo: continuing").wait_for(timeout=WAIT_MS)
    page.click("#new-chat")
    assert page.locator(".message").count() == 0
    assert "c=" not in page.url
    send(page, "a fresh start")
    page.locator(".message.assistant", has_text="echo: a fresh start").wait_for(timeout=WAIT_MS)
    assert page.locator(".message.assistant").count() == 1


def test_the_page_reconnects_and_replays_a_reply_stored_while_the_server_was_down(server, page):
    page.goto(f"{server.url}/ui/chat")
    send(page, "warm up")
    page.locator(".message.assistant", has_text="echo: warm up").wait_for(timeout=WAIT_MS)
    send(page, "slow while you were away")
    page.locator(".message.user", has_text="slow while you were away").wait_for(timeout=WAIT_MS)
    os.kill(server.pids()["web"], signal.SIGKILL)  # the worker answers while daphne is down
    page.locator("#connection", has_text="reconnecting").wait_for(timeout=WAIT_MS)
    page.locator(".message.assistant", has_text="echo: slow while you were away").wait_for(timeout=WAIT_MS)
    deadline = time.monotonic() + 10
    while page.locator("#connection").inner_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert page.locator("#connection").inner_text() == ""
    assert page.locator(".message.assistant", has_text="echo: slow while you were away").count() == 1
    page.locator("#thinking").wait_for(state="hidden", timeout=WAIT_MS)  # its end was missed, not lost
    screenshot(page, "chat-reconnected")
