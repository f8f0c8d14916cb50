"""One YAML dialect: the admin and ``import_config`` read text with the same loader and limits.

Each case is fed to both paths — the admin's structured-text parser and the config file loader —
and must be accepted with the same value, or refused by both. Hostile YAML (alias "billion laughs",
recursive aliases, deep nesting) is refused in one line naming the limit and where, fast.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from orchestrator.admin.yaml_text import TextParseError, text_parse
from orchestrator.config_io.yaml_format import MAX_DEPTH, MAX_NODES, ConfigFormatError, SecretRef, load_yaml

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
DEEP_YAML = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * (MAX_DEPTH + 5) + "end\n"

# (case, text, the value both accept — or None when both refuse, with what the refusal says)
CASES: list[tuple[str, str, object, str]] = [
    ("yolo", "- !yolo archive\n- !yolo {tag: x}\n", [{"yolo": "archive"}, {"yolo": {"tag": "x"}}], ""),
    ("dates stay strings", "after: 2024-01-01\nat: 2024-01-01 10:00:00\n", None, ""),
    ("a benign anchor", "base: &b {n: 1}\ncopy: *b\n", {"base": {"n": 1}, "copy": {"n": 1}}, ""),
    ("json numbers", '{"n": 1e5}', {"n": 100000.0}, ""),
    ("duplicate yaml key", "a: 1\nb: 2\na: 3\n", None, "line 3, column 1: duplicate key 'a'"),
    ("duplicate json key", '{"a": 1,\n "a": 2}', None, "line 2, column 2: duplicate key 'a'"),
    ("billion laughs", LAUGHS, None, f"more than {MAX_NODES} values (limit {MAX_NODES})"),
    (
        "recursive alias",
        "a: &a [1, *a]\n",
        None,
        "line 1, column 11: alias *a refers to a value that contains it",
    ),
    ("recursive mapping", "a: &a {b: *a}\n", None, "alias *a refers to a value that contains it"),
    ("deep yaml", DEEP_YAML, None, f"nested deeper than {MAX_DEPTH} levels (limit {MAX_DEPTH})"),
    ("deep json", "[" * 100_000, None, f"nested deeper than {MAX_DEPTH} levels (limit {MAX_DEPTH})"),
    ("deep flow yaml", "a: " + "[" * 100_000, None, f"nested deeper than {MAX_DEPTH} levels"),
    ("nan", "x: .nan\n", None, "cannot be stored as JSON"),
    ("binary", "x: !!binary aGk=\n", None, "cannot be stored as JSON"),
    ("python objects", "x: !!python/object:os.system ls\n", None, "could not determine a constructor"),
    ("nul escape", 'x: "a\\0b"\n', None, "at value.x: contains a NUL character"),
    ("surrogate escape", 'x: "\\ud800"\n', None, "at value.x: contains a lone surrogate"),
    ("two documents", "a: 1\n---\nb: 2\n", None, "2 YAML documents"),
]
CASES[1] = ("dates stay strings", CASES[1][1], {"after": "2024-01-01", "at": "2024-01-01 10:00:00"}, "")


def admin_path(text: str) -> object:
    try:
        return ("accepted", text_parse(text))
    except TextParseError as exc:
        return ("refused", str(exc))


def import_path(text: str) -> object:
    try:
        return ("accepted", load_yaml(text, source="config.yaml"))
    except ConfigFormatError as exc:
        return ("refused", str(exc))


@pytest.mark.parametrize(("text", "value", "refusal"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_admin_and_import_config_accept_or_refuse_the_same_text(text, value, refusal):
    started = time.monotonic()
    admin, imported = admin_path(text), import_path(text)
    assert time.monotonic() - started < 5  # nothing explodes
    if refusal:
        assert admin[0] == imported[0] == "refused", (admin, imported)
        assert refusal in admin[1]
        assert refusal in imported[1]
        assert "\n" not in admin[1]
        assert "\n" not in imported[1]
    else:
        assert admin == imported == ("accepted", value)


def test_secret_references_belong_to_config_files_only():
    assert load_yaml("token: !secret llm_token\n") == {"token": SecretRef("llm_token")}
    with pytest.raises(TextParseError, match="line 1, column 8: !secret belongs in config files"):
        text_parse("token: !secret llm_token\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (LAUGHS, f"config.yaml, line 6, column 8: the document expands to more than {MAX_NODES} values"),
        ("a: &a [1, *a]\n", "config.yaml, line 1, column 11: alias *a refers to a value that contains it"),
        ("a: " + "[" * 50_000, f"nested deeper than {MAX_DEPTH} levels (limit {MAX_DEPTH})"),
    ],
)
@pytest.mark.django_db
def test_import_config_refuses_hostile_yaml_in_one_line(tmp_path: Path, text, message):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    started = time.monotonic()
    with pytest.raises(CommandError) as refused:
        call_command("import_config", str(path))
    assert time.monotonic() - started < 5
    assert str(refused.value).startswith(str(tmp_path))
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert "RecursionError" not in str(refused.value)
