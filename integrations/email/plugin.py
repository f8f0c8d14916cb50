"""The ``email`` integration type (docs/EMAIL.md): platform ``inbox`` over IMAP or a local Maildir."""

from __future__ import annotations

from integrations.base import AdminHints, ClassificationSpec, DoctorCheck, IntegrationType, PlatformSpec
from integrations.email import actions, checks, collecting, config, discovery, observing

SNAPSHOT_FIELDS = frozenset(
    {
        "uid", "folder", "message_id", "fingerprint", "from_address", "from_name", "to_addresses",
        "cc_addresses", "reply_to", "subject", "date", "received_at", "domain", "root_domain",
        "authentication", "is_noreply", "is_auto_submitted", "is_reply", "is_forward", "is_read",
        "is_starred", "is_answered", "has_attachments", "is_calendar_event", "calendar",
        "is_unsubscribable", "unsubscribe_url", "list_id", "in_reply_to", "references", "size",
    }
)  # fmt: skip

INBOX = PlatformSpec(
    name="inbox",
    check=discovery.check,
    collect=collecting.collect,
    options_schema=config.OPTIONS_SCHEMA,
    default_classifications=(
        ClassificationSpec("human", "Is this a personal email written by a human (not automated)?"),
        ClassificationSpec("requires_response", "Does this email require a response from me?", "boolean"),
        ClassificationSpec(
            "priority", "What is the priority of this email?", "enum", ("low", "medium", "high", "critical")
        ),
        ClassificationSpec(
            "user_agreement_update", "Is this a terms-of-service or privacy-policy update?", "boolean"
        ),
    ),
    # Every snapshot field is parsed from the message by Steward, so conditions on them are
    # deterministic ("rule" provenance); only classification.* comes from the LLM.
    deterministic_sources=SNAPSHOT_FIELDS,
    volatile_fields=frozenset({"uid", "is_read", "is_starred", "is_answered", "folder"}),
    actions=actions.ACTIONS,
    llm_fields=("from", "name", "to", "subject", "date", "body"),  # see llm_input.build_llm_input
    observe=observing.observe,
)

INTEGRATION_TYPE = IntegrationType(
    type="email",
    description="Email over IMAP (verified TLS) or a local Maildir",
    settings_schema=config.SETTINGS_SCHEMA,
    secret_fields=("password",),
    platforms={"inbox": INBOX},
    checks=(DoctorCheck("connection", checks.connection_checks),),
    admin=AdminHints(
        help_text="IMAP with verified TLS (or source: maildir); the password goes in its own box below.",
        example_settings={
            "imap_server": "imap.example.com",
            "username": "me@example.com",
            "trusted_authserv_id": "mx.example.com",
        },
    ),
)
