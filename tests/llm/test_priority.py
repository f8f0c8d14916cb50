"""On the scored path ``priority`` is asked as "does it need an answer?" and mapped to low/medium."""

from __future__ import annotations

from orchestrator.llm import answers, priority
from orchestrator.llm.framing import frame
from tests.llm.fixture_emails import PRIORITY, questions_schema

SCHEMA = questions_schema({"priority": PRIORITY})


def test_the_model_is_asked_a_yes_no_question_for_priority() -> None:
    (asked,) = answers.questions(frame({"item": "Subject: lunch?"}), SCHEMA)

    assert asked.name == "priority"
    assert asked.options == ("yes", "no")
    assert priority.PROXY_QUESTION in asked.messages[-1]["content"]


def test_a_likely_answer_needed_is_medium_and_an_unlikely_one_low() -> None:
    (asked,) = answers.questions(frame({"item": "x"}), SCHEMA)
    needs = answers.values_from_scores("p-test", SCHEMA, [asked], {"priority": {"yes": 0.8, "no": 0.2}})
    idle = answers.values_from_scores("p-test", SCHEMA, [asked], {"priority": {"yes": 0.3, "no": 0.7}})

    assert needs["priority"] == "medium"
    assert idle["priority"] == "low"
    # The audit log shows the probability spread over the enum the user configured.
    assert needs.answers["priority"]["p"] == {"low": 0.2, "medium": 0.8, "high": 0.0, "critical": 0.0}


def test_an_enum_without_low_and_medium_is_still_scored_over_its_own_values() -> None:
    schema = questions_schema(
        {"priority": {"prompt": "how bad?", "type": "enum", "values": ["minor", "major"]}}
    )
    (asked,) = answers.questions(frame({"item": "x"}), schema)

    assert asked.options == ("minor", "major")


def test_a_decision_point_moves_the_answer_but_keeps_it_a_probability() -> None:
    schema = questions_schema(
        {"requires_response": {"prompt": "answer?", "type": "boolean"}, "priority": PRIORITY}
    )
    asked = answers.questions(frame({"item": "x"}), schema)
    scored = {"requires_response": {"yes": 0.6, "no": 0.4}, "priority": {"yes": 0.6, "no": 0.4}}

    plain = answers.values_from_scores("p-test", schema, asked, scored)
    strict = answers.values_from_scores(
        "p-test", schema, asked, scored, decide_at={"requires_response": 0.62}
    )

    assert (plain["requires_response"], plain["priority"]) == (True, "medium")
    # The bundled model says yes at 0.6 to nearly everything: below its decision point it is a no.
    assert (strict["requires_response"], strict["priority"]) == (False, "low")
    p_yes = strict.answers["requires_response"]["p"]["yes"]
    assert 0.45 < p_yes < 0.5


def test_the_bundled_model_says_documentation_only_only_when_it_is_very_sure() -> None:
    schema = questions_schema({"documentation_only": {"prompt": "only docs?", "type": "boolean"}})
    asked = answers.questions(frame({"item": "x"}), schema)
    decide_at = answers.DEFAULT_MODEL_DECIDE_AT

    def says(p_yes: float) -> object:
        scored = {"documentation_only": {"yes": p_yes, "no": 1 - p_yes}}
        return answers.values_from_scores("p-test", schema, asked, scored, decide_at=decide_at)[
            "documentation_only"
        ]

    # The 135M model gives 0.5-0.73 to pull requests that change code: those are a no.
    assert (says(0.6), says(0.72), says(0.9)) == (False, False, True)
