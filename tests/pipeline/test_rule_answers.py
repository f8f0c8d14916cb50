"""Headers that decide a question outright: machine-sent mail is neither personal nor awaiting a reply."""

from __future__ import annotations

from integrations.email.parsing import parse_message
from orchestrator.llm.evaluation import DEFAULT_CORPUS, demo_classifications
from orchestrator.pipeline.rule_answers import rule_answers


def message(sender: str, *extra_headers: str, subject: str = "Hello") -> bytes:
    lines = [
        f"From: {sender}",
        "To: sam@home.example",
        f"Subject: {subject}",
        "Date: Mon, 05 May 2025 09:00:00 +0000",
        "Message-ID: <m1@example.org>",
        *extra_headers,
        "",
        "Hi Sam, are you free on Saturday?",
        "",
    ]
    return "\r\n".join(lines).encode()


def decided(raw: bytes) -> dict[str, tuple[object, str]]:
    snapshot = parse_message(raw, uid=None).snapshot
    return {name: (a.value, a.rule) for name, a in rule_answers(demo_classifications(), snapshot).items()}


def test_an_auto_submitted_message_is_not_personal_and_needs_no_answer() -> None:
    raw = message("Out of office <maria@mail.example>", "Auto-Submitted: auto-replied")

    assert parse_message(raw, uid=None).snapshot["is_auto_submitted"] is True
    answers = decided(raw)
    assert answers["human"] == (0.0, "Auto-Submitted or Precedence: bulk header")
    assert answers["requires_response"] == (False, "Auto-Submitted or Precedence: bulk header")


def test_precedence_bulk_counts_as_machine_sent_but_a_list_post_and_auto_submitted_no_do_not() -> None:
    bulk = message("Club <club@run.example>", "Precedence: bulk")
    list_post = message("Kai Tanaka <kai@dev.example>", "Precedence: list", "List-Id: <users.lists.example>")
    explicit_no = message("Maria <maria@mail.example>", "Auto-Submitted: no")

    assert decided(bulk)["human"][0] == 0.0
    assert parse_message(list_post, uid=None).snapshot["is_auto_submitted"] is False
    assert "human" not in decided(list_post)  # people post to lists: the model reads it
    assert parse_message(explicit_no, uid=None).snapshot["is_auto_submitted"] is False
    assert "human" not in decided(explicit_no)


def test_a_notification_sender_address_is_not_a_person() -> None:
    for sender in (
        "billing@streamflix.example",
        "Receipts <receipts@cafe.example>",
        "notifications+x@gh.example",
    ):
        answers = decided(message(sender))
        assert answers["human"] == (0.0, "notification sender address"), sender
        assert answers["requires_response"] == (False, "notification sender address"), sender
        assert "priority" not in answers  # a failed payment from billing@ can still be urgent


def test_people_answering_from_shared_mailboxes_are_left_to_the_model() -> None:
    for sender in ("Hannah <support@cloudbox.example>", "Marco <help@shop.example>", "info@bakery.example"):
        answers = decided(message(sender))
        assert "human" not in answers, sender
        assert "requires_response" not in answers, sender


def corpus(name: str) -> dict[str, tuple[object, str]]:
    return decided((DEFAULT_CORPUS / name).read_bytes())


def test_an_invitation_awaiting_my_answer_needs_a_response_this_week_and_a_cancellation_none() -> None:
    invite = corpus("046-calendar-invite-planning.eml")  # a colleague's REQUEST, me NEEDS-ACTION
    assert invite["requires_response"] == (True, "invitation awaiting my answer")
    assert invite["priority"] == ("medium", "invitation awaiting my answer")
    assert "human" not in invite  # people send invitations, and so do booking systems

    assert corpus("048-calendar-cancel.eml")["requires_response"] == (False, "calendar cancel")
    # A booking system's invitation is automated mail first: no RSVP rule, no priority.
    dentist = corpus("047-calendar-invite-dentist.eml")
    assert dentist["requires_response"] == (False, "notification sender address")
    assert "priority" not in dentist
