"""``web_research``: a prompt goes to Gemini with Google Search grounding; a markdown report with
the grounding sources' links comes back.

``POST {api_url}/v1beta/models/{model}:generateContent`` with the key in ``x-goog-api-key`` and the
``google_search`` tool. Traffic goes through the outbound guard (:mod:`integrations.egress`).
Irreversible: the prompt leaves the machine. 429 and 5xx are transient (the queue retries with
backoff, and queue policies such as a rate limit on ``service.gemini.web_research`` apply); a
rejected key or request is permanent and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from integrations.base import IntegrationContext, IntegrationError

if TYPE_CHECKING:  # httpx (~9 MiB) is imported when a research call is made, not by every process
    import httpx

DEFAULT_API_URL = "https://generativelanguage.googleapis.com"
DEFAULT_MODEL = "gemini-2.5-flash"
TIMEOUT_S, CONNECT_TIMEOUT_S = 120.0, 10.0
MAX_SOURCES = 20

# Test seam: a transport to use instead of the guarded one.
TRANSPORT: httpx.BaseTransport | None = None

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "model": {"type": "string", "minLength": 1, "description": f"default {DEFAULT_MODEL}"},
        "api_url": {"type": "string", "minLength": 1, "description": f"default {DEFAULT_API_URL}"},
    },
}
INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["prompt"],
    "properties": {"prompt": {"type": "string", "minLength": 1, "maxLength": 20000}},
}


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("message") or "") if isinstance(error, dict) else ""


def _report(body: Any) -> str:
    candidates = body.get("candidates") if isinstance(body, dict) else None
    if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
        reason = (body.get("promptFeedback") or {}).get("blockReason") if isinstance(body, dict) else None
        raise IntegrationError(
            f"Gemini returned no answer{f' (blocked: {reason})' if reason else ''}", permanent=True
        )
    first = candidates[0]
    parts = (first.get("content") or {}).get("parts") or []
    text = "".join(str(p.get("text") or "") for p in parts if isinstance(p, dict)).strip()
    if not text:
        raise IntegrationError(
            f"Gemini returned an empty answer ({first.get('finishReason')})", permanent=True
        )
    sources: list[tuple[str, str]] = []
    for chunk in ((first.get("groundingMetadata") or {}).get("groundingChunks")) or []:
        web = chunk.get("web") if isinstance(chunk, dict) else None
        if isinstance(web, dict) and isinstance(web.get("uri"), str):
            entry = (str(web.get("title") or web["uri"]), web["uri"])
            if entry not in sources:
                sources.append(entry)
    if not sources:
        return text
    links = "\n".join(f"- [{title.replace(']', ')')}]({uri})" for title, uri in sources[:MAX_SOURCES])
    return f"{text}\n\n## Sources\n\n{links}"


def web_research(ctx: IntegrationContext, inputs: Mapping[str, Any]) -> str:
    """``gemini.<name>.web_research``: the markdown report for ``inputs["prompt"]``."""
    key = str(ctx.secrets.get("api_key") or "")
    if not key:
        raise IntegrationError(f"{ctx.integration_id}: api_key is not set", permanent=True)
    api_url = str(ctx.settings.get("api_url") or DEFAULT_API_URL).rstrip("/")
    model = str(ctx.settings.get("model") or DEFAULT_MODEL)
    request = {"contents": [{"parts": [{"text": inputs["prompt"]}]}], "tools": [{"google_search": {}}]}
    url = f"{api_url}/v1beta/models/{quote(model, safe='')}:generateContent"
    import httpx

    from integrations.egress_http import guarded_transport

    timeout = httpx.Timeout(TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    with httpx.Client(transport=TRANSPORT or guarded_transport(), timeout=timeout) as client:
        try:
            response = client.post(url, json=request, headers={"x-goog-api-key": key})
        except httpx.TransportError as exc:
            raise IntegrationError(f"cannot reach Gemini at {api_url}: {exc}") from None
    if response.status_code == 429 or response.status_code >= 500:
        raise IntegrationError(f"Gemini answered HTTP {response.status_code}; will retry")
    if response.status_code in (401, 403):
        raise IntegrationError(
            f"Gemini rejected the api_key of {ctx.integration_id} ({response.status_code} "
            f"{_error_message(response)}): set a valid key",
            permanent=True,
        )
    if response.status_code != 200:
        raise IntegrationError(
            f"Gemini refused the request ({response.status_code} {_error_message(response)})", permanent=True
        )
    try:
        body = response.json()
    except ValueError:
        raise IntegrationError("Gemini's answer is not JSON", permanent=True) from None
    return _report(body)
