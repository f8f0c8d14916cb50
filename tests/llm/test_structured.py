"""Reply parsing and validation, the embedded grammar, accounting in admin, and doctor's LLM checks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from llama_cpp import LlamaGrammar

from orchestrator.checks import run_checks
from orchestrator.llm.backends import get_backend
from orchestrator.llm.backends.grammar import UNIT_INTERVAL, classification_grammar, schema_grammar
from orchestrator.llm.checks import check_profile, privacy_warning
from orchestrator.llm.errors import LLMConfigError
from orchestrator.llm.structured import InvalidReply, parse_reply
from orchestrator.models import LLMCall, LLMProfile
from tests.llm.conftest import EMAIL_SCHEMA, FaultServer, Reply, free_tcp_port

GOOD = {"human": 0.25, "requires_response": False, "priority": "low"}


def test_a_fenced_reply_is_accepted() -> None:
    assert parse_reply(f"```json\n{json.dumps(GOOD)}\n```", EMAIL_SCHEMA) == GOOD


def test_prose_around_the_object_is_tolerated_but_the_object_is_validated() -> None:
    assert parse_reply(f"Sure! Here it is: {json.dumps(GOOD)} Hope it helps.", EMAIL_SCHEMA) == GOOD
    with pytest.raises(InvalidReply, match=r"human: 1\.5 is greater than the maximum of 1"):
        parse_reply('Here: {"human": 1.5, "requires_response": false, "priority": "low"}', EMAIL_SCHEMA)


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("", "not valid JSON"),
        ("[1, 2]", "is not of type 'object'"),
        ('{"human": true, "requires_response": false, "priority": "low"}', "human: True is not of type"),
        ('{"human": 0.5, "requires_response": "yes", "priority": "low"}', "requires_response: 'yes'"),
        ('{"human": 0.5, "requires_response": false}', "'priority' is a required property"),
        ('{"human": 0.5, "requires_response": false, "priority": "low", "x": 1}', "Additional properties"),
    ],
)
def test_invalid_replies_say_what_is_wrong(reply: str, problem: str) -> None:
    with pytest.raises(InvalidReply, match=problem):
        parse_reply(reply, EMAIL_SCHEMA)


def test_the_classification_grammar_compiles_and_bounds_confidence() -> None:
    text = classification_grammar(EMAIL_SCHEMA)
    assert text is not None
    assert UNIT_INTERVAL in text
    LlamaGrammar.from_string(text, verbose=False)


def test_enum_values_and_keys_are_escaped_in_the_grammar() -> None:
    schema = {
        "type": "object",
        "properties": {'we"ird': {"type": "string", "enum": ['a"b', "c\\d"]}},
        "required": ['we"ird'],
    }
    LlamaGrammar.from_string(schema_grammar(schema), verbose=False)


def test_other_schemas_use_the_library_converter() -> None:
    schema = {"type": "object", "properties": {"reply": {"type": "string"}, "n": {"type": "integer"}}}
    assert classification_grammar(schema) is None  # not every property is required
    LlamaGrammar.from_string(schema_grammar(schema), verbose=False)


@pytest.mark.django_db
def test_an_unknown_backend_path_is_a_config_error(settings: Any) -> None:
    settings.LLM_BACKENDS = {"openai": "no.such.Backend"}
    profile = LLMProfile.objects.create(name="x", backend="openai", base_url="http://127.0.0.1:9")
    with pytest.raises(LLMConfigError, match="cannot be imported"):
        get_backend(profile)


@pytest.mark.django_db
def test_llm_calls_are_listed_in_admin(admin_client: Any) -> None:
    LLMCall.objects.create(
        profile_name="default",
        backend="openai",
        model="llama3.2",
        purpose="classify",
        outcome="ok",
        latency_ms=812,
    )
    response = admin_client.get("/admin/orchestrator/llmcall/", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert b"llama3.2" in response.content
    assert b"812" in response.content


@pytest.mark.django_db
def test_doctor_reports_an_unreachable_profile_quickly(fast_backoff: None) -> None:
    LLMProfile.objects.create(name="down", backend="openai", base_url=f"http://127.0.0.1:{free_tcp_port()}")
    results = {r.name: r for r in run_checks()}
    assert not results["llm:down"].ok
    assert "unreachable" in results["llm:down"].message


@pytest.mark.django_db
def test_doctor_flags_a_model_that_ignores_the_schema(fault_server: FaultServer) -> None:
    fault_server.default = Reply(content="I am a friendly model and I do not do JSON.")
    profile = LLMProfile.objects.create(
        name="prose", backend="openai", base_url=fault_server.base_url, structured_output="prompt"
    )
    results = {r.name: r for r in check_profile(profile)}
    assert results["llm:prose"].ok
    assert not results["llm:prose:structured"].ok
    assert "no schema-valid reply in 3 attempts" in results["llm:prose:structured"].message


def test_doctor_warns_when_data_leaves_the_machine() -> None:
    remote = LLMProfile(name="cloud", backend="openai", base_url="https://llm.example.com")
    local = LLMProfile(name="lan", backend="openai", base_url="http://192.168.1.20:11434")
    warning = privacy_warning(remote)
    assert warning is not None
    assert warning.warning
    assert "leaves" in warning.message
    assert privacy_warning(local) is None
