"""The web chat on the province's portal: a static page and a JSON endpoint.

POST /api/chat  {"session": "<browser id>", "id": "<message id>", "text": "…"}
             or {"session": …, "id": …, "payload": "<button payload>"}
  → 200 {"replies": [{"text", "buttons": [[{label, payload|url|phone}]], "answer_id", "score"}]}

A browser cannot be pushed to, so messages sent outside a turn (an answer to feedback)
wait in an inbox the page polls:
GET /api/inbox?session=<browser id>&after=<last id seen>
  → 200 {"messages": [{"id", "replies": [...]}]}   (oldest first, at most 20)
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from importlib import resources

from aiohttp import web
from sqlalchemy import delete, select

from bot.channels.bodies import BadBody, read_json_object
from bot.channels.quiz import quiz_text
from bot.conversation.conversation import Conversation
from bot.db.models_feedback import WebInboxMessage
from bot.db.session import Database
from bot.kernel.clock import utcnow
from bot.kernel.ids import parse_id
from bot.kernel.messages import Incoming, Reply
from bot.kernel.sending import REPLY, BeforeSend, Lane

log = logging.getLogger(__name__)

CHANNEL = "web"
MAX_BODY = 64 * 1024
_SESSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _error(status: int, key: str, conversation: Conversation) -> web.Response:
    text = conversation.services.content.text(key)
    return web.json_response({"error": text}, status=status)


class WebInbox:
    """The web chat's sender (`services.senders["web"]`): stores the replies for the page
    to fetch. Messages older than `KEEP` are dropped as new ones arrive."""

    channel = CHANNEL
    KEEP = timedelta(days=30)
    PAGE = 20

    def __init__(self, db: Database) -> None:
        self.db = db

    async def send(self, user_id: str, replies: list[Reply], *, lane: Lane = REPLY,
                   before_send: BeforeSend | None = None) -> None:
        """As every sender (bot.kernel.sending.Sender); nothing is paced here, so `lane`
        changes nothing."""
        if before_send is not None:
            await before_send()
        async with self.db.session() as session:
            await session.execute(delete(WebInboxMessage).where(
                WebInboxMessage.session == user_id, WebInboxMessage.created_at < utcnow() - self.KEEP))
            session.add(WebInboxMessage(session=user_id, replies=[r.to_dict() for r in replies]))
            await session.commit()

    async def fetch(self, session_id: str, after: int) -> list[dict]:
        async with self.db.session() as session:
            rows = await session.execute(
                select(WebInboxMessage).where(WebInboxMessage.session == session_id, WebInboxMessage.id > after)
                .order_by(WebInboxMessage.id).limit(self.PAGE))
            return [{"id": m.id, "replies": m.replies} for m in rows.scalars()]


class WebChat:
    def __init__(self, conversation: Conversation, inbox: WebInbox | None = None) -> None:
        self.conversation = conversation
        self.inbox = inbox or WebInbox(conversation.services.db)

    def install(self, app: web.Application) -> None:
        app.router.add_get("/", self.page)
        app.router.add_post("/api/chat", self.chat)
        app.router.add_get("/api/inbox", self.inbox_page)

    async def page(self, _: web.Request) -> web.Response:
        html = resources.files("bot.web.static").joinpath("chat.html").read_text(encoding="utf-8")
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def chat(self, request: web.Request) -> web.Response:
        try:
            _, body = await read_json_object(request, MAX_BODY)
        except BadBody as refused:
            return _error(refused.status, "web_too_large" if refused.status == 413 else "web_bad_request",
                          self.conversation)
        session, text, payload = body.get("session"), body.get("text"), body.get("payload")
        message_id = body.get("id")
        if not isinstance(session, str) or not _SESSION.match(session):
            return _error(400, "web_bad_request", self.conversation)
        if message_id is not None and (not isinstance(message_id, str) or not _MESSAGE_ID.match(message_id)):
            return _error(400, "web_bad_request", self.conversation)
        if payload is not None and not isinstance(payload, str):
            return _error(400, "web_bad_request", self.conversation)
        if text is not None and not isinstance(text, str):
            return _error(400, "web_bad_request", self.conversation)
        update_key = f"{session}:{message_id}" if message_id else None
        if payload:
            incoming = Incoming.button(CHANNEL, session, payload[:128], update_key=update_key)
        else:
            incoming = Incoming(CHANNEL, session, "text", text=text or "", update_key=update_key)
        replies = await self.conversation.handle(incoming)
        return web.json_response({"replies": [self._render(r) for r in replies]})

    def _render(self, reply: Reply) -> dict:
        """The reply as JSON; a quiz question's text lists its numbered options (the page
        puts one button per number under it)."""
        out = reply.to_dict()
        if reply.quiz:
            out["text"] = quiz_text(reply, self.conversation.services.content.text)
        return out

    async def inbox_page(self, request: web.Request) -> web.Response:
        session, after = request.query.get("session", ""), request.query.get("after", "0")
        cursor = parse_id(after)
        if not _SESSION.match(session) or cursor is None:
            return _error(400, "web_bad_request", self.conversation)
        return web.json_response({"messages": await self.inbox.fetch(session, cursor)})
