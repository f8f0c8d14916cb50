"""One HTTP client per task for the GitHub REST API: headers, auth, retries, pagination, errors.

Every request carries ``Accept: application/vnd.github+json`` (or the diff media type),
``X-GitHub-Api-Version`` and ``Authorization: Bearer <token>`` — a personal access token, or an
App installation token (:mod:`integrations.github.auth`). Traffic goes through the outbound guard
(:mod:`integrations.egress`), so a loopback or private ``api_url`` needs ``STEWARD_OUTBOUND_ALLOW``.

Retries: only 5xx, 429, rate limits and dropped connections, at most :data:`MAX_ATTEMPTS` tries —
and a 5xx or a connection lost mid-request only for idempotent requests: a comment or a new issue
GitHub may already have made is never sent twice (the error says to check first).
A primary rate limit (``X-RateLimit-Remaining: 0``) waits for ``X-RateLimit-Reset``, a secondary one
for ``Retry-After``, anything else backs off exponentially; a wait longer than :data:`MAX_WAIT_S`
goes back to the queue (``IntegrationError.retry_after_s``) instead of holding a worker. 401, 404
and 422 are never retried; every error names what was asked for and what to do.
Search results are paged by following ``Link: rel="next"``, never by assuming a page size.
"""

from __future__ import annotations

import json
import logging
import re
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypedDict
from urllib.parse import urlsplit

import httpx
from typing_extensions import Unpack

from integrations.base import IntegrationContext, IntegrationError
from integrations.egress_http import guarded_transport
from integrations.github import auth
from integrations.github.config import API_VERSION, GithubSettings, context_settings

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
MAX_WAIT_S = 60.0
BACKOFF_S = 1.0
MAX_PAGES = 10  # GitHub's search stops at 1,000 results: 10 pages of 100
MAX_JSON_BYTES = 20_000_000
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
JSON_MEDIA = "application/vnd.github+json"
DIFF_MEDIA = "application/vnd.github.diff"
USER_AGENT = "Steward"
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')

# Test seams: a transport to use instead of the guarded one (an httpx.MockTransport), and the sleep.
TRANSPORT: httpx.BaseTransport | None = None
sleep: Callable[[float], None] = time.sleep


class SendOptions(TypedDict, total=False):
    """What a request may say besides method, URL and *what*; the defaults are ``_send``'s."""

    params: Mapping[str, Any] | None
    body: Any
    accept: str
    max_bytes: int
    idempotent: bool | None


@dataclass(frozen=True)
class Reply:
    """A finished response: status, headers, the body (cut at the caller's limit) and whether it was cut."""

    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool = False

    def json(self, what: str) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise IntegrationError(f"GitHub's answer to {what} is not JSON", permanent=True) from None

    @property
    def next_url(self) -> str | None:
        match = _NEXT.search(self.headers.get("link", ""))
        return match.group(1) if match else None


def _message(reply: Reply) -> str:
    try:
        body = json.loads(reply.body)
    except ValueError:
        return reply.body[:200].decode("utf-8", "replace").strip()
    if not isinstance(body, dict):
        return ""
    message = str(body.get("message") or "")
    details = [
        str(e.get("message") or f"{e.get('field')} {e.get('code')}")
        for e in body.get("errors") or []
        if isinstance(e, dict)
    ]
    return f"{message}: {'; '.join(details)}" if details else message


def _seconds(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def backoff(attempt: int) -> float:
    return BACKOFF_S * 2 ** (attempt - 1)


def _failure(reply: Reply, what: str, attempt: int) -> tuple[float | None, IntegrationError]:
    """(seconds to wait before retrying, or None when retrying cannot help; the error to raise)."""
    status, message = reply.status, _message(reply)
    said = f" ({status} {message})" if message else f" ({status})"
    if status == 401:
        return None, IntegrationError(
            f"GitHub rejected the token{said} while asking for {what}: it was revoked or has "
            "expired, or the App's credentials are wrong; set new credentials",
            permanent=True,
        )
    if status in (403, 429):
        if reply.headers.get("x-ratelimit-remaining") == "0":
            reset = _seconds(reply.headers.get("x-ratelimit-reset"))
            wait = max(reset - auth.now(), 1.0) if reset is not None else backoff(attempt) * 30
            return wait, IntegrationError(f"GitHub's rate limit is used up{said} for {what}")
        retry_after = _seconds(reply.headers.get("retry-after"))
        if retry_after is not None:
            return retry_after, IntegrationError(f"GitHub's secondary rate limit{said} for {what}")
        if status == 429 or "rate limit" in message.lower() or "abuse" in message.lower():
            return backoff(attempt), IntegrationError(f"GitHub's secondary rate limit{said} for {what}")
        if "not accessible by integration" in message.lower():
            return None, IntegrationError(
                f"the GitHub App may not access {what}{said}: install the App on that repository "
                "or grant it the permission (docs/GITHUB.md)",
                permanent=True,
            )
        return None, IntegrationError(f"GitHub refused {what}{said}", permanent=True)
    if status == 404:
        return None, IntegrationError(
            f"{what}: not found{said}: check the name, or give the credentials access to it",
            permanent=True,
        )
    if status == 422:
        return None, IntegrationError(f"GitHub rejected {what}{said}", permanent=True)
    if status >= 500:
        return backoff(attempt), IntegrationError(f"GitHub answered HTTP {status} for {what}; will retry")
    return None, IntegrationError(f"GitHub refused {what}{said}", permanent=True)


def _maybe_done(what: str, happened: str) -> IntegrationError:
    """A request that is not safe to repeat failed after it may have reached GitHub."""
    return IntegrationError(
        f"{happened} for {what}, which GitHub may have carried out already: check on GitHub before "
        "doing it again (it is not retried, so it cannot happen twice)",
        permanent=True,
    )


class GithubClient:
    """The REST client of one task (use it as a context manager, so its connections close)."""

    def __init__(self, settings: GithubSettings, *, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.origin = urlsplit(settings.api_url)
        self.rate_limit: dict[str, str] = {}
        self._http = httpx.Client(
            base_url=settings.api_url,
            headers={"Accept": JSON_MEDIA, "X-GitHub-Api-Version": API_VERSION, "User-Agent": USER_AGENT},
            transport=transport or TRANSPORT or guarded_transport(),
            timeout=TIMEOUT,
            follow_redirects=False,
        )

    def __enter__(self) -> GithubClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- auth -------------------------------------------------------------------------------------

    def _token(self) -> str:
        if not self.settings.uses_app:
            return self.settings.token
        return auth.cached_token(self.settings) or self._installation_token()

    def _installation_token(self) -> str:
        installation = self.settings.installation_id
        what = f"an access token for App installation {installation}"
        reply = self._send(
            "POST",
            f"/app/installations/{installation}/access_tokens",
            what=what,
            bearer=auth.app_jwt(self.settings),
            idempotent=True,  # a second token is harmless
        )
        body = reply.json(what)
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise IntegrationError(f"GitHub's answer to {what} has no token", permanent=True)
        auth.remember_token(self.settings, token, str(body.get("expires_at") or ""))
        return token

    # -- requests ---------------------------------------------------------------------------------

    def request(self, method: str, url: str, *, what: str, **options: Unpack[SendOptions]) -> Reply:
        """One API call with the retry policy; a failure is an :class:`IntegrationError` naming *what*.

        *idempotent* defaults to true for GET, PUT and DELETE; pass it for a POST that may be repeated
        harmlessly (adding a label).
        """
        try:
            return self._send(method, url, what=what, bearer=self._token(), **options)
        except IntegrationError as exc:
            if self.settings.uses_app and "rejected the token" in str(exc):
                auth.forget_token(self.settings)  # revoked: the next task asks for a new one
            raise

    def json(self, method: str, url: str, *, what: str, **options: Unpack[SendOptions]) -> Any:
        return self.request(method, url, what=what, **options).json(what)

    def _send(
        self,
        method: str,
        url: str,
        *,
        what: str,
        bearer: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        accept: str = JSON_MEDIA,
        max_bytes: int = MAX_JSON_BYTES,
        idempotent: bool | None = None,
    ) -> Reply:
        self._same_origin(url, what)
        repeatable = idempotent if idempotent is not None else method in ("GET", "HEAD", "PUT", "DELETE")
        headers = {"Authorization": f"Bearer {bearer}", "Accept": accept}
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                reply = self._exchange(method, url, headers, params, body, max_bytes)
            except httpx.TransportError as exc:
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if not (unsent or repeatable):
                    raise _maybe_done(what, f"the connection broke ({exc})") from None
                wait: float | None = backoff(attempt)
                error = IntegrationError(f"cannot reach GitHub at {self.settings.api_url} for {what}: {exc}")
            else:
                self._note_rate_limit(reply)
                if 200 <= reply.status < 300:
                    return reply
                if reply.status >= 500 and not repeatable:
                    raise _maybe_done(what, f"GitHub answered HTTP {reply.status}")
                wait, error = _failure(reply, what, attempt)
            if wait is None:
                raise error
            if attempt == MAX_ATTEMPTS or wait > MAX_WAIT_S:
                raise IntegrationError(
                    f"{error} (gave up after {attempt} attempt(s))",
                    retry_after_s=wait if wait > MAX_WAIT_S else None,
                )
            logger.info("%s; retrying in %.1f s (attempt %d of %d)", error, wait, attempt, MAX_ATTEMPTS)
            sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        params: Mapping[str, Any] | None,
        body: Any,
        max_bytes: int,
    ) -> Reply:
        request = self._http.build_request(method, url, headers=headers, params=params, json=body)
        response = self._http.send(request, stream=True)
        try:
            chunks, size, truncated = [], 0, False
            for chunk in response.iter_bytes():
                if size + len(chunk) > max_bytes:
                    chunks.append(chunk[: max_bytes - size])
                    truncated = True
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            response.close()
        return Reply(response.status_code, response.headers, b"".join(chunks), truncated)

    def _same_origin(self, url: str, what: str) -> None:
        """Never send the token anywhere but ``api_url`` (a ``Link`` header could name any host)."""
        parts = urlsplit(url)
        if parts.scheme and (parts.scheme, parts.netloc) != (self.origin.scheme, self.origin.netloc):
            raise IntegrationError(
                f"GitHub's answer to {what} points to {parts.scheme}://{parts.netloc}, not "
                f"{self.settings.api_url}; refusing to send the token there",
                permanent=True,
            )

    def _note_rate_limit(self, reply: Reply) -> None:
        found = {
            k: reply.headers[k] for k in ("x-ratelimit-remaining", "x-ratelimit-limit") if k in reply.headers
        }
        if found:
            self.rate_limit = found

    # -- search -----------------------------------------------------------------------------------

    def search_issues(self, query: str, *, what: str, limit: int) -> Iterator[Any]:
        """The items of ``GET /search/issues?q=…``, page after page by ``Link: rel="next"``."""
        url: str | None = "/search/issues"
        params: Mapping[str, Any] | None = {"q": query, "per_page": 100}
        yielded = 0
        for page in range(1, MAX_PAGES + 1):
            if url is None or yielded >= limit:
                return
            page_what = f"{what} (search page {page})"
            reply = self.request("GET", url, what=page_what, params=params)
            body = reply.json(page_what)
            items = body.get("items") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise IntegrationError(f"GitHub's answer to {page_what} has no items list", permanent=True)
            if body.get("incomplete_results"):
                logger.warning("%s: GitHub says the results are incomplete (its search timed out)", page_what)
            for found in items[: limit - yielded]:
                yielded += 1
                yield found
            url, params = reply.next_url, None  # the next URL carries the query itself


_task_clients: dict[int, GithubClient] = {}


def _discard(key: int) -> None:
    found = _task_clients.pop(key, None)
    if found is not None:
        found.close()


def task_client(ctx: IntegrationContext) -> GithubClient:
    """The client shared by every action one act task runs (one connection pool per task).

    The act stage hands each action of a batch the same context object; the client is keyed on it
    and closed when that object is garbage-collected, at the end of the task.
    """
    key = id(ctx)
    found = _task_clients.get(key)
    if found is not None:
        return found
    made = GithubClient(context_settings(ctx))
    try:
        weakref.finalize(ctx, _discard, key)
    except TypeError:  # not weak-referenceable: closed when this client is collected
        return made
    _task_clients[key] = made
    return made
