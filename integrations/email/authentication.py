"""SPF/DKIM/DMARC verdicts from ``Authentication-Results`` headers (RFC 8601) we can trust.

Anyone can write an ``Authentication-Results`` header into a message before sending it. Only the
headers added by *your* receiving server mean anything: those whose authserv-id is the configured
``trusted_authserv_id``, or — when that is unset — the authserv-id of the topmost such header
(the last server to add one, normally your own). Headers with any other authserv-id are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message

from integrations.email import headers

METHODS = ("spf", "dkim", "dmarc")
_RESULT = re.compile(r"^\s*([a-z0-9_.-]+)(?:/[0-9]+)?\s*=\s*([a-z0-9_-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class AuthResults:
    """One header: its authserv-id (``None`` when it has none) and ``method -> [results]``."""

    authserv_id: str | None
    results: dict[str, list[str]] = field(default_factory=dict)


def _strip_comments(text: str) -> str:
    """Remove (possibly nested) RFC 5322 comments, leaving quoted strings alone."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            out.append(ch)
            quoted = ch != '"'
            continue
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            quoted = ch == '"'
            out.append(ch)
    return "".join(out)


def _split(text: str) -> list[str]:
    """Split on ``;`` outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def parse_header(value: str) -> AuthResults:
    """One ``Authentication-Results`` value; a first part with ``=`` means no authserv-id."""
    parts = _split(_strip_comments(value))
    head = parts[0].strip()
    authserv_id: str | None = None
    rest = parts[1:]
    if head and "=" not in head:
        authserv_id = head.split()[0].lower()  # an optional version number may follow
    else:
        rest = parts
    results: dict[str, list[str]] = {}
    for part in rest:
        # Several method=result pairs may share a part when a sender omitted a ';'.
        for chunk in re.split(r"\s+(?=[a-z0-9_.-]+(?:/[0-9]+)?\s*=\s*[a-z])", part.strip(), flags=re.I):
            match = _RESULT.match(chunk)
            if match and "." not in match.group(1):  # "smtp.mailfrom=x" is a property, not a method
                results.setdefault(match.group(1).lower(), []).append(match.group(2).lower())
    return AuthResults(authserv_id=authserv_id, results=results)


def trusted_results(msg: Message, trusted_authserv_id: str | None) -> list[AuthResults]:
    """The headers that count: the trusted id's, or the topmost header's id when none is set."""
    parsed = [parse_header(value) for value in headers.all_raw(msg, "Authentication-Results")]
    if trusted_authserv_id:
        trusted = trusted_authserv_id.strip().lower()
    else:
        topmost = next((p.authserv_id for p in parsed if p.authserv_id), None)
        if topmost is None:
            return []
        trusted = topmost
    return [p for p in parsed if p.authserv_id == trusted]


def verdicts(msg: Message, trusted_authserv_id: str | None) -> dict[str, bool]:
    """``{spf_pass, dkim_pass, dmarc_pass}`` from the trusted headers.

    Per method, the topmost trusted header that reports it decides (the latest verdict: a list
    server that re-checks DKIM after modifying a message adds a newer ``dkim=fail`` above its own
    earlier ``dkim=pass``); within that header, any ``pass`` counts (several DKIM signatures).
    """
    passed = {method: False for method in METHODS}
    decided: set[str] = set()
    for header in trusted_results(msg, trusted_authserv_id):
        for method in METHODS:
            if method in decided or method not in header.results:
                continue
            decided.add(method)
            passed[method] = "pass" in header.results[method]
    return {f"{method}_pass": value for method, value in passed.items()}
