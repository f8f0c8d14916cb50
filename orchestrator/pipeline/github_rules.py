"""GitHub questions the pull request or issue snapshot decides outright (see :mod:`.rule_answers`).

Only fields that really decide are used, and each rule answers one direction only:

- ``documentation_only``: the changed files (``files``, parsed from the diff, used only when the
  list is complete: as many paths as GitHub's ``changed_files``). Every file documentation (``*.md``,
  ``*.rst``, ``docs/…``, ``README``, ``LICENSE``…) → true; any file that cannot hold a comment or a
  docstring (``*.json``, lock files, images) → false. A source file may change only its docstrings,
  so it decides nothing.
- ``complexity``: at most two files and ten changed lines → not complex.
- ``urgency``: a label that says so (``security``, ``p0``, ``critical``, ``release-blocker``…) → urgent.
  The absence of such a label decides nothing.

Email snapshots have none of these fields, so the rules never answer for email.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from integrations.base import ClassificationSpec

_DOC_SUFFIX = re.compile(r"\.(md|markdown|rst|adoc|asciidoc|txt)$", re.IGNORECASE)
_DOC_NAME = re.compile(
    r"^(readme|license|licence|copying|authors|contributors|changelog|changes|history|news|notice"
    r"|contributing|code_of_conduct|security)(\.[a-z]+)?$",
    re.IGNORECASE,
)
_DOC_DIR = re.compile(r"(^|/)(docs?|documentation)/", re.IGNORECASE)
# Files with no room for a comment: a change to one changes data or dependencies, not docs.
_NO_COMMENTS = re.compile(
    r"(\.(json|lock|png|jpe?g|gif|ico|webp|pdf|zip|gz)$|(^|/)(package-lock\.json|yarn\.lock|poetry\.lock"
    r"|Cargo\.lock|go\.sum)$)",
    re.IGNORECASE,
)
_TXT_NOT_DOCS = re.compile(r"(^|/)(requirements[^/]*|constraints[^/]*)\.txt$", re.IGNORECASE)
_URGENT_LABEL = re.compile(
    r"^(security|critical|urgent|p0|p1|sev[- ]?[01]|s[01]|incident|outage|regression|blocker"
    r"|release[- ]blocker|hotfix|priority[:/ -]?(critical|high|p0|urgent))$",
    re.IGNORECASE,
)
SMALL_FILES = 2
SMALL_LINES = 10


def is_docs(path: str) -> bool:
    """A documentation file by its name or directory (``README``, ``*.md``, ``docs/…``)."""
    if _TXT_NOT_DOCS.search(path):
        return False
    name = path.rsplit("/", 1)[-1]
    return bool(_DOC_SUFFIX.search(name) or _DOC_NAME.match(name) or _DOC_DIR.search(path))


def complete_files(snapshot: Mapping[str, Any]) -> list[str] | None:
    """The changed paths, when the snapshot lists every one of them."""
    files = snapshot.get("files")
    count = snapshot.get("changed_files")
    if not isinstance(files, list) or not files or not isinstance(count, int) or len(files) != count:
        return None
    return [str(f) for f in files]


def _yes(spec: ClassificationSpec) -> Any:
    return 1.0 if spec.type == "confidence" else True


def _no(spec: ClassificationSpec) -> Any:
    return 0.0 if spec.type == "confidence" else False


def documentation_only(spec: ClassificationSpec, snapshot: Mapping[str, Any]) -> tuple[Any, str] | None:
    files = complete_files(snapshot)
    if files is None:
        return None
    if all(is_docs(f) for f in files):
        return _yes(spec), "every changed file is documentation"
    data = next((f for f in files if _NO_COMMENTS.search(f) or _TXT_NOT_DOCS.search(f)), None)
    if data is not None:
        return _no(spec), f"changes {data.rsplit('/', 1)[-1]}, which holds no documentation"
    return None


def complexity(spec: ClassificationSpec, snapshot: Mapping[str, Any]) -> tuple[Any, str] | None:
    sizes = [snapshot.get(k) for k in ("changed_files", "additions", "deletions")]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in sizes):
        return None  # not a pull request
    files, lines = int(sizes[0] or 0), int(sizes[1] or 0) + int(sizes[2] or 0)
    if 0 < files <= SMALL_FILES and lines <= SMALL_LINES:
        return _no(spec), f"small change: {lines} line(s) in {files} file(s)"
    return None


def urgency(spec: ClassificationSpec, snapshot: Mapping[str, Any]) -> tuple[Any, str] | None:
    if "repo" not in snapshot:  # a GitHub item; an email's labels are folders
        return None
    labels = snapshot.get("labels")
    if not isinstance(labels, list):
        return None
    found = next((str(lbl) for lbl in labels if _URGENT_LABEL.match(str(lbl).strip())), None)
    if found is None:
        return None
    return _yes(spec), f"label {found!r}"
