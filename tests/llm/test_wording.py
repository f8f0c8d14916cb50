"""Questions the item's wording decides before the scoring model is asked."""

from __future__ import annotations

from typing import Any

from integrations.email.parsing import parse_message
from orchestrator.llm.evaluation import DEFAULT_CORPUS, demo_classifications
from orchestrator.llm.wording import wording_answers
from orchestrator.rules.classifications import reply_schema

SCHEMA: dict[str, Any] = reply_schema(demo_classifications())


def answers_for(file_name: str) -> dict[str, Any]:
    parsed = parse_message((DEFAULT_CORPUS / file_name).read_bytes(), uid=None)
    return {name: found.value for name, found in wording_answers(SCHEMA, parsed.llm_input).items()}


def test_a_terms_update_says_so_in_any_language_and_a_newsletter_does_not() -> None:
    for name in (
        "070-terms-update.eml",
        "072-terms-de.eml",
        "076-privacy-es.eml",
        "077-terms-cookie-notice.eml",
    ):
        assert answers_for(name)["user_agreement_update"] is True, name
    # A product newsletter with a privacy-policy link in its footer is no terms update.
    assert answers_for("012-newsletter-product-update.eml")["user_agreement_update"] is False
    assert answers_for("013-personal-dinner.eml")["user_agreement_update"] is False


def test_a_message_that_says_it_is_automatic_wants_no_reply_and_the_rest_is_left_to_the_model() -> None:
    automatic = answers_for("079-support-auto-ack.eml")
    assert (automatic["human"], automatic["requires_response"]) == (0.0, False)
    personal = answers_for("014-personal-photos.eml")  # "here are the photos": no question
    assert "human" not in personal
    assert "requires_response" not in personal
    assert "priority" not in personal


def test_a_question_in_the_first_lines_wants_an_answer_this_week() -> None:
    for name in ("013-personal-dinner.eml", "019-personal-ja.eml", "029-work-review-request.eml"):
        asked = answers_for(name)  # English, a full-width "？", a colleague's review request
        assert (asked["requires_response"], asked["priority"]) == (True, "medium"), name
    assert "human" not in answers_for("013-personal-dinner.eml")  # a question says nothing of who wrote it


def test_a_question_mark_in_a_link_or_a_quoted_message_is_no_question() -> None:
    text = (
        "Subject: Re: plans\nBody:\nSounds good, see you then.\nhttps://maps.example/?q=cafe\n"
        "> Are you free on Friday?\n"
    )
    assert set(wording_answers(SCHEMA, text)) == {"user_agreement_update"}


def test_only_the_known_names_are_decided() -> None:
    schema = {"type": "object", "properties": {"legal": {"type": "boolean", "description": "terms?"}}}
    assert wording_answers(schema, "Subject: New Terms of Service\nBody:\nupdated") == {}
