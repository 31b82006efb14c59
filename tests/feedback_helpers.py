"""Shared pieces of the feedback tests: a staff desk that records what it was asked to do,
group-chat incomings, and reading the database."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from bot.db.models import EngagementEvent
from bot.db.models_feedback import FeedbackNotice, FeedbackTicket
from bot.kernel.messages import Incoming, Reply
from bot.kernel.sending import DeliveryError

DESK_CHAT = "-1001234567890"


class RecordingDesk:
    """A staff desk in memory: posts get ids, edits replace them, deletes remove them."""

    channel = "telegram"

    def __init__(self, chat_id: str = DESK_CHAT) -> None:
        self.chat_id = chat_id
        self.messages: dict[str, Reply] = {}
        self.photos: dict[str, tuple[str, str]] = {}
        self.replies_to: dict[str, str | None] = {}
        self.fail_posts = 0
        self._ids = itertools.count(100)

    async def post(self, reply: Reply, *, reply_to: str | None = None) -> str:
        if self.fail_posts:
            self.fail_posts -= 1
            raise DeliveryError("desk down")
        message_id = str(next(self._ids))
        self.messages[message_id] = reply
        self.replies_to[message_id] = reply_to
        return message_id

    async def post_photo(self, photo: str, caption: str, *, reply_to: str | None = None) -> str:
        message_id = str(next(self._ids))
        self.photos[message_id] = (photo, caption)
        self.replies_to[message_id] = reply_to
        return message_id

    async def edit(self, message_id: str, reply: Reply) -> None:
        assert message_id in self.messages
        self.messages[message_id] = reply

    async def delete(self, message_id: str) -> None:
        self.messages.pop(message_id, None)
        self.photos.pop(message_id, None)

    def texts(self) -> list[str]:
        return [r.text for r in self.messages.values()]


def group_tap(payload: str, *, staff_id: str = "5001", chat: str = DESK_CHAT, name: str = "Hà") -> Incoming:
    return Incoming.button("telegram", staff_id, payload, chat_id=chat, display_name=name)


def group_text(text: str, *, quoted: str | None = None, staff_id: str = "5001", chat: str = DESK_CHAT,
               name: str = "Hà") -> Incoming:
    return Incoming("telegram", staff_id, "text", text=text, chat_id=chat, quoted=quoted, display_name=name)


async def all_tickets(services) -> list[FeedbackTicket]:
    async with services.db.session() as s:
        return list((await s.execute(select(FeedbackTicket).order_by(FeedbackTicket.id))).scalars())


async def notices(services) -> list[FeedbackNotice]:
    async with services.db.session() as s:
        return list((await s.execute(select(FeedbackNotice).order_by(FeedbackNotice.id))).scalars())


async def events_of(services, kind: str) -> list[EngagementEvent]:
    async with services.db.session() as s:
        query = select(EngagementEvent).where(EngagementEvent.kind == kind).order_by(EngagementEvent.id)
        return list((await s.execute(query)).scalars())


def payloads(replies: list[Reply]) -> list[str]:
    return [b.payload for r in replies for b in r.all_buttons() if b.payload]
