"""The one error the rules engine raises while compiling: a rule the person must fix."""

from __future__ import annotations


class RuleSyntaxError(ValueError):
    """A condition, action or template that cannot be compiled; the message says what is valid.

    Raised only at compile (save/import) time. Evaluation never raises.
    """
