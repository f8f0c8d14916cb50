"""The service-only ``gemini`` integration type: ``web_research`` with Google Search grounding."""

from __future__ import annotations

from integrations.base import AdminHints, IntegrationType, ServiceSpec, by_name
from integrations.gemini import research

WEB_RESEARCH = ServiceSpec(
    name="web_research",
    run=research.web_research,
    input_schema=research.INPUT_SCHEMA,
    reversible=False,  # the prompt leaves the machine
    audit_template="Web research: {{ prompt }}",
)

INTEGRATION_TYPE = IntegrationType(
    type="gemini",
    description="Google Gemini: web research with source links (service-only)",
    settings_schema=research.SETTINGS_SCHEMA,
    secret_fields=("api_key",),
    services=by_name(WEB_RESEARCH),
    admin=AdminHints(
        help_text="An API key from Google AI Studio goes in the api_key box.",
        example_settings={"model": research.DEFAULT_MODEL},
    ),
)
