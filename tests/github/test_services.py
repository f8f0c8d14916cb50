"""Services: ``github.create_issue`` (validated before queueing, proposed in chat, approved → the
issue exists and its URL is posted back) and ``gemini.web_research`` against a loopback provider."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from chat.models import Message
from orchestrator.actions.services import ServiceError, service_enqueue
from orchestrator.models import ActionRecord, Integration, Note, QueuePolicy, Task
from tests.chat.conftest import run_services, run_turns
from tests.chat.test_api import new_conversation, post_json, send
from tests.github import chat_llm
from tests.github.fake_api import FakeGithub, LoopbackServer, fixture
from tests.pipeline.driving import drain

pytestmark = pytest.mark.django_db


def test_create_issue_in_an_unconfigured_repo_is_refused_before_queueing(github_work: Integration) -> None:
    with pytest.raises(ServiceError) as refused:
        service_enqueue(
            instance_id="github.work.create_issue",
            inputs={"repo": "someone/else", "title": "Hi"},
            provenance="human",
        )
    assert "'someone/else' is not a configured repository of github.work" in str(refused.value)
    assert "configured: octo-org/api, octo-org/web" in str(refused.value)
    assert not Task.objects.exists()


def test_create_issue_without_a_title_is_refused_before_queueing(github_work: Integration) -> None:
    with pytest.raises(ServiceError, match=r"inputs.*title"):
        service_enqueue(
            instance_id="github.create_issue", inputs={"repo": "octo-org/api"}, provenance="human"
        )


def test_an_llm_call_of_create_issue_is_blocked_without_yolo(
    github_work: Integration, mock_api: FakeGithub
) -> None:
    service_enqueue(
        instance_id="github.work.create_issue",
        inputs={"repo": "octo-org/api", "title": "x"},
        provenance="llm",
    )
    drain()
    assert mock_api.created == []
    assert ActionRecord.objects.get().status == "blocked"


@pytest.fixture
def proposing_chat(settings: Any) -> None:
    settings.STEWARD_CHAT_LLM = "tests.github.chat_llm.propose_issue"
    chat_llm.SEEN.clear()


def test_a_chat_proposal_of_create_issue_approved_creates_it_and_posts_its_url(
    github_work: Integration, mock_api: FakeGithub, api_client: Any, proposing_chat: None
) -> None:
    conversation_id = new_conversation(api_client)
    task_id = send(api_client, conversation_id, "Safari shows the login button misaligned").json()["task_id"]
    run_turns()
    card = api_client.get(f"/api/chat/tasks/{task_id}").json()["messages"][-1]
    assert card["metadata"]["options"] == [
        {"id": "approve", "label": "Create issue"},
        {"id": "reject", "label": "Cancel"},
    ]
    system = chat_llm.SEEN[0][0]["content"]
    assert "octo-org/web (React SPA. Include browser and component in issues.)" in system

    pid = card["metadata"]["proposal_id"]
    answer = post_json(
        api_client, f"/api/chat/conversations/{conversation_id}/proposals/{pid}", {"option": "approve"}
    )
    [service_task] = run_services()
    assert service_task.status == "done", service_task.error
    assert mock_api.created == [{"repo": "octo-org/web", **{k: chat_llm.ISSUE[k] for k in ("title", "body")}}]
    [result] = api_client.get(f"/api/chat/tasks/{answer.json()['task_id']}").json()["messages"]
    assert "https://github.com/octo-org/web/issues/42" in result["content"]
    assert "octo-org/web#42" in result["content"]
    assert Message.objects.filter(content__contains="issues/42").count() == 1


class FakeGemini:
    """The Generative Language API's generateContent, answering with a grounded report."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("x-goog-api-key") != "AIza-test-key":
            return httpx.Response(403, json={"error": {"code": 403, "message": "API key not valid."}})
        if request.url.path != "/v1beta/models/gemini-2.5-flash:generateContent":
            return httpx.Response(404, json={"error": {"code": 404, "message": "not found"}})
        return httpx.Response(200, json=fixture("gemini_research.json"))


@pytest.fixture
def gemini(db: None, settings: Any) -> Iterator[tuple[FakeGemini, Integration]]:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]
    provider = FakeGemini()
    with LoopbackServer(provider.handle) as server:
        integration = Integration.objects.create(
            type="gemini",
            name="default",
            settings={"api_url": server.base_url},
            secrets={"api_key": "AIza-test-key"},
        )
        yield provider, integration


PROMPT = "Summarise the changes in the new terms of example.com."


def test_web_research_writes_a_note_with_the_sources(gemini: tuple[FakeGemini, Integration]) -> None:
    provider, _ = gemini
    service_enqueue(instance_id="gemini.default.web_research", inputs={"prompt": PROMPT}, provenance="human")
    drain()
    note = Note.objects.get()
    assert note.body.startswith("The new terms add an arbitration clause")
    assert "## Sources" in note.body
    assert "- [example.com](https://example.com/legal/terms)" in note.body
    assert "- [news.example.org](https://news.example.org/terms-update)" in note.body
    [request] = provider.requests
    sent = json.loads(request.content)
    assert sent["contents"][0]["parts"][0]["text"] == PROMPT
    assert sent["tools"] == [{"google_search": {}}]


def test_web_research_is_irreversible_so_an_llm_call_needs_yolo(
    gemini: tuple[FakeGemini, Integration],
) -> None:
    provider, _ = gemini
    service_enqueue(instance_id="gemini.default.web_research", inputs={"prompt": PROMPT}, provenance="llm")
    drain()
    assert provider.requests == []
    assert ActionRecord.objects.get().status == "blocked"


def test_web_research_obeys_its_queue_rate_limit(gemini: tuple[FakeGemini, Integration]) -> None:
    QueuePolicy.objects.create(task_type="service.gemini.web_research", rate_limit_max=1, rate_limit_per="1h")
    for n in range(2):
        service_enqueue(
            instance_id="gemini.default.web_research", inputs={"prompt": f"{PROMPT} {n}"}, provenance="human"
        )
    first, second = Task.objects.filter(type="service.gemini.web_research").order_by("id")
    assert first.not_before is None
    assert second.not_before is not None  # deferred by an hour


def test_a_rejected_gemini_key_is_a_clear_failure(gemini: tuple[FakeGemini, Integration]) -> None:
    _, integration = gemini
    integration.secrets = {"api_key": "wrong"}
    integration.save()
    service_enqueue(instance_id="gemini.default.web_research", inputs={"prompt": PROMPT}, provenance="human")
    drain()
    record = ActionRecord.objects.get()
    assert record.status == "failed"
    assert "Gemini rejected the api_key of gemini.default (403 API key not valid.)" in record.error
