"""What left this machine: ``/ui/egress/`` per day and destination, ``GET /api/egress``, pruning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orchestrator.models import EgressRecord, LLMProfile, QueueSettings
from orchestrator.queue.maintenance import prune_finished

pytestmark = pytest.mark.django_db


def _row(destination: str, purpose: str, **fields) -> EgressRecord:
    defaults = {
        "fields": ["subject[:12]", "body[:300]"],
        "bytes_sent": 900,
        "bytes_received": 120,
        "status": 200,
    }
    return EgressRecord.objects.create(destination=destination, purpose=purpose, **(defaults | fields))


def test_the_page_totals_each_destination_and_lists_requests_without_content(browser_client, acted):
    _row("api.llm.example", "classify", llm_profile="remote", redactions={"emails": 3})
    _row("api.llm.example", "chat", llm_profile="remote")
    _row("api.github.com", "comment", integration_id="github.work", fields=["body[:42]"])
    LLMProfile.objects.create(name="local", backend="embedded")

    page = browser_client.get("/ui/egress/").content.decode()

    assert "What left this machine" in page
    assert "<td>2</td><td>1800</td><td>240</td><td>chat, classify</td>" in page.replace("\n", "").replace(
        "  ", ""
    )
    assert "<code>body[:300]</code>" in page
    assert "redacted 3 emails" in page
    assert "The embedded model (local) runs in this process" in page
    assert 'aria-current="page">Egress' in page
    only = browser_client.get("/ui/egress/?destination=api.github.com").content.decode()
    assert "comment" in only
    assert "classify</strong>" not in only


def test_a_bad_day_is_named_and_today_is_shown(browser_client, acted):
    response = browser_client.get("/ui/egress/?day=yesterday")
    assert response.status_code == 200
    assert "showing today instead" in response.content.decode()


def test_the_api_lists_rows_newest_first_and_filters_by_destination(api_client, acted):
    _row("api.llm.example", "classify", redactions={"emails": 1})
    _row("api.github.com", "label", fields=["labels"])
    body = api_client.get("/api/egress").json()
    assert [row["purpose"] for row in body["egress"]] == ["label", "classify"]
    assert body["egress"][1]["redactions"] == {"emails": 1}
    assert body["egress"][1]["fields"] == ["subject[:12]", "body[:300]"]
    filtered = api_client.get("/api/egress?destination=api.github.com").json()["egress"]
    assert [row["destination"] for row in filtered] == ["api.github.com"]
    assert api_client.get("/api/egress?day=2025-13-01").status_code == 422


def test_egress_rows_are_pruned_with_task_retention():
    QueueSettings.objects.update_or_create(pk=1, defaults={"retention": "7d"})
    old = _row("api.llm.example", "classify")
    EgressRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    fresh = _row("api.llm.example", "classify")
    prune_finished()
    assert list(EgressRecord.objects.values_list("pk", flat=True)) == [fresh.pk]
