"""The web chat on the province's portal: the page and its JSON API (docs/webchat.md).

The browser keeps a random session id (8–64 of [A-Za-z0-9_-]); every endpoint takes it.

POST /api/chat  {"session", "id", "text"} or {"session", "id", "payload", "label"}
  → 200 {"replies": [Reply…], "history_id": <id of the last history row>}
GET  /api/history?session=S[&before=<id>] → 200 {"messages": [...], "more": bool}
GET  /api/events?session=S (Last-Event-ID or &after=<id>) → text/event-stream (webevents.py)
GET  /api/inbox?session=S&after=<id>[&wait=<s ≤ 25>] → 200 {"messages": [{"id", "replies"}]}
GET  /api/unread?session=S&after=<id> → 200 {"count": n}
GET  /api/push/key → 200 {"key"} | 404;  POST /api/push/subscribe | /api/push/unsubscribe → 204

Errors are {"error": "<a Vietnamese sentence>"}: 400 for anything malformed, 413 for a
body too large, 403 for a request from another site, 503 when too many connections wait."""

from __future__ import annotations

import logging
import re

from aiohttp import web

from bot.channels import weborigin
from bot.channels.bodies import BadBody, read_json_object
from bot.channels.quiz import quiz_text
from bot.channels.webevents import WAIT_MAX, Waiting
from bot.channels.webhistory import CHANNEL
from bot.channels.webpage import WebPage
from bot.channels.webpush import valid_subscription
from bot.channels.websender import WebSender
from bot.conversation.conversation import Conversation
from bot.db.transcript import Transcript
from bot.kernel.ids import parse_id
from bot.kernel.messages import Incoming, Reply

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
MAX_LABEL = 200  # a tapped button's label, as kept in the history
_SESSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ERASED = "erased-"  # the prefix of an erased person's former id (bot/privacy/erasure.py)


def valid_session(value: object) -> bool:
    """A browser's session id; never one shaped like an erased person's placeholder, which
    would otherwise take over that anonymised row."""
    return isinstance(value, str) and bool(_SESSION.match(value)) and not value.startswith(ERASED)


class WebChat:
    def __init__(self, conversation: Conversation, sender: WebSender | None = None) -> None:
        self.conversation = conversation
        self.sender = sender or WebSender.build(conversation.services)
        self.history = self.sender.history
        self.waiting = Waiting(self.history, self.sender.notifier, self._error)

    def install(self, app: web.Application) -> None:
        WebPage(self.conversation.services).install(app)  # the page and what it loads
        app.router.add_post("/api/chat", self.chat)
        app.router.add_get("/api/history", self.history_page)
        app.router.add_get("/api/events", self.events)
        app.router.add_get("/api/inbox", self.inbox_page)
        app.router.add_get("/api/unread", self.unread)
        app.router.add_get("/api/push/key", self.push_key)
        app.router.add_post("/api/push/subscribe", self.push_subscribe)
        app.router.add_post("/api/push/unsubscribe", self.push_unsubscribe)
        weborigin.install(app, self.conversation.services.settings.webchat_allowed_origins,
                          lambda: self._error(403, "web_other_site"))
        app.on_startup.append(self._start)
        app.on_shutdown.append(self._shutdown)
        app.on_cleanup.append(self._cleanup)

    async def _start(self, _: web.Application) -> None:
        self.sender.notifier.start()

    async def _shutdown(self, _: web.Application) -> None:
        await self.sender.notifier.close()  # open streams and long polls end now

    async def _cleanup(self, _: web.Application) -> None:
        await self.sender.close()

    def _error(self, status: int, key: str) -> web.Response:
        text = self.conversation.services.content.text(key)
        return web.json_response({"error": text}, status=status)

    def _bad(self, request: web.Request, reason: str) -> web.Response:
        log.warning("web chat request refused", extra={"path": request.path, "reason": reason,
                                                       "peer": request.remote})
        return self._error(400, "web_bad_request")

    async def _body(self, request: web.Request, limit: int = MAX_BODY) -> dict | web.Response:
        try:
            _, body = await read_json_object(request, limit)
        except BadBody as refused:
            return self._error(refused.status, "web_too_large" if refused.status == 413 else "web_bad_request")
        if not valid_session(body.get("session")):
            return self._bad(request, "session")
        return body

    async def chat(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        session, text, payload, message_id = body["session"], body.get("text"), body.get("payload"), body.get("id")
        label = body.get("label")
        if message_id is not None and (not isinstance(message_id, str) or not _MESSAGE_ID.match(message_id)):
            return self._bad(request, "message id")
        if (payload is not None and not isinstance(payload, str)) or (text is not None and not isinstance(text, str)):
            return self._bad(request, "text or payload")
        update_key = f"{session}:{message_id}" if message_id else None
        if payload:
            incoming = Incoming.button(CHANNEL, session, payload[:128], update_key=update_key)
            # What the person saw on the button they tapped, as the page sends it (their own
            # history; nothing is looked up for it).
            said = " ".join(label.split())[:MAX_LABEL] if isinstance(label, str) else None
        else:
            incoming = Incoming(CHANNEL, session, "text", text=text or "", update_key=update_key)
            said = text or ""
        # The turn writes its lines in the history as it departs (one statement with its state).
        lines = Transcript(session, said, lambda shown: [self._render(r) for r in shown])
        answered = await self.conversation.handle(incoming, lines)
        if lines.written and lines.replies is not None:
            replies, stored = lines.replies, lines.history_id
        else:  # a redelivered message (nothing to write), or a turn that failed (its apology)
            replies = [self._render(r) for r in answered]
            stored = await self._record(session, said, replies)
        history_id = await self._last_id(session, stored)
        await self.history.prune_if_due()
        return web.json_response({"replies": replies, "history_id": history_id})

    async def _record(self, session: str, said: str | None, replies: list[dict]) -> int | None:
        """A turn's lines written on their own; None when nothing was written. The answer
        is given even when the history cannot be written."""
        try:
            return await self.history.record_turn(session, said, replies) if replies else None
        except Exception:
            log.exception("could not write the web chat history")
            return None

    async def _last_id(self, session: str, stored: int | None) -> int:
        """The session's last history id: the line just written, or the newest one."""
        if stored is not None:
            return stored
        try:
            return await self.history.last_id(session)
        except Exception:
            log.exception("could not read the web chat history")
            return 0

    def _render(self, reply: Reply) -> dict:
        """The reply as JSON; a quiz question's text lists its numbered options (the page
        puts one button per number under it)."""
        out = reply.to_dict()
        if reply.quiz:
            out["text"] = quiz_text(reply, self.conversation.services.content.text)
        return out

    def _session_and(self, request: web.Request, name: str, required: bool) -> tuple[str, int | None] | None:
        """The session and the id in query parameter `name` (None when absent and not
        required); None when either is malformed."""
        session, raw = request.query.get("session", ""), request.query.get(name)
        if not valid_session(session):
            return None
        if raw is None:
            return None if required else (session, None)
        cursor = parse_id(raw)
        return (session, cursor) if cursor is not None else None

    async def history_page(self, request: web.Request) -> web.Response:
        parsed = self._session_and(request, "before", required=False)
        if parsed is None:
            return self._bad(request, "session or before")
        messages, more = await self.history.page(*parsed)
        return web.json_response({"messages": messages, "more": more})

    async def events(self, request: web.Request) -> web.StreamResponse:
        session, raw = request.query.get("session", ""), request.headers.get("Last-Event-ID")
        if raw is None:
            raw = request.query.get("after")
        cursor = parse_id(raw) if raw is not None else None
        if not valid_session(session) or (raw is not None and cursor is None):
            return self._bad(request, "session or cursor")
        if cursor is None:  # from now on
            cursor = await self.history.last_id(session)
        return await self.waiting.stream(request, session, cursor)

    async def inbox_page(self, request: web.Request) -> web.Response:
        parsed = self._session_and(request, "after", required=False)
        wait_raw = request.query.get("wait", "0")
        wait = parse_id(wait_raw)
        if parsed is None or wait is None:
            return self._bad(request, "session, after or wait")
        session, after = parsed
        messages = await self.waiting.poll(request, session, after or 0, min(wait, WAIT_MAX))
        if isinstance(messages, web.Response):
            return messages
        return web.json_response({"messages": messages})

    async def unread(self, request: web.Request) -> web.Response:
        parsed = self._session_and(request, "after", required=False)
        if parsed is None:
            return self._bad(request, "session or after")
        session, after = parsed
        return web.json_response({"count": await self.history.unread(session, after or 0)})

    async def push_key(self, _: web.Request) -> web.Response:
        key = self.sender.push.public_key
        if not key:
            return self._error(404, "web_push_unavailable")
        return web.json_response({"key": key})

    async def push_subscribe(self, request: web.Request) -> web.Response:
        body = await self._body(request, 8 * 1024)
        if isinstance(body, web.Response):
            return body
        if not self.sender.push.enabled:
            return self._error(404, "web_push_unavailable")
        subscription = valid_subscription(body.get("subscription"))
        if subscription is None:
            return self._bad(request, "push subscription")
        await self.sender.push.subscribe(body["session"], *subscription)
        return web.Response(status=204)

    async def push_unsubscribe(self, request: web.Request) -> web.Response:
        body = await self._body(request, 8 * 1024)
        if isinstance(body, web.Response):
            return body
        endpoint = body.get("endpoint")
        if endpoint is not None and not isinstance(endpoint, str):
            return self._bad(request, "endpoint")
        await self.sender.push.unsubscribe(body["session"], endpoint)
        return web.Response(status=204)

