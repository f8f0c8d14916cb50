"""What the person did to a message between two checks, for shadow agreement (docs/SAFETY.md).

``check`` sees only the INBOX, so a message that left it was archived, moved, trashed or marked
as spam — which one it cannot tell without searching every folder; leaving agrees with any of
them. A message back in the INBOX reverses those moves; flags set or cleared agree with or
reverse ``flag`` and ``mark_read``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from integrations.base import Observed

JSON = dict[str, Any]
MOVES = frozenset({"archive", "move_to", "trash", "spam"})
FLAGS = (("is_starred", "flag", "flagged"), ("is_read", "mark_read", "marked read"))


def observe(before: JSON | None, after: JSON | None) -> Iterable[Observed]:
    """``email.inbox``'s observed changes (see :class:`integrations.base.Observed`)."""
    if after is None:
        return [Observed("left the INBOX", agrees_with=MOVES)]
    if before is None:
        return [Observed("came back to the INBOX", reverses=MOVES)]
    found = []
    for field, action, words in FLAGS:
        was, now = bool(before.get(field)), bool(after.get(field))
        if now and not was:
            found.append(Observed(words, agrees_with=frozenset({action})))
        elif was and not now:
            found.append(Observed(f"no longer {words}", reverses=frozenset({action})))
    return found
