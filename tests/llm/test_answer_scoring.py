"""The embedded model scores the allowed answers of each question instead of generating JSON."""

from __future__ import annotations

import time

import pytest

from orchestrator import llm
from orchestrator.llm import answers, prompts
from orchestrator.llm.backends import embedded, scoring
from orchestrator.llm.backends.base import ScoreRequest
from orchestrator.models import LLMCall, LLMProfile
from tests.llm.fixture_emails import PRIORITY, questions_schema

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PERSONAL = (
    "From: maria.gomez@mail.example\nName: Maria Gomez\nTo: sam@home.example\n"
    "Subject: Dinner on Saturday?\nDate: 2025-05-05\nBody:\nHi Sam,\n\nWe're having a few friends "
    "over on Saturday around 7. Would you and Chris like to come? Let me know by Thursday.\n\nMaria"
)
TERMS = (
    "From: no-reply@cloudbox.example\nName: Cloudbox\nTo: sam@home.example\n"
    "Subject: We're updating our Terms of Service and Privacy Policy\nDate: 2025-05-05\nBody:\n"
    "We're updating our Terms of Service and Privacy Policy, effective 1 June 2025. By continuing "
    "to use Cloudbox after 1 June you accept the new terms of service. Read the new terms of service."
)
HUMAN = "is this a personal email written by a human?"
SCHEMA = questions_schema(
    {"human": {"prompt": HUMAN, "type": "boolean"}, "person": HUMAN, "priority": PRIORITY}
)


@pytest.fixture
def profile() -> LLMProfile:
    return LLMProfile.objects.create(name="local", backend="embedded")


def test_confidence_varies_with_the_content_and_a_boolean_flips(
    profile: LLMProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The framing salt is random per prompt; fixed here so that only the content differs.
    monkeypatch.setattr("orchestrator.llm.framing.secrets.token_hex", lambda n: "5a17" * (n // 2))
    personal = llm.classify(profile, PERSONAL, SCHEMA)
    terms = llm.classify(profile, TERMS, SCHEMA)

    assert personal["person"] != terms["person"]  # a probability, not a constant
    assert personal["person"] > terms["person"]
    assert (personal["human"], terms["human"]) == (True, False)
    assert personal.answers["human"]["p"]["yes"] == pytest.approx(personal["person"], abs=0.001)
    assert {call.structured_mode for call in LLMCall.objects.all()} == {"scores"}


def test_each_question_costs_only_its_own_tokens_after_the_first(profile: LLMProfile) -> None:
    backend = embedded.EmbeddedBackend(profile)
    asked = answers.questions(answers.score_input(PERSONAL), SCHEMA)
    scores = backend.score(ScoreRequest(asked, 60, time.monotonic() + 60))
    model = embedded.loaded_model(embedded.model_path(profile))
    whole = [len(scoring.prompt_tokens(model, q.messages)) for q in asked]

    assert scores.prompt_tokens is not None
    assert scores.prompt_tokens < whole[0] + 2 * 40  # the framed email is evaluated once
    for name in SCHEMA["properties"]:
        assert sum(scores.probabilities[name].values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "Subject: report\nBody:\n" + "Quarterly numbers are attached. " * 20_000, id="longer-than-context"
        ),
        pytest.param("Subject: scan\nBody:\n" + bytes(range(256)).decode("latin-1") * 40, id="binary-only"),
        pytest.param("Subject: \nBody:\n", id="empty-body"),
        pytest.param("Subject: ᠰᠠᠢᠨ\nBody:\n" + "ᠰᠠᠢᠨ ᠪᠠᠢᠨ᠎ᠠ ᠤᠤ᠃ " * 200, id="unknown-language"),
    ],
)
def test_bad_input_gets_a_bounded_prompt_and_an_answer(profile: LLMProfile, text: str) -> None:
    started = time.monotonic()
    result = llm.classify(profile, text, SCHEMA)

    assert time.monotonic() - started < profile.timeout_s  # answered, never hung
    assert set(result) == set(SCHEMA["properties"])
    assert 0 <= result["person"] <= 1
    call = LLMCall.objects.get()
    assert call.outcome == "ok"
    # The item is cut to SCORE_INPUT_BYTES whatever its script: at most a token per byte, plus the
    # worked examples and questions (and, for the first call in a process, the calibration).
    assert call.prompt_tokens is not None
    assert call.prompt_tokens < 2 * prompts.SCORE_INPUT_BYTES + 1_000
