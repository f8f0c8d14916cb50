"""A fake GitHub REST API over the fixtures in ``tests/fixtures/github/``, for an httpx
``MockTransport`` or a real loopback HTTP server (:class:`LoopbackServer`).

It checks what a client must send — the API version, the media type, the bearer token, and for
the App flow a JWT whose RS256 signature verifies against the test App's public key and whose
claims are right — and records every request, every search query and every violation. It keeps the
labels, comments and created issues, so actions and undo can be checked from outside. ``faults``
queues responses (a 502, a 403 secondary rate limit …) served before the real answer of a route.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations.github import auth
from tests.support.loopback import LoopbackHTTPServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
API_VERSION = "2022-11-28"
TOKEN = "ghp_TestToken0123456789"
INSTALLATION_TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
RATE_HEADERS = {
    "X-RateLimit-Limit": "5000",
    "X-RateLimit-Remaining": "4990",
    "X-RateLimit-Reset": "1741086000",
}
BIG_DIFF_BYTES = 10 * 1024 * 1024


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class TestApp:
    """A GitHub App with a fresh RSA key pair (the private key as the PEM text a user pastes)."""

    __test__ = False  # not a pytest test class

    app_id: str = "123456"
    installation_id: str = "7890123"
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))

    @property
    def private_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()

    @property
    def secrets(self) -> dict[str, str]:
        return {
            "app_id": self.app_id,
            "installation_id": self.installation_id,
            "private_key": self.private_pem,
        }


def response(
    status: int, body: Any = None, *, headers: dict[str, str] | None = None, raw: bytes | None = None
) -> httpx.Response:
    content = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    all_headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-GitHub-Api-Version-Selected": API_VERSION,
    }
    all_headers |= RATE_HEADERS | (headers or {})
    return httpx.Response(status, content=content, headers=all_headers)


def error(status: int, name: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return response(status, fixture(f"errors/{name}.json"), headers=headers)


class FakeGithub:
    def __init__(self, *, app: TestApp | None = None, issue_search: str = "search_issues.json"):
        self.app = app
        self.issue_search = issue_search
        self.requests: list[httpx.Request] = []
        self.queries: list[str] = []
        self.violations: list[str] = []
        self.jwt_claims: list[dict[str, Any]] = []
        self.faults: dict[tuple[str, str], list[httpx.Response]] = defaultdict(list)
        self.hidden_repos: set[str] = set()
        self.forbidden_repos: set[str] = set()
        self.revoked = False
        self.missing_items: set[str] = set()
        self.closed: set[str] = set()  # keys left out of search results (closed or merged since)
        self.comments: list[tuple[str, str]] = []
        self.created: list[dict[str, Any]] = []
        self.labels: dict[str, list[str]] = {}
        self.updated: dict[str, str] = {}  # key → a newer updated_at for search results
        self.lock = threading.Lock()

    # -- what tests look at --------------------------------------------------------------------

    def paths(self, method: str = "GET") -> list[str]:
        return [r.url.path for r in self.requests if r.method == method]

    def item_gets(self) -> list[str]:
        return [p for p in self.paths() if re.match(r"^/repos/[^/]+/[^/]+/(pulls|issues)/\d+$", p)]

    def fail(self, method: str, path: str, *responses: httpx.Response) -> None:
        self.faults[(method, path)].extend(responses)

    # -- the transport -------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            problem = self._header_problem(request)
            if problem:
                self.violations.append(f"{request.method} {request.url.path}: {problem}")
                return response(400, {"message": f"test transport: {problem}"})
            queued = self.faults.get((request.method, request.url.path))
            if queued:
                return queued.pop(0)
            if request.url.path.startswith("/app/installations/"):
                return self._installation_token(request)
            auth = request.headers.get("authorization", "")
            expected = INSTALLATION_TOKEN if self.app else TOKEN
            if self.revoked or auth != f"Bearer {expected}":
                return error(401, "401_bad_credentials")
            return self._route(request)

    def _header_problem(self, request: httpx.Request) -> str:
        if request.headers.get("x-github-api-version") != API_VERSION:
            return f"X-GitHub-Api-Version is {request.headers.get('x-github-api-version')!r}"
        accept = request.headers.get("accept", "")
        if accept not in ("application/vnd.github+json", "application/vnd.github.diff"):
            return f"Accept is {accept!r}"
        if not request.headers.get("user-agent"):
            return "no User-Agent"
        return ""

    def _installation_token(self, request: httpx.Request) -> httpx.Response:
        if self.app is None or request.method != "POST":
            self.violations.append(f"unexpected {request.method} {request.url.path}")
            return error(404, "404_not_found")
        if request.url.path != f"/app/installations/{self.app.installation_id}/access_tokens":
            return error(404, "404_not_found")
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:  # the signature is checked by PyJWT; the times against the client's clock (tests move it)
            claims = jwt.decode(
                token,
                self.app.key.public_key(),
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            self.violations.append(f"JWT rejected: {exc}")
            return error(401, "401_bad_credentials")
        self.jwt_claims.append(claims)
        now = auth.now()
        fresh = claims["iat"] <= now < claims["exp"] and claims["exp"] - claims["iat"] <= 600
        if claims["iss"] != self.app.app_id or not fresh:
            self.violations.append(f"JWT claims wrong: {claims}")
            return error(401, "401_bad_credentials")
        expires = datetime.fromtimestamp(now + 3600, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return response(201, fixture("installation_token.json") | {"expires_at": expires} | self.token_fields)

    token_fields: dict[str, Any] = {}

    # -- routes --------------------------------------------------------------------------------

    def _route(self, request: httpx.Request) -> httpx.Response:
        path, method = unquote(request.url.path), request.method
        if method == "GET" and path == "/search/issues":
            return self._search(request)
        if method == "GET" and path == "/user":
            return response(200, fixture("user.json"), headers={"X-OAuth-Scopes": "repo"})
        if method == "GET" and path == "/rate_limit":
            return response(200, fixture("rate_limit.json"))
        if method == "GET" and path == "/installation/repositories":
            return response(200, {"total_count": 1, "repositories": [fixture("repo.json")]})
        match = re.match(r"^/repos/([^/]+/[^/]+)(.*)$", path)
        if not match:
            return self._unexpected(request)
        repo, rest = match.groups()
        if repo in self.hidden_repos:
            return error(404, "404_not_found")
        if repo in self.forbidden_repos:
            return error(403, "403_not_accessible", {"X-RateLimit-Remaining": "4996"})
        if method == "GET" and rest == "":
            return response(200, fixture("repo.json") | {"full_name": repo})
        if method == "POST" and rest == "/issues":
            return self._create_issue(repo, json.loads(request.content))
        item = re.match(r"^/(pulls|issues)/(\d+)(.*)$", rest)
        if not item:
            return self._unexpected(request)
        kind, number, tail = item.groups()
        key = f"{repo}#{number}"
        if key in self.missing_items:
            return error(404, "404_not_found")
        return self._item(request, kind, repo, int(number), key, tail)

    def _unexpected(self, request: httpx.Request) -> httpx.Response:
        self.violations.append(f"unexpected {request.method} {request.url.path}")
        return error(404, "404_not_found")

    def _search(self, request: httpx.Request) -> httpx.Response:
        query = request.url.params.get("q", "")
        page = request.url.params.get("page", "1")
        if page == "1":
            self.queries.append(query)
        if request.url.params.get("per_page") != "100":
            self.violations.append(f"search without per_page=100: {request.url}")
        if "is:pr" in query:
            pages = self._pull_pages(query)
        else:
            pages = self._issue_pages(query)
        index = int(page) - 1
        body = (
            pages[index]
            if index < len(pages)
            else {"total_count": 0, "incomplete_results": False, "items": []}
        )
        body = json.loads(json.dumps(body))
        body["items"] = [r for r in body.get("items", []) if self._key_of(r) not in self.closed]
        for result in body.get("items", []):
            key = self._key_of(result)
            if key in self.updated:
                result["updated_at"] = self.updated[key]
        headers = {"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "29"}
        if index + 1 < len(pages):
            base = f"{request.url.scheme}://{request.url.netloc.decode()}/search/issues"
            next_url = httpx.URL(base, params={"q": query, "per_page": "100", "page": str(index + 2)})
            last_url = httpx.URL(base, params={"q": query, "per_page": "100", "page": str(len(pages))})
            headers["Link"] = f'<{next_url}>; rel="next", <{last_url}>; rel="last"'
        return response(200, body, headers=headers)

    @staticmethod
    def _key_of(result: Any) -> str:
        url = str(result.get("url") or "") if isinstance(result, dict) else ""
        match = re.search(r"/repos/([^/]+/[^/]+)/issues/(\d+)", url)
        return f"{match.group(1)}#{match.group(2)}" if match else ""

    def _pull_pages(self, query: str) -> list[dict[str, Any]]:
        one, two = fixture("search_pulls_page1.json"), fixture("search_pulls_page2.json")
        if "assignee:" in query:
            return [one, two]
        if "review-requested:" in query:
            return [{"total_count": 1, "incomplete_results": False, "items": [one["items"][1]]}]
        if "mentions:" in query:
            return [{"total_count": 1, "incomplete_results": False, "items": [one["items"][0]]}]
        return []

    def _issue_pages(self, query: str) -> list[dict[str, Any]]:
        found = fixture(self.issue_search)
        if "assignee:" in query:
            return [found]
        if "mentions:" in query:
            return [{"total_count": 1, "incomplete_results": False, "items": found["items"][1:2]}]
        return []

    def _item(
        self, request: httpx.Request, kind: str, repo: str, number: int, key: str, tail: str
    ) -> httpx.Response:
        short = repo.split("/")[1]
        method = request.method
        if tail == "" and method == "GET":
            if kind == "pulls" and request.headers["accept"] == "application/vnd.github.diff":
                return self._diff(short, number)
            name = f"{'pull' if kind == 'pulls' else 'issue'}_{short}_{number}.json"
            if not (FIXTURES / name).exists():
                return error(404, "404_not_found")
            body = fixture(name)
            body["labels"] = [
                {"name": n} for n in self.labels.setdefault(key, [x["name"] for x in body["labels"]])
            ]
            return response(200, body)
        if kind != "issues":
            return self._unexpected(request)
        current = self.labels.setdefault(key, self._initial_labels(short, number))
        if tail == "/labels" and method == "POST":
            for name in json.loads(request.content)["labels"]:
                if name not in current:
                    current.append(name)
            return response(200, [{"name": n} for n in current])
        if tail == "/labels" and method == "GET":
            return response(200, [{"name": n} for n in current])
        label = re.match(r"^/labels/(.+)$", tail)
        if label and method == "DELETE":
            name = label.group(1)
            if name not in current:
                return response(404, {"message": "Label does not exist", "documentation_url": ""})
            current.remove(name)
            return response(200, [{"name": n} for n in current])
        if tail == "/comments" and method == "POST":
            self.comments.append((key, json.loads(request.content)["body"]))
            return response(201, fixture("comment_created.json"))
        return self._unexpected(request)

    @staticmethod
    def _initial_labels(short: str, number: int) -> list[str]:
        for prefix in ("pull", "issue"):
            path = FIXTURES / f"{prefix}_{short}_{number}.json"
            if path.exists():
                return [label["name"] for label in json.loads(path.read_text())["labels"]]
        return []

    def _diff(self, short: str, number: int) -> httpx.Response:
        path = FIXTURES / f"pull_{short}_{number}.diff"
        body = path.read_bytes() if path.exists() else b"diff --git a/blob b/blob\n" + b"+" * BIG_DIFF_BYTES
        return response(200, raw=body, headers={"Content-Type": "application/vnd.github.diff; charset=utf-8"})

    def _create_issue(self, repo: str, body: dict[str, Any]) -> httpx.Response:
        if not body.get("title"):
            return error(422, "422_validation_failed")
        number = 42 + len(self.created)
        made = fixture("issue_created.json") | {
            "number": number,
            "title": body["title"],
            "body": body.get("body"),
            "html_url": f"https://github.com/{repo}/issues/{number}",
        }
        self.created.append({"repo": repo, **body})
        return response(
            201, made, headers={"Location": f"https://api.github.com/repos/{repo}/issues/{number}"}
        )


class LoopbackServer(LoopbackHTTPServer):
    """A real HTTP server on 127.0.0.1 that answers through a :class:`FakeGithub` (or any handler)."""

    def __init__(self, handle: Any):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                content = self.rfile.read(length) if length else b""
                request = httpx.Request(
                    self.command,
                    f"http://{self.headers['Host']}{self.path}",
                    headers=dict(self.headers),
                    content=content,
                )
                reply = outer.handle(request)
                body = reply.read()
                self.send_response(reply.status_code)
                for name, value in reply.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "content-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.handle = handle
        super().__init__(Handler)
