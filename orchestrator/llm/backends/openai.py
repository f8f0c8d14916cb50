"""Any OpenAI-compatible chat-completions server: Ollama, llama.cpp's and llama-cpp-python's servers,
vLLM, LM Studio, OpenAI itself.

Structured output follows the profile's ``structured_output``. ``auto`` tries, in order,
``response_format: json_schema`` (Ollama, vLLM, OpenAI), ``json_object`` with a ``schema``
(llama.cpp's and llama-cpp-python's servers) and finally the schema written into the prompt,
moving on when the server refuses a ``response_format`` — and remembers per profile what worked.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import TYPE_CHECKING, Any

import httpx

from orchestrator.llm import prompts, transport
from orchestrator.llm.backends.base import Completion, CompletionRequest, merged_options
from orchestrator.llm.errors import LLMConfigError, LLMRejected

if TYPE_CHECKING:
    from orchestrator.models import LLMProfile

logger = logging.getLogger(__name__)

AUTO_CHAIN = ("json_schema", "json_object", "prompt")
BODY_EXCERPT = 500

# What worked per (profile, server, model), so later calls skip the refused modes. Per process:
# relearning costs one refused request after a worker restarts.
_learned_modes: dict[tuple[int | None, str, str], str] = {}
_learned_lock = threading.Lock()


class _FormatRefused(Exception):
    def __init__(self, mode: str, status: int, body: str) -> None:
        super().__init__(f"HTTP {status} refusing response_format {mode}: {body[:BODY_EXCERPT]}")
        self.mode, self.status, self.body = mode, status, body


def chat_completions_url(base_url: str) -> str:
    """``{base}/v1/chat/completions`` whether or not *base_url* already ends in ``/v1``."""
    base = base_url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise LLMConfigError(f"base_url {base_url!r} must start with http:// or https://")
    if base.endswith("/v1"):
        base = base[: -len("/v1")]
    return f"{base}/v1/chat/completions"


def forget_learned_modes() -> None:
    with _learned_lock:
        _learned_modes.clear()


def _mentions_response_format(response: httpx.Response) -> bool:
    text = response.text.lower()
    return "response_format" in text or "json_schema" in text


class OpenAIBackend:
    def __init__(self, profile: LLMProfile) -> None:
        self.profile = profile
        self.url = chat_completions_url(profile.base_url)
        self._learn_key = (profile.pk, self.url, profile.model)

    def describe(self) -> str:
        return f"{self.profile.model or '(server default model)'} at {self.url}"

    def complete(self, request: CompletionRequest) -> Completion:
        if request.schema is None:
            return self._send(request, "text")
        configured = self.profile.structured_output
        if configured != "auto":
            try:
                return self._send(request, configured)
            except _FormatRefused as exc:
                raise LLMRejected(
                    f"{self.url} does not accept structured_output={configured} ({exc}); "
                    "set the profile's structured_output to auto or prompt",
                    status=exc.status,
                    body=exc.body[:BODY_EXCERPT],
                ) from None
        with _learned_lock:
            learned = _learned_modes.get(self._learn_key)
        chain = AUTO_CHAIN[AUTO_CHAIN.index(learned) :] if learned else AUTO_CHAIN
        for mode in chain:
            try:
                completion = self._send(request, mode)
            except _FormatRefused as exc:
                logger.info("%s refused structured output %s; falling back", self.url, exc.mode)
                continue
            if mode != learned:
                with _learned_lock:
                    _learned_modes[self._learn_key] = mode
            return completion
        raise AssertionError("the prompt mode sends no response_format and cannot be refused")

    def _body(self, request: CompletionRequest, mode: str) -> dict[str, Any]:
        body = merged_options(self.profile.parameters, request.options)
        messages = request.messages
        schema = request.schema
        if mode == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reply", "schema": schema},
            }
        elif mode == "json_object":
            body["response_format"] = {"type": "json_object", "schema": schema}
        elif mode == "prompt" and schema is not None:
            messages = prompts.with_schema_in_prompt(messages, schema)
        body["messages"] = messages
        body["stream"] = False
        if self.profile.model:
            body["model"] = self.profile.model
        return body

    def _send(self, request: CompletionRequest, mode: str) -> Completion:
        headers = {"Accept": "application/json"}
        if self.profile.token:
            headers["Authorization"] = f"Bearer {self.profile.token}"
        sends_format = mode in {"json_schema", "json_object"}
        response = transport.post_json(
            self.url,
            self._body(request, mode),
            headers=headers,
            timeout_s=request.timeout_s,
            deadline=request.deadline,
            # llama-cpp-python's server answers an unknown response_format with a 500 that names it.
            is_final=lambda r: sends_format and _mentions_response_format(r),
        )
        if response.is_success:
            return self._completion(response, mode)
        status, text = response.status_code, response.text
        if sends_format and (status in {400, 422} or status >= 500) and _mentions_response_format(response):
            raise _FormatRefused(mode, status, text)
        hint = {
            401: "check the profile's token",
            403: "check the profile's token",
            404: "check base_url and the model name",
        }.get(status, "the request was refused")
        raise LLMRejected(
            f"{self.url} answered HTTP {status} ({hint}): {text[:BODY_EXCERPT]}", status=status, body=text
        )

    def _completion(self, response: httpx.Response, mode: str) -> Completion:
        try:
            data = response.json()
            message = data["choices"][0]["message"]
        except (json.JSONDecodeError, KeyError, IndexError, TypeError):
            raise LLMRejected(
                f"{self.url} did not answer like an OpenAI-compatible server: {response.text[:200]!r}",
                status=response.status_code,
            ) from None
        usage = data.get("usage") or {}
        return Completion(
            text=message.get("content") or "",
            model=str(data.get("model") or self.profile.model),
            mode=mode,
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
        )
