"""What Steward's websocket consumers (``/ws/ui/``, ``/ws/chat/``) share."""

from __future__ import annotations

import asyncio
import contextlib


async def pump_stop(pump: asyncio.Task[None] | None) -> None:
    """Cancel a consumer's background pump (if it started) and wait until it has stopped."""
    if pump is None:
        return
    pump.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await pump
