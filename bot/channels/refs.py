"""Where a channel remembers which platform message a `Reply.edit_key` refers to in a
chat, so that a later reply with the same key edits that message (a live progress line).

The database store is shared by every process: the bot sends a campaign's progress
message and the scheduler process edits it."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.db.models_campaigns import MessageRef
from bot.db.session import Database


class MessageRefs(Protocol):
    async def get(self, channel: str, chat_id: str, edit_key: str) -> str | None: ...

    async def put(self, channel: str, chat_id: str, edit_key: str, message_id: str) -> None: ...


class MemoryRefs:
    def __init__(self) -> None:
        self._refs: dict[tuple[str, str, str], str] = {}

    async def get(self, channel: str, chat_id: str, edit_key: str) -> str | None:
        return self._refs.get((channel, chat_id, edit_key))

    async def put(self, channel: str, chat_id: str, edit_key: str, message_id: str) -> None:
        self._refs[(channel, chat_id, edit_key)] = message_id


class DatabaseRefs:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, channel: str, chat_id: str, edit_key: str) -> str | None:
        async with self.db.session() as session:
            query = select(MessageRef.message_id).where(
                MessageRef.channel == channel, MessageRef.chat_id == chat_id,
                MessageRef.edit_key == edit_key[:64])
            return (await session.execute(query)).scalar_one_or_none()

    async def put(self, channel: str, chat_id: str, edit_key: str, message_id: str) -> None:
        async with self.db.session() as session:
            ref = await session.get(MessageRef, (channel, chat_id, edit_key[:64]))
            if ref is None:
                session.add(MessageRef(channel=channel, chat_id=chat_id, edit_key=edit_key[:64],
                                       message_id=message_id))
            else:
                ref.message_id = message_id
            try:
                await session.commit()
            except IntegrityError:  # another process stored it first: theirs is as good
                await session.rollback()
