"""Whole config files as a person writes them, for the tests that import or check one."""

from __future__ import annotations

import textwrap

# demo/config.yaml's shape: the embedded model and one email integration reading a Maildir.
_DEMO_HEAD = """\
llms:
  default:
    backend: embedded
integrations:
  - type: email
    name: personal
    source: maildir
    maildir_path: demo-maildir
    llm: default
    platforms:
      inbox:
"""


def demo_inbox_config(inbox: str) -> str:
    """The demo's integration with *inbox* (YAML: its classifications and automations) as its inbox."""
    return _DEMO_HEAD + textwrap.indent(textwrap.dedent(inbox), " " * 8)
