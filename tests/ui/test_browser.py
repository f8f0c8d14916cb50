"""The operator UI in a real browser: Debian's Chromium driven by Playwright, against a real
``manage.py supervisor`` serving the demo mailbox (Maildir) and ``dummy.one`` (fake classifier,
scripted chat model). The test process never touches the server's database through the ORM."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.chat.harness import REPO_ROOT, SEED_DUMMY, StewardServer, steward_server
from tests.chat.test_browser import browser  # noqa: F401  (the module's Chromium)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
WAIT_MS = 60_000
# The docs' screenshots are taken by these tests; a test run leaves the checkout alone unless asked
# to refresh them (STEWARD_SCREENSHOTS=docs/screenshots).
SCREENSHOTS = REPO_ROOT / os.environ.get("STEWARD_SCREENSHOTS", "artifacts/screenshots")
ASK_SHOUT = {
    "when": {"n": 1, "classification.interesting": "> 0.5"},
    "then": {"shout": "look at {{ title }}"},
    "on_blocked": "ask",
}
SEED = (
    SEED_DUMMY
    + f"""
from django.core.management import call_command
from orchestrator.models import LLMProfile
call_command("setup_demo", "--no-run", verbosity=0)
integration.llm = LLMProfile.objects.get(name="default")
integration.save()
platform = integration.platforms.get(name="items")
platform.options = {{"count": 2}}
platform.automations = [{ASK_SHOUT!r}]
platform.full_clean()
platform.save()
"""
)
FAKE_CLASSIFIER = "tests.plugins.classifier.classify"


@pytest.fixture(scope="module")
def server() -> Iterator[StewardServer]:
    with steward_server(seed=SEED, STEWARD_CLASSIFIER=FAKE_CLASSIFIER) as running:
        yield running


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[[], Any]]:  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    errors: list[str] = []

    def opened() -> Any:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield opened
    context.close()
    assert errors == [], errors


@pytest.fixture
def page(new_page: Callable[[], Any]) -> Any:
    return new_page()


def wait_for(check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def email_run_done(server: StewardServer) -> None:
    def done() -> bool:
        runs = server.get("/api/runs?integration=email.personal")["runs"]
        return bool(runs) and all(r["status"] != "running" for r in runs)

    if not server.get("/api/runs?integration=email.personal")["runs"]:
        server.post("/integrations/email.personal/run")
    wait_for(done, "the email run to finish")
    wait_for(lambda: not server.get("/api/runs?status=running")["runs"], "every run to settle")


def inbox_count(server: StewardServer) -> int:
    maildir = server.data_dir / "demo-maildir"
    return sum(1 for sub in ("cur", "new") for p in (maildir / sub).iterdir() if p.is_file())


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_run_now_updates_the_counts_without_a_reload(server, page):
    page.goto(f"{server.url}/ui/")
    page.evaluate("window.__sameDocument = true")
    platform = page.locator('[data-platform="email.personal/inbox"]')
    platform.locator("text=never run").wait_for(timeout=WAIT_MS)
    platform.locator("button", has_text="Run now").click()
    page.locator(".flash li", has_text="Queued a run of email.personal/inbox").wait_for(timeout=WAIT_MS)
    page.locator('[data-platform="email.personal/inbox"] [data-count="new"]', has_text="20").wait_for(
        timeout=WAIT_MS
    )
    page.locator('[data-platform="email.personal/inbox"] .badge', has_text="done").wait_for(timeout=WAIT_MS)
    assert page.evaluate("window.__sameDocument") is True  # pushed, not reloaded
    assert (
        int(page.locator('[data-platform="email.personal/inbox"] [data-count="actions_done"]').inner_text())
        > 0
    )
    shot(page, "dashboard")


def test_undo_an_archive_brings_the_message_back_to_the_inbox(server, page):
    email_run_done(server)
    archived = [
        a
        for a in server.get("/api/actions?status=done&limit=200")["actions"]
        if a["action"] == "archive" and a["undo_available"]
    ]
    assert archived, "the demo rules archive newsletters and green CI mail"
    before = inbox_count(server)
    page.goto(f"{server.url}/ui/items/?action=archive")
    row = page.locator(f'[data-action="{archived[0]["id"]}"]')
    row.locator("button", has_text="Undo").click()
    page.locator(".flash li", has_text="Undid archive").wait_for(timeout=WAIT_MS)
    assert inbox_count(server) == before + 1
    row.locator(".badge", has_text="undone").wait_for(timeout=WAIT_MS)
    assert row.locator("button", has_text="Undo").count() == 0
    shot(page, "items")


def test_an_ask_approval_runs_once_and_a_second_tab_is_told_it_was_answered(server, new_page):
    server.post("/integrations/dummy.one/run")
    first, second = new_page(), new_page()
    first.goto(f"{server.url}/ui/approvals/")
    first.locator(".approval.pending", has_text="shout").wait_for(timeout=WAIT_MS)  # pushed in
    second.goto(f"{server.url}/ui/approvals/")
    shot(first, "approvals")
    first.locator(".approval.pending button[data-option=approve]").first.click()
    first.locator(".flash li", has_text="Approved #").wait_for(timeout=WAIT_MS)
    second.locator(".approval.pending button[data-option=approve]").first.click()
    second.locator(".flash li", has_text="Already answered").wait_for(timeout=WAIT_MS)
    effects = server.data_dir / "dummy" / "dummy.one.jsonl"
    wait_for(lambda: effects.exists() and '"shout"' in effects.read_text(), "the approved shout")
    time.sleep(2)  # a double execution would show up by now
    assert effects.read_text().count('"shout"') == 1


def test_retry_a_dead_letter_task_from_the_queue_page(server, page):
    uid = server.python_json(
        "import json\nfrom orchestrator.models import Task\n"
        "t = Task.objects.create(type='dummy.items.check', status='failed', attempts=3,"
        " error='boom: simulated', payload={'integration': 'dummy.one', 'platform': 'items'})\n"
        "print(json.dumps(t.uid))"
    )
    page.goto(f"{server.url}/ui/queue/")
    row = page.locator(f'[data-task="{uid}"]')
    row.locator("text=boom: simulated").wait_for(timeout=WAIT_MS)
    row.locator("button", has_text="Retry").click()
    page.locator(".flash li", has_text="is queued again").wait_for(timeout=WAIT_MS)
    wait_for(lambda: server.get(f"/api/tasks/{uid}")["status"] == "done", "the retried task to run")
    shot(page, "queue")


def test_chat_sends_over_the_websocket_and_loses_no_reply_when_the_socket_dies(server, page):
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/messages" in r.url else None)
    page.goto(f"{server.url}/ui/chat")
    page.fill("#input", "hello over the socket")
    page.click("#send")
    page.locator(".message.assistant", has_text="echo: hello over the socket").wait_for(timeout=WAIT_MS)
    assert posts == []  # sent as a websocket frame, not over HTTP
    page.fill("#input", "slow reply while the socket dies")
    page.click("#send")
    page.locator("#thinking").wait_for(state="visible", timeout=WAIT_MS)
    os.kill(server.pids()["web"], signal.SIGKILL)  # mid-reply: the worker answers while daphne is down
    page.locator("#connection", has_text="reconnecting").wait_for(timeout=WAIT_MS)
    reply = page.locator(".message.assistant", has_text="echo: slow reply while the socket dies")
    reply.wait_for(timeout=WAIT_MS)
    page.locator("#thinking").wait_for(state="hidden", timeout=WAIT_MS)
    assert reply.count() == 1
    assert page.locator(".message.user", has_text="slow reply while the socket dies").count() == 1
    assert posts == []
    wait_for(lambda: httpx.get(f"{server.url}/", timeout=2).status_code == 200, "daphne back")
    shot(page, "chat")


def test_the_dashboard_says_when_its_socket_is_down_and_catches_up_after_it_returns(server, page):
    wait_for(lambda: httpx.get(f"{server.url}/", timeout=2).status_code == 200, "the server")
    page.goto(f"{server.url}/ui/")
    page.evaluate("window.__sameDocument = true")
    status = page.locator("#live-status")
    runs_before = len(server.get("/api/runs?integration=dummy.one")["runs"])
    os.kill(server.pids()["web"], signal.SIGKILL)
    status.locator("text=offline").wait_for(timeout=WAIT_MS)
    wait_for(lambda: not status.inner_text(), "the socket to reconnect")
    server.post("/integrations/dummy.one/run")  # a change after the reconnect is pushed
    wait_for(lambda: len(server.get("/api/runs?integration=dummy.one")["runs"]) > runs_before, "the new run")
    newest = server.get("/api/runs?integration=dummy.one")["runs"][0]["id"]
    page.locator(f'[data-platform="dummy.one/items"] [data-run="{newest}"]').wait_for(timeout=WAIT_MS)
    assert page.evaluate("window.__sameDocument") is True


@pytest.mark.parametrize(
    "path", ["/ui/", "/ui/items/", "/ui/approvals/", "/ui/queue/", "/ui/logs/", "/ui/chat"]
)
def test_every_page_fits_a_390px_phone_without_horizontal_scrolling(server, page, path):
    wait_for(lambda: httpx.get(f"{server.url}/", timeout=2).status_code == 200, "the server")
    page.goto(f"{server.url}{path}")
    page.wait_for_load_state("networkidle")
    assert no_horizontal_scroll(page), path
    if path == "/ui/logs/":
        shot(page, "logs")


def test_exposed_mode_sends_anonymous_browsers_to_the_login_and_refuses_csrfless_posts(browser):  # noqa: F811
    seed = SEED_DUMMY + (
        "from django.contrib.auth import get_user_model\n"
        "get_user_model().objects.create_superuser('owner', 'o@example.com', 'correct horse')\n"
    )
    with steward_server(seed=seed, STEWARD_AUTH="required") as exposed:
        context = browser.new_context(viewport=PHONE)
        try:
            page = context.new_page()
            for path in ("/ui/", "/ui/items/", "/ui/approvals/", "/ui/queue/", "/ui/logs/", "/ui/chat"):
                page.goto(f"{exposed.url}{path}")
                assert "/admin/login/" in page.url, path
            page.fill("#id_username", "owner")
            page.fill("#id_password", "correct horse")
            page.click("input[type=submit]")
            page.wait_for_url(f"{exposed.url}/ui/chat")
            page.goto(f"{exposed.url}/ui/")
            refused = context.request.post(f"{exposed.url}/ui/run/dummy.one/", max_redirects=0)
            assert refused.status == 403
            assert httpx.get(f"{exposed.url}/api/runs", timeout=10).status_code == 401
            page.locator('[data-platform="dummy.one/items"] button', has_text="Run now").click()
            page.locator(".flash li", has_text="Queued a run of dummy.one/items").wait_for(timeout=WAIT_MS)
        finally:
            context.close()


def test_screenshots_are_small_enough_to_commit():
    for png in Path(SCREENSHOTS).glob("*.png"):
        assert png.stat().st_size < 400_000, png
