"""JSON request bodies anyone can send: the web chat's messages and the Zalo and Telegram
webhooks. Read in this one place, so that every endpoint refuses the same way a body too
large (413), not JSON, not an object, or nested deeper than any real message (400): with
one warning in the log, never a traceback.

The size is bounded before parsing (the declared length first, then what was read), and
the nesting after it: Python's parser recurses, so a body such as `{"a":` repeated
thousands of times raises RecursionError, and a body nested just under that limit would
make any later recursive walk fail instead."""

from __future__ import annotations

import json
import logging

from aiohttp import web

log = logging.getLogger(__name__)

# Containers inside containers: a Zalo event nests 4 deep, a Telegram update (a reply to a
# message with a keyboard) about 8; this leaves ample room.
MAX_DEPTH = 32


class BadBody(Exception):
    """The body is refused: `status` 413 or 400, `reason` a few words for the caller."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason

    def response(self) -> web.Response:
        return web.json_response({"error": self.reason}, status=self.status)


def _too_deep(value: object, limit: int) -> bool:
    """Does `value` nest dicts and lists more than `limit` deep? (No recursion.)"""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


async def read_json_object(request: web.Request, max_bytes: int) -> tuple[bytes, dict]:
    """The raw body and the JSON object it holds; raises `BadBody` (logged) otherwise."""
    try:
        return await _read(request, max_bytes)
    except BadBody as refused:
        log.warning("request body refused", extra={
            "path": request.path, "status": refused.status, "reason": refused.reason,
            "bytes": request.content_length, "peer": request.remote})
        raise


async def _read(request: web.Request, max_bytes: int) -> tuple[bytes, dict]:
    too_large = BadBody(413, "body too large")
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large
    try:
        body = await request.read()  # also bounded by the app's client_max_size
    except web.HTTPRequestEntityTooLarge:
        raise too_large from None
    if len(body) > max_bytes:
        raise too_large
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadBody(400, "body is not JSON") from None
    if not isinstance(value, dict):
        raise BadBody(400, "body is not a JSON object")
    if _too_deep(value, MAX_DEPTH):
        raise BadBody(400, "body nested too deeply")
    return body, value
