"""The openai backend against a scripted fault server: retries, feedback, fallbacks, timeouts."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from orchestrator import llm
from orchestrator.llm import transport
from orchestrator.llm.backends.openai import chat_completions_url
from orchestrator.models import LLMCall, LLMProfile
from tests.llm.conftest import FaultServer, Reply, free_tcp_port

pytestmark = pytest.mark.django_db

GOOD = '{"human": 0.8, "requires_response": true, "priority": "high"}'


def make_profile(base_url: str, **fields: Any) -> LLMProfile:
    defaults: dict[str, Any] = {
        "name": "remote",
        "backend": "openai",
        "base_url": base_url,
        "model": "fault-model",
        "structured_output": "json_object",
        "timeout_s": 5,
    }
    return LLMProfile.objects.create(**{**defaults, **fields})


def last_user_message(seen_body: dict[str, Any]) -> str:
    return str(seen_body["messages"][-1]["content"])


def test_invalid_json_is_retried_with_the_error_in_the_next_request(
    fault_server: FaultServer, email_schema: dict[str, Any]
) -> None:
    fault_server.queue(Reply(content="sure! {human: high"), Reply(content=GOOD))
    profile = make_profile(fault_server.base_url)

    result = llm.classify(profile, {"subject": "Lunch?"}, email_schema)

    assert result == json.loads(GOOD)
    assert len(fault_server.requests) == 2
    feedback = last_user_message(fault_server.requests[1].body)
    assert "not valid JSON" in feedback
    assert fault_server.requests[1].body["messages"][-2] == {
        "role": "assistant",
        "content": "sure! {human: high",
    }
    call = LLMCall.objects.get()
    assert (call.outcome, call.attempts, call.prompt_tokens, call.completion_tokens) == ("ok", 2, 22, 14)


def test_schema_mismatch_feedback_names_the_wrong_field(
    fault_server: FaultServer, email_schema: dict[str, Any]
) -> None:
    fault_server.queue(
        Reply(content='{"human": 7, "requires_response": true, "priority": "high"}'), Reply(content=GOOD)
    )
    llm.classify(make_profile(fault_server.base_url), {"subject": "x"}, email_schema)
    feedback = last_user_message(fault_server.requests[1].body)
    assert "human: 7 is greater than the maximum of 1" in feedback


def test_three_bad_replies_fail_with_raw_replies_stored(
    fault_server: FaultServer, email_schema: dict[str, Any]
) -> None:
    bad = ["not json", '{"human": "yes"}', '{"human": 0.5, "requires_response": true, "priority": "urgent"}']
    fault_server.queue(*(Reply(content=text) for text in bad))

    with pytest.raises(llm.StructuredOutputError) as caught:
        llm.classify(make_profile(fault_server.base_url), {"subject": "x"}, email_schema)

    assert caught.value.permanent is True
    assert caught.value.raw_replies == bad
    assert len(caught.value.errors) == 3
    assert "attempt 3" in str(caught.value)
    assert len(fault_server.requests) == 3
    call = LLMCall.objects.get()
    assert call.outcome == "invalid"
    assert [entry["reply"] for entry in call.raw_replies] == bad
    assert "'urgent' is not one of" in call.raw_replies[2]["error"]


def test_500_then_200_succeeds_after_backoff(fault_server: FaultServer, email_schema: dict[str, Any]) -> None:
    fault_server.queue(Reply(status=500, body='{"error": "overloaded"}'), Reply(content=GOOD))

    result = llm.classify(make_profile(fault_server.base_url), {"subject": "x"}, email_schema)

    assert result["priority"] == "high"
    first, second = fault_server.requests
    # The first backoff is 0.5 s ± 25 %.
    assert second.started - first.ended >= 0.3


def test_429_is_retried_honouring_retry_after(
    fault_server: FaultServer, email_schema: dict[str, Any]
) -> None:
    fault_server.queue(Reply(status=429, body="{}", headers={"Retry-After": "1"}), Reply(content=GOOD))
    llm.classify(make_profile(fault_server.base_url), {"subject": "x"}, email_schema)
    first, second = fault_server.requests
    assert second.started - first.ended >= 0.9


def test_400_is_not_retried(fault_server: FaultServer, email_schema: dict[str, Any]) -> None:
    fault_server.queue(Reply(status=400, body='{"error": "context length exceeded"}'))

    with pytest.raises(llm.LLMRejected) as caught:
        llm.classify(make_profile(fault_server.base_url), {"subject": "x"}, email_schema)

    assert caught.value.permanent is True
    assert "HTTP 400" in str(caught.value)
    assert len(fault_server.requests) == 1
    assert LLMCall.objects.get().outcome == "rejected"


def test_404_explains_what_to_check(fault_server: FaultServer) -> None:
    fault_server.queue(Reply(status=404, body='{"error": "model not found"}'))
    with pytest.raises(llm.LLMRejected, match="check base_url and the model name"):
        llm.chat(make_profile(fault_server.base_url), [{"role": "user", "content": "hi"}])


def test_request_timeout_is_honoured(
    fault_server: FaultServer, email_schema: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "MAX_RETRIES", 1)
    fault_server.default = Reply(content=GOOD, delay_s=5)
    started = time.monotonic()

    with pytest.raises(llm.LLMTimeout) as caught:
        llm.classify(make_profile(fault_server.base_url, timeout_s=1), {"subject": "x"}, email_schema)

    assert caught.value.permanent is False
    assert time.monotonic() - started < 4  # two 1 s requests and one short backoff
    assert len(fault_server.requests) == 2
    assert LLMCall.objects.get().outcome == "timeout"


def test_total_deadline_caps_all_retries(fault_server: FaultServer) -> None:
    fault_server.default = Reply(status=503, body="{}")
    started = time.monotonic()
    with pytest.raises(llm.LLMUnavailable):
        transport.post_json(
            chat_completions_url(fault_server.base_url),
            {},
            headers={},
            timeout_s=5,
            deadline=time.monotonic() + 1.2,
        )
    assert time.monotonic() - started < 1.5


def test_unreachable_server_is_a_transient_error(fast_backoff: None, email_schema: dict[str, Any]) -> None:
    profile = make_profile(f"http://127.0.0.1:{free_tcp_port()}", timeout_s=2)
    started = time.monotonic()
    with pytest.raises(llm.LLMUnavailable, match="cannot connect") as caught:
        llm.classify(profile, {"subject": "x"}, email_schema)
    assert caught.value.permanent is False
    assert time.monotonic() - started < 5


def test_bearer_token_and_parameters_are_sent_without_overriding_model_or_messages(
    fault_server: FaultServer,
) -> None:
    fault_server.queue(Reply(content="hello"))
    profile = make_profile(
        fault_server.base_url + "/v1/",
        token="s3cret",
        parameters={"temperature": 0.3, "top_p": 0.5, "model": "evil", "messages": [], "stream": True},
    )

    reply = llm.chat(profile.name, [{"role": "user", "content": "hi"}])  # read back: token decrypted

    seen = fault_server.requests[0]
    assert reply == "hello"
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["Authorization"] == "Bearer s3cret"
    assert seen.body["model"] == "fault-model"
    assert seen.body["messages"] == [{"role": "user", "content": "hi"}]
    assert (seen.body["temperature"], seen.body["top_p"], seen.body["stream"]) == (0.3, 0.5, False)
    assert "response_format" not in seen.body


def test_no_token_sends_no_authorization_header(fault_server: FaultServer) -> None:
    fault_server.queue(Reply(content="hi"))
    llm.chat(make_profile(fault_server.base_url), [{"role": "user", "content": "hi"}])
    assert "Authorization" not in fault_server.requests[0].headers


def test_base_url_with_or_without_v1() -> None:
    for base in ("http://h:1", "http://h:1/", "http://h:1/v1", "http://h:1/v1/"):
        assert chat_completions_url(base) == "http://h:1/v1/chat/completions"


def refuse_response_format(body: dict[str, Any]) -> Reply:
    if "response_format" in body:
        return Reply(status=400, body='{"error": "response_format is not supported by this model"}')
    return Reply(content=GOOD)


def test_model_without_structured_output_support_falls_back_to_the_prompt(
    fault_server: FaultServer, email_schema: dict[str, Any]
) -> None:
    fault_server.responder = refuse_response_format
    profile = make_profile(fault_server.base_url, structured_output="auto")

    assert llm.classify(profile, {"subject": "x"}, email_schema)["human"] == 0.8
    kinds = [r.body.get("response_format", {}).get("type") for r in fault_server.requests]
    assert kinds == ["json_schema", "json_object", None]
    assert '"additionalProperties":false' in fault_server.requests[2].body["messages"][0]["content"]

    # Remembered: the next call goes straight to the prompt mode.
    llm.classify(profile, {"subject": "y"}, email_schema)
    assert len(fault_server.requests) == 4
    assert "response_format" not in fault_server.requests[3].body
    assert LLMCall.objects.first().structured_mode == "prompt"  # type: ignore[union-attr]


def test_an_explicit_mode_the_server_refuses_is_a_clear_error(
    fault_server: FaultServer, email_schema: dict[str, Any]
) -> None:
    fault_server.responder = refuse_response_format
    profile = make_profile(fault_server.base_url, structured_output="json_schema")
    with pytest.raises(llm.LLMRejected, match="does not accept structured_output=json_schema"):
        llm.classify(profile, {"subject": "x"}, email_schema)
    assert len(fault_server.requests) == 1


def test_a_non_openai_answer_is_a_clear_error(fault_server: FaultServer) -> None:
    fault_server.queue(Reply(body="<html>welcome to nginx</html>"))
    with pytest.raises(llm.LLMRejected, match="did not answer like an OpenAI-compatible server"):
        llm.chat(make_profile(fault_server.base_url), [{"role": "user", "content": "hi"}])


def test_unknown_profile_names_the_valid_ones(
    fault_server: FaultServer, email_schema: dict[str, Any]
) -> None:
    make_profile(fault_server.base_url)
    with pytest.raises(llm.UnknownProfile, match="'nope'; valid: remote"):
        llm.classify("nope", "text", email_schema)


def test_personal_content_is_not_logged_at_info(
    fault_server: FaultServer, email_schema: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    fault_server.queue(Reply(content="nonsense"), Reply(content=GOOD))
    caplog.set_level("INFO")
    llm.classify(make_profile(fault_server.base_url), {"body": "my bank PIN is 4921"}, email_schema)
    assert "4921" not in caplog.text
    assert "outcome=ok" in caplog.text
