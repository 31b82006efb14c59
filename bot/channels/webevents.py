"""New messages for an open page without polling delay: the server-sent event stream
(GET /api/events) and its fallback, the long poll (GET /api/inbox?wait=).

Both wait on the process's `Notifier` (webnotify.py) and read the session's messages
sent outside a turn after their cursor when woken. A stream sends each as

    id: <history id>
    event: message
    data: {"id": <history id>, "replies": [...]}

a comment line ": ping" every `PING` seconds (so proxies and the browser keep it open),
and ends after `LIFETIME` seconds: the browser's EventSource reconnects with
Last-Event-ID, so a stream never outlives a redeploy by long, and a connection that went
away unnoticed is let go. Beyond the limits on waiting connections the answer is 503 with
Retry-After, and the page waits before trying again."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from aiohttp import web

from bot.channels.webhistory import INBOX_PAGE, WebHistory
from bot.channels.webnotify import Notifier, TooMany, Waiter

log = logging.getLogger(__name__)

PING = 15.0  # seconds between two keep-alive comments
LIFETIME = 300.0  # seconds a stream lasts before the browser is asked to reconnect
RECONNECT_MS = 3000  # the browser's reconnection delay, sent at the start of a stream
WAIT_MAX = 25  # seconds a long poll may wait
BUSY_RETRY = 30  # seconds a refused browser is asked to wait


def event(message: dict) -> bytes:
    data = json.dumps({"id": message["id"], "replies": message["replies"]}, ensure_ascii=False)
    return f"id: {message['id']}\nevent: message\ndata: {data}\n\n".encode()


class Waiting:
    def __init__(self, history: WebHistory, notifier: Notifier,
                 error: Callable[[int, str], web.Response], *, ping: float = PING,
                 lifetime: float = LIFETIME) -> None:
        self.history, self.notifier, self._error = history, notifier, error
        self.ping, self.lifetime = ping, lifetime

    def _admit(self, request: web.Request, session: str) -> Waiter | web.Response:
        try:
            return self.notifier.admit(session)
        except TooMany as full:
            log.warning("web chat waiting connection refused: too many",
                        extra={"path": request.path, "per_session": full.per_session,
                               "waiting": self.notifier.waiting, "peer": request.remote})
            busy = self._error(503, "web_busy")
            busy.headers["Retry-After"] = str(BUSY_RETRY)
            return busy

    async def stream(self, request: web.Request, session: str, cursor: int) -> web.StreamResponse:
        waiter = self._admit(request, session)
        if isinstance(waiter, web.Response):
            return waiter
        with waiter:
            response = web.StreamResponse(headers={
                "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no"})
            try:
                await response.prepare(request)
                await response.write(f"retry: {RECONNECT_MS}\n\n".encode())
                await self._send_until_done(response, session, cursor, waiter)
            except (ConnectionResetError, ConnectionError):
                pass  # the browser went away
        return response

    async def _send_until_done(self, response: web.StreamResponse, session: str, cursor: int,
                               waiter: Waiter) -> None:
        loop = asyncio.get_running_loop()
        ends = loop.time() + self.lifetime
        look = True  # read the session's messages (at the start, and when woken)
        while True:
            if look:
                waiter.event.clear()  # before the read: a message stored during it wakes us again
                messages = await self.history.outside_after(session, cursor)
                for message in messages:
                    await response.write(event(message))
                    cursor = message["id"]
                if len(messages) == INBOX_PAGE:
                    continue  # more are waiting
            left = ends - loop.time()
            if self.notifier.closed or left <= 0:
                return
            try:
                await asyncio.wait_for(waiter.event.wait(), min(self.ping, left))
                look = True
            except TimeoutError:
                look = False
                await response.write(b": ping\n\n")

    async def poll(self, request: web.Request, session: str, after: int, wait: float) -> list[dict] | web.Response:
        """The messages after `after`; when there are none yet, wait up to `wait` seconds
        for one."""
        messages = await self.history.outside_after(session, after)
        if messages or wait <= 0:
            return messages
        waiter = self._admit(request, session)
        if isinstance(waiter, web.Response):
            return waiter
        loop = asyncio.get_running_loop()
        ends = loop.time() + wait
        with waiter:
            while True:
                waiter.event.clear()
                messages = await self.history.outside_after(session, after)
                left = ends - loop.time()
                if messages or left <= 0 or self.notifier.closed:
                    return messages
                try:
                    await asyncio.wait_for(waiter.event.wait(), left)
                except TimeoutError:
                    pass
