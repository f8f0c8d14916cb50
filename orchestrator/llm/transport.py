"""HTTP to a model server: per-request timeout, overall deadline, bounded backoff (docs/LLM.md).

Connection errors, timeouts, 429 and 5xx are retried with exponential backoff and jitter while the
deadline allows; any other 4xx is returned at once (the caller decides: structured-output fallback
or a permanent error). The caller may also mark a response as final (``is_final``) so that a 5xx it
understands, such as a server refusing ``response_format``, is not retried.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from orchestrator.egress.ledger import egress_record
from orchestrator.llm.errors import LLMTimeout, LLMUnavailable

logger = logging.getLogger(__name__)

MAX_RETRIES = 4
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0
RETRY_AFTER_MAX_S = 30.0


def backoff_delay(retry: int) -> float:
    """Delay before retry number *retry* (1-based): 0.5 s, 1 s, 2 s … capped, with ±25 % jitter."""
    base = min(BACKOFF_BASE_S * 2 ** (retry - 1), BACKOFF_MAX_S)
    return base * random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not secrets


def _is_retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _retry_after(response: httpx.Response) -> float | None:
    try:
        value = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return min(max(value, 0.0), RETRY_AFTER_MAX_S)


_shared_lock = threading.Lock()
_shared: tuple[tuple[int, str | None, str | None], httpx.Client] | None = None


def _shared_client() -> httpx.Client:
    """This process's client, shared by its threads and kept between calls (httpx clients are
    thread-safe): building one loads the CA bundle (~60 ms of CPU here, more than an instant
    model's answer), and a classify batch starts fresh threads, so a client per thread cost that
    once per thread per batch. A kept client also reuses its keep-alive connections. A new one
    in a forked child (the parent's sockets are not its own) and when the CA environment changes
    (``SSL_CERT_FILE``/``SSL_CERT_DIR``)."""
    global _shared
    key = (os.getpid(), os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    with _shared_lock:
        kept = _shared
        if kept is not None and kept[0] == key and not kept[1].is_closed:
            return kept[1]
        if kept is not None and kept[0][0] == key[0]:
            kept[1].close()  # same process, new trust settings (never another process's sockets)
        client = httpx.Client()
        _shared = (key, client)
        return client


def post_json(
    url: str,
    body: dict[str, Any],
    *,
    headers: dict[str, str],
    timeout_s: float,
    deadline: float,
    is_final: Callable[[httpx.Response], bool] = lambda response: False,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """POST *body* and return the response that ended the exchange (2xx, or a non-retried error).

    Raises :class:`LLMTimeout` when the deadline passes and :class:`LLMUnavailable` when the
    retries run out on connection errors, 429 or 5xx.
    """
    http = client or _shared_client()
    last_problem = "no time left for a request"
    timed_out = True  # until a request fails some other way
    response_delay: float | None = None
    for retry in range(MAX_RETRIES + 1):
        if retry:
            delay = backoff_delay(retry)
            if response_delay is not None:
                delay = max(delay, response_delay)
            if time.monotonic() + delay >= deadline:
                break
            logger.info("LLM server %s: %s; retry %d in %.1fs", url, last_problem, retry, delay)
            time.sleep(delay)
        response_delay = None
        left = deadline - time.monotonic()
        if left <= 0:
            break
        request = http.build_request("POST", url, json=body, headers=headers, timeout=min(timeout_s, left))
        try:
            response = http.send(request)
        except httpx.TimeoutException as exc:
            if not isinstance(exc, httpx.ConnectTimeout):  # the prompt may have left: say so
                egress_record(url=url, bytes_sent=len(request.content))
            last_problem, timed_out = f"no answer within {min(timeout_s, left):.1f}s", True
            continue
        except httpx.TransportError as exc:
            last_problem, timed_out = f"cannot connect ({type(exc).__name__}: {exc})", False
            continue
        # Every request that reached the server is one egress row (the embedded model sends none).
        egress_record(
            url=url,
            bytes_sent=len(request.content),
            bytes_received=len(response.content),
            status=response.status_code,
        )
        if response.is_success or is_final(response) or not _is_retryable(response.status_code):
            return response
        last_problem, timed_out = f"HTTP {response.status_code}", False
        response_delay = _retry_after(response)
    if timed_out:
        raise LLMTimeout(f"LLM server {url} timed out: {last_problem}")
    raise LLMUnavailable(f"LLM server {url} unavailable after retries: {last_problem}")
