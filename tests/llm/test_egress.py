"""What left the machine: a classification against a loopback OpenAI-compatible server records one
egress row (fields by name, host, byte counts, never content), and a profile's redaction is applied
before the request — asserted on what the server received."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from integrations.email.parsing import parse_message
from orchestrator import llm
from orchestrator.egress.scope import egress_scope
from orchestrator.llm.errors import LLMConfigError
from orchestrator.models import AuditEntry, EgressRecord, LLMProfile
from tests.llm.conftest import EMAIL_DIR, FaultServer, Reply
from tests.pipeline.driving import _fresh_classifier, steward  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"human": {"type": "number", "minimum": 0, "maximum": 1, "description": "Human?"}},
    "required": ["human"],
    "additionalProperties": False,
}
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
FORWARDED = EMAIL_DIR / "forward_inline_marker_no_prefix.eml"


def _llm_input(path: Path) -> str:
    return parse_message(path.read_bytes(), uid=1).llm_input


def _profile(server: FaultServer, **fields: Any) -> LLMProfile:
    profile = LLMProfile(name="remote", backend="openai", base_url=server.base_url, model="m", **fields)
    profile.full_clean()
    profile.save()
    return profile


def _prompt(server: FaultServer) -> str:
    [seen] = server.requests
    return json.dumps(seen.body)


def test_a_classification_records_one_egress_row_with_fields_host_and_bytes(
    fault_server: FaultServer,
) -> None:
    fault_server.queue(Reply(content='{"human": 0.9}'))
    profile = _profile(fault_server)
    text = _llm_input(FORWARDED)

    with egress_scope(integration_id="email.personal"):
        assert llm.classify(profile, text, SCHEMA) == {"human": 0.9}

    [row] = EgressRecord.objects.all()
    sent = len(json.dumps(fault_server.requests[0].body, ensure_ascii=False, separators=(",", ":")).encode())
    assert row.destination == f"127.0.0.1:{fault_server.httpd.server_address[1]}"
    assert (row.purpose, row.llm_profile, row.integration_id, row.status) == (
        "classify",
        "remote",
        "email.personal",
        200,
    )
    assert row.fields == [
        "from[:22]",
        "name[:10]",
        "to[:16]",
        "subject[:22]",
        "date[:25]",
        f"body[:{len(text.split('Body:', 1)[1]) - 1}]",
    ]
    assert abs(row.bytes_sent - sent) <= 64  # httpx's JSON spacing may differ from ours by a little
    assert row.bytes_received > 0
    assert row.local is True
    assert "Okafor" not in json.dumps([row.fields, row.redactions])  # names, never content


def test_redact_emails_keeps_every_address_of_the_mail_off_the_wire(fault_server: FaultServer) -> None:
    fault_server.queue(Reply(content='{"human": 0.2}'))
    profile = _profile(fault_server, redact=["emails"])
    text = _llm_input(FORWARDED)
    addresses = set(ADDRESS.findall(text))
    assert {"sam.okafor@example.net", "alex@example.com", "permits@city.example"} <= addresses

    llm.classify(profile, text, SCHEMA)

    prompt = _prompt(fault_server)
    assert not [address for address in addresses if address in prompt]
    assert "[redacted emails]" in prompt
    assert EgressRecord.objects.get().redactions == {"emails": len(ADDRESS.findall(text))}


def test_send_fields_sends_only_the_named_fields(fault_server: FaultServer) -> None:
    fault_server.queue(Reply(content='{"human": 0.2}'))
    profile = _profile(
        fault_server, send_fields=["subject", "body"], redact=["emails", {"regex": "31 March"}]
    )

    llm.classify(profile, _llm_input(FORWARDED), SCHEMA)

    prompt = _prompt(fault_server)
    assert "Sam Okafor" not in prompt
    assert "Parking permit renewal" in prompt
    assert "31 March" not in prompt
    row = EgressRecord.objects.get()
    assert [name.split("[")[0] for name in row.fields] == ["subject", "body"]
    assert row.redactions == {"emails": 1, "custom_2": 1}


def test_unknown_redactions_and_fields_are_refused_at_save() -> None:
    profile = LLMProfile(name="bad", backend="openai", base_url="https://llm.example.com", model="m")
    profile.redact = ["emails", "passports", {"regex": "("}]
    profile.send_fields = ["subject", "ssn"]
    with pytest.raises(ValidationError) as refused:
        profile.full_clean()
    errors = refused.value.message_dict
    assert "unknown redaction 'passports'" in errors["redact"][0]
    assert "no platform has the field(s) ssn" in errors["send_fields"][0]
    assert "email/inbox: from, name, to, subject, date, body" in errors["send_fields"][0]


def test_a_bad_policy_stored_anyway_refuses_the_call_sends_nothing_and_is_audited(
    fault_server: FaultServer,
) -> None:
    profile = _profile(fault_server)
    LLMProfile.objects.filter(pk=profile.pk).update(redact=[{"regex": "["}])
    profile.refresh_from_db()

    with pytest.raises(LLMConfigError, match="does not compile"):
        llm.classify(profile, _llm_input(FORWARDED), SCHEMA)

    assert fault_server.requests == []
    assert not EgressRecord.objects.exists()
    assert "Refused an LLM call" in AuditEntry.objects.get().message


def test_the_embedded_model_records_nothing() -> None:
    from orchestrator.llm.backends.base import Completion

    class Local:
        def complete(self, request: Any) -> Completion:
            return Completion(text='{"human": 1}', model="local", mode="json_schema")

    profile = LLMProfile.objects.create(name="local", backend="embedded")
    from unittest import mock

    with mock.patch("orchestrator.llm.calls.get_backend", return_value=Local()):
        llm.classify(profile, _llm_input(FORWARDED), SCHEMA)
    assert not EgressRecord.objects.exists()


def test_the_classify_stage_records_one_row_per_item_naming_the_item_and_integration(
    fault_server: FaultServer,
    steward: Any,  # noqa: F811 - the fixture imported above
    settings: Any,
) -> None:
    from orchestrator.models import Item
    from tests.pipeline.driving import configure, run_pipeline

    settings.STEWARD_CLASSIFIER = "orchestrator.llm.classify"
    fault_server.responder = lambda body: Reply(content='{"interesting": 0.9}')
    LLMProfile.objects.filter(pk=steward.llm_id).update(base_url=fault_server.base_url)
    configure(
        steward,
        classifications={"interesting": "Is it interesting?"},
        automations=[{"when": {"classification.interesting": "> 0.5"}, "then": {"tag": "x"}}],
        options={"count": 2},
    )

    run_pipeline()

    rows = list(EgressRecord.objects.order_by("item_id"))
    assert [row.item_id for row in rows] == list(Item.objects.order_by("pk").values_list("pk", flat=True))
    assert {(row.integration_id, row.purpose, row.llm_profile) for row in rows} == {
        ("dummy.one", "classify", "default")
    }
    assert len(fault_server.requests) == len(rows) == 2


def test_a_base_url_without_a_host_is_refused_at_save() -> None:
    profile = LLMProfile(name="nowhere", backend="openai", base_url="http:///v1", model="m")
    with pytest.raises(ValidationError, match="names no host"):
        profile.full_clean()
