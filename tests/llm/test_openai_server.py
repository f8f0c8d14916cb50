"""The openai backend against a real OpenAI-compatible server: llama-cpp-python's, on loopback."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from orchestrator import llm
from orchestrator.llm.backends import openai
from orchestrator.llm.checks import check_profile
from orchestrator.llm.framing import frame
from orchestrator.models import LLMCall, LLMProfile
from tests.llm.conftest import EMAIL_DIR
from tests.llm.fixture_emails import email_fields

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def server_profile(base_url: str, **fields: Any) -> LLMProfile:
    return LLMProfile.objects.create(
        name="server", backend="openai", base_url=base_url, model="smollm2", timeout_s=60, **fields
    )


def test_auto_falls_back_to_json_object_and_remembers_it(
    llama_server: str, email_schema: dict[str, Any]
) -> None:
    profile = server_profile(llama_server)
    fields = email_fields(EMAIL_DIR / "plain_text_iso8859_1_qp_lf.eml")

    first = llm.classify(profile, frame(fields, limits={"body": 300}), email_schema)
    second = llm.classify(profile, frame(fields, limits={"body": 300}), email_schema)

    for result in (first, second):
        jsonschema.validate(result, email_schema)
    assert openai._learned_modes[(profile.pk, openai.chat_completions_url(llama_server), "smollm2")] == (
        "json_object"
    )
    modes = list(LLMCall.objects.order_by("id").values_list("structured_mode", "outcome"))
    assert modes == [("json_object", "ok"), ("json_object", "ok")]


def test_base_url_with_v1_and_plain_chat(llama_server: str) -> None:
    profile = server_profile(f"{llama_server}/v1", parameters={"max_tokens": 16, "temperature": 0})
    reply = llm.chat(profile, [{"role": "user", "content": "Say hello."}])
    assert isinstance(reply, str)
    assert reply.strip()
    call = LLMCall.objects.get()
    assert call.prompt_tokens
    assert call.completion_tokens
    assert call.latency_ms > 0


def test_doctor_reports_reachable_and_structured_output(llama_server: str) -> None:
    results = {r.name: r for r in check_profile(server_profile(llama_server))}
    assert results["llm:server"].ok, results["llm:server"].message
    assert results["llm:server:structured"].ok, results["llm:server:structured"].message
    assert "json_object" in results["llm:server:structured"].message
    assert "llm:server:privacy" not in results  # loopback: nothing leaves the machine
