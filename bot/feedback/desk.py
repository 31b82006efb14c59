"""The staff desk: where new tickets are posted for staff to take, forward, answer and
resolve. On Telegram it is a group chat (`bot/channels/telegram_desk.py`); the core only
knows this protocol. Errors are the channel `DeliveryError`s."""

from __future__ import annotations

from typing import Protocol

from bot.core.types import Reply


class StaffDesk(Protocol):
    channel: str  # the channel the desk lives on, e.g. "telegram"
    chat_id: str  # the group's id on that channel

    async def post(self, reply: Reply, *, reply_to: str | None = None) -> str:
        """Post a message (with its buttons); returns its id."""
        ...

    async def post_photo(self, photo: str, caption: str, *, reply_to: str | None = None) -> str:
        """Post a photo by file id or URL; returns the message id."""
        ...

    async def edit(self, message_id: str, reply: Reply) -> None: ...

    async def delete(self, message_id: str) -> None: ...
