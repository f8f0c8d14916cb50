"""The operator pages as a browser gets them: every page renders, buttons act once, stale or
unknown targets get a clear message and never a 500."""

from __future__ import annotations

import pytest

from orchestrator.models import ActionRecord, Approval, Task
from tests.pipeline.driving import drain, effects

pytestmark = pytest.mark.django_db

PAGES = ("/ui/", "/ui/items/", "/ui/approvals/", "/ui/queue/", "/ui/logs/", "/ui/egress/", "/ui/chat")


def flashes(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_every_page_renders_with_the_shared_navigation(browser_client, acted):
    for path in PAGES:
        response = browser_client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        for link in ('href="/ui/"', 'href="/ui/items/"', 'href="/ui/approvals/"', 'href="/ui/chat"'):
            assert link in page, (path, link)
        assert "/static/ui/ui.js" in page
        assert "//cdn" not in page
        assert "https://" not in page


def test_the_dashboard_shows_the_last_run_with_its_counts_and_a_run_now_button(browser_client, acted):
    page = browser_client.get("/ui/").content.decode()
    assert 'data-platform="dummy.one/items"' in page
    assert 'action="/ui/run/dummy.one/items/"' in page
    assert '<dd data-count="seen">3</dd>' in page
    assert '<strong data-pulse="approvals">1</strong>' in page


def test_run_now_queues_the_entry_task_once_and_says_so(browser_client, acted):
    first = browser_client.post("/ui/run/dummy.one/items/", {"next": "/ui/"}, follow=True)
    assert "Queued a run of dummy.one/items" in flashes(first)
    second = browser_client.post("/ui/run/dummy.one/items/", {"next": "/ui/"}, follow=True)
    assert "already queued" in flashes(second)
    assert Task.objects.filter(type="dummy.items.check", status="pending").count() == 1


def test_run_now_of_an_unknown_integration_is_a_message_not_an_error(browser_client, acted):
    response = browser_client.post("/ui/run/dummy.nope/", follow=True)
    assert response.status_code == 200
    assert "Integration 'dummy.nope' not found" in flashes(response)


def test_approving_runs_the_action_once_and_a_second_click_is_already_answered(browser_client, acted):
    approval = Approval.objects.get(status="pending")
    first = browser_client.post(f"/ui/approvals/{approval.pk}/", {"option": "approve"}, follow=True)
    assert f"Approved #{approval.pk}" in flashes(first)
    second = browser_client.post(f"/ui/approvals/{approval.pk}/", {"option": "approve"}, follow=True)
    assert "Already answered" in flashes(second)
    drain()
    assert len(effects("shout")) == 1


def test_rejecting_from_a_stale_page_after_approval_elsewhere_changes_nothing(browser_client, acted):
    approval = Approval.objects.get(status="pending")
    browser_client.post(f"/ui/approvals/{approval.pk}/", {"option": "approve"})
    stale = browser_client.post(f"/ui/approvals/{approval.pk}/", {"option": "reject"}, follow=True)
    assert "is already approved" in flashes(stale)
    approval.refresh_from_db()
    assert approval.status == "approved"


def test_an_unknown_approval_or_option_is_a_clear_message(browser_client, acted):
    assert "does not exist" in flashes(
        browser_client.post("/ui/approvals/99999/", {"option": "approve"}, follow=True)
    )
    approval = Approval.objects.get(status="pending")
    odd = browser_client.post(f"/ui/approvals/{approval.pk}/", {"option": "maybe"}, follow=True)
    assert "Invalid option 'maybe'" in flashes(odd)


def test_undo_on_the_items_page_reverses_the_tag_once(browser_client, acted):
    record = ActionRecord.objects.get(action="tag")
    page = browser_client.get("/ui/items/").content.decode()
    assert f'action="/ui/actions/{record.pk}/undo/"' in page
    shout = ActionRecord.objects.get(action="shout")
    assert f'action="/ui/actions/{shout.pk}/undo/"' not in page  # irreversible: no Undo button
    first = browser_client.post(f"/ui/actions/{record.pk}/undo/", {"next": "/ui/items/"}, follow=True)
    assert "Undid tag on item-1" in flashes(first)
    again = browser_client.post(f"/ui/actions/{record.pk}/undo/", follow=True)
    assert "already undone" in flashes(again)
    assert len(effects("untag")) == 1


def test_items_can_be_filtered_by_platform_classification_and_action(browser_client, acted):
    tagged = browser_client.get("/ui/items/?action=tag").content.decode()
    assert tagged.count('class="card item"') == 1
    everything = browser_client.get("/ui/items/?integration=dummy.one&platform=items").content.decode()
    assert everything.count('class="card item"') == 3
    classified = browser_client.get("/ui/items/?classification=interesting").content.decode()
    assert classified.count('class="card item"') == 3


def test_a_bad_filter_says_what_is_wrong_and_shows_everything(browser_client, acted):
    response = browser_client.get("/ui/items/?classification=a__gt")
    assert response.status_code == 200
    assert "must be a classification name" in flashes(response)
    assert response.content.decode().count('class="card item"') == 3


def test_retry_puts_a_dead_letter_task_back_once(browser_client, acted):
    task = Task.objects.create(
        type="dummy.items.check",
        status="failed",
        error="boom",
        attempts=3,
        payload={"integration": "dummy.one", "platform": "items"},
    )
    assert "boom" in browser_client.get("/ui/queue/").content.decode()
    first = browser_client.post(f"/ui/tasks/{task.uid}/retry/", follow=True)
    assert "is queued again" in flashes(first)
    second = browser_client.post(f"/ui/tasks/{task.uid}/retry/", follow=True)
    assert "only failed tasks can be re-run" in flashes(second)
    task.refresh_from_db()
    assert (task.status, task.attempts) == ("pending", 0)


def test_unknown_or_malformed_ids_in_paths_are_404(browser_client, acted):
    for path in ("/ui/approvals/１２/", "/ui/approvals/abc/", "/ui/actions/-1/undo/", "/ui/tasks/XYZ/retry/"):
        assert browser_client.post(path).status_code == 404, path
    assert "does not exist" in flashes(browser_client.post(f"/ui/tasks/{'0' * 32}/retry/", follow=True))


def test_pages_refuse_other_methods(browser_client, acted):
    assert browser_client.post("/ui/items/").status_code == 405
    assert browser_client.get("/ui/run/dummy.one/").status_code == 405


def test_the_log_shows_a_day_and_the_chain_status(browser_client, acted):
    page = browser_client.get("/ui/logs/").content.decode()
    assert 'data-chain="ok"' in page
    assert "Approval #" in page
    bad = browser_client.get("/ui/logs/?day=yesterday")
    assert "must be a date" in flashes(bad)


def test_the_log_reports_an_edited_entry(browser_client, acted):
    from orchestrator.models import AuditEntry

    AuditEntry.objects.filter(seq=2).update(message="forged")
    page = browser_client.get("/ui/logs/?verify=1").content.decode()
    assert 'data-chain="bad"' in page
    assert "entry #2 was edited" in page


def test_a_post_without_a_csrf_token_is_refused_for_a_browser(acted):
    from django.test import Client

    strict = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    strict.get("/ui/")
    response = strict.post("/ui/run/dummy.one/items/")
    assert response.status_code == 403
    assert not Task.objects.filter(type="dummy.items.check", status="pending").exists()


def test_items_without_a_title_or_with_odd_snapshots_render(browser_client, acted):
    from orchestrator.models import Item

    Item.objects.create(
        integration_id="dummy.one", platform="items", key="<odd@example>", snapshot={"items": [1]}
    )
    Item.objects.create(integration_id="dummy.one", platform="items", key="none", snapshot=None)
    page = browser_client.get("/ui/items/").content.decode()
    assert "&lt;odd@example&gt;" in page


def test_the_platform_selector_filters_by_source(browser_client, acted):
    page = browser_client.get("/ui/items/?source=dummy.one/items").content.decode()
    assert page.count('class="card item"') == 3
    assert '<option value="dummy.one/items" selected>' in page
    assert (
        browser_client.get("/ui/items/?source=dummy.two/items").content.decode().count('class="card item"')
        == 0
    )


def test_expired_approvals_are_greyed_out_without_buttons(browser_client, acted):
    from datetime import timedelta

    from django.utils import timezone

    approval = Approval.objects.get(status="pending")
    Approval.objects.filter(pk=approval.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page = browser_client.get("/ui/approvals/").content.decode()
    assert f'class="card approval expired" data-approval="{approval.pk}"' in page
    assert f'action="/ui/approvals/{approval.pk}/"' not in page
    stale = browser_client.post(f"/ui/approvals/{approval.pk}/", {"option": "approve"}, follow=True)
    assert "is already expired" in flashes(stale)
    assert effects("shout") == []


def test_chat_proposals_share_the_inbox(browser_client, acted):
    from datetime import timedelta

    from django.utils import timezone

    Approval.objects.create(
        source="chat",
        action="dummy.one.echo",
        parameters={"text": "tea for two"},
        description="Echo 'tea for two'",
        provenance="llm",
        options=[{"id": "approve", "label": "Echo it"}, {"id": "reject", "label": "Cancel"}],
        conversation_id="0123456789abcdef",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    page = browser_client.get("/ui/approvals/").content.decode()
    assert "a chat proposal" in page
    assert ">Echo it</button>" in page
    assert "rule automation #2" in page


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=99999999999999999999",
        "?page=-1",
        "?day=9999-12-31",
        "?day=0001-01-01",
        "?day=%00",
        "?classification=%E2%80%AE",
        "?classification=interesting=",
        "?action=" + "x" * 5000,
        "?source=/",
        "?integration=%F0%9F%92%A5",
    ],
)
def test_odd_query_strings_never_break_a_page(browser_client, acted, query):
    for path in PAGES:
        response = browser_client.get(path + query)
        assert response.status_code == 200, (path, query)


def test_every_ui_route_names_the_permission_it_needs():
    from django.urls import get_resolver

    from orchestrator.ui.access import PERMISSIONS

    ui = next(
        p
        for p in get_resolver().url_patterns
        if str(p.pattern) == "ui/" and "orchestrator" in str(p.urlconf_name)
    )
    chat = next(
        p for p in get_resolver().url_patterns if str(p.pattern) == "ui/" and "chat" in str(p.urlconf_name)
    )
    for pattern in [*ui.url_patterns, *chat.url_patterns]:
        assert getattr(pattern.callback, "ui_permission", None) in PERMISSIONS, pattern
