"""The web chat on the province's portal: a static page and a JSON endpoint.

POST /api/chat  {"session": "<browser id>", "id": "<message id>", "text": "…"}
             or {"session": …, "id": …, "payload": "<button payload>"}
  → 200 {"replies": [{"text", "buttons": [[{label, payload|url|phone}]], "answer_id", "score"}]}
"""

from __future__ import annotations

import json
import logging
import re
from importlib import resources

from aiohttp import web

from bot.channels.quiz import quiz_text
from bot.core.conversation import Conversation
from bot.core.types import Incoming, Reply

log = logging.getLogger(__name__)

CHANNEL = "web"
MAX_BODY = 64 * 1024
_SESSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _error(status: int, key: str, conversation: Conversation) -> web.Response:
    text = conversation.services.content.text(key)
    return web.json_response({"error": text}, status=status)


class WebChat:
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation

    def install(self, app: web.Application) -> None:
        app.router.add_get("/", self.page)
        app.router.add_post("/api/chat", self.chat)

    async def page(self, _: web.Request) -> web.Response:
        html = resources.files("bot.web.static").joinpath("chat.html").read_text(encoding="utf-8")
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def chat(self, request: web.Request) -> web.Response:
        if request.content_length and request.content_length > MAX_BODY:
            return _error(413, "web_too_large", self.conversation)
        try:
            body = json.loads(await request.text())
        except (ValueError, UnicodeDecodeError):
            return _error(400, "web_bad_request", self.conversation)
        if not isinstance(body, dict):
            return _error(400, "web_bad_request", self.conversation)
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
