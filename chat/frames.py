"""What a chat websocket client sends: one JSON object per frame, parsed within limits.

:func:`client_frame` turns a raw text or binary frame into a dict or raises :class:`FrameError`
(answered with an error frame; the socket stays open):

* a frame is at most :data:`MAX_FRAME_BYTES` (413) and nests at most
  :data:`~orchestrator.security.json_input.MAX_DEPTH` levels (422), checked before parsing;
* it is a JSON object with a string ``type`` (422);
* every string in it is storable text — no lone surrogates, no NUL (422, naming the field);
* a read-only API token's socket may watch but not send (403): every client frame is a request.

The consumer dispatches on ``frame["type"]``; a new frame type needs nothing from this module.
"""

from __future__ import annotations

from typing import Any

from orchestrator.security.json_input import InputError, json_parse

# A 32 KiB message may grow 6× when every character is sent as a \\uXXXX escape.
MAX_FRAME_BYTES = 256 * 1024


class FrameError(Exception):
    """A refused client frame; ``status`` and ``detail`` go into the error frame."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def client_frame(scope: dict[str, Any], text_data: str | None, bytes_data: bytes | None) -> dict[str, Any]:
    """The client's frame as a dict with a string ``type``, or :class:`FrameError`."""
    raw: str | bytes = text_data if text_data is not None else (bytes_data or b"")
    size = len(raw.encode("utf-8", errors="surrogatepass")) if isinstance(raw, str) else len(raw)
    if size > MAX_FRAME_BYTES:
        raise FrameError(413, f"Frame too large: {size} bytes (limit {MAX_FRAME_BYTES} bytes)")
    try:
        frame = json_parse(raw, where="frame")
    except InputError as exc:
        raise FrameError(exc.status, exc.detail) from None
    if not isinstance(frame, dict):
        raise FrameError(422, "Frames must be JSON objects")
    if not isinstance(frame.get("type"), str):
        raise FrameError(422, f"Unknown frame type {frame.get('type')!r}; a frame needs a string 'type'")
    if scope.get("read_only"):
        raise FrameError(403, "This socket was opened with a read-only API token: it cannot send")
    return frame
