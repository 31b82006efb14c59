"""The staff desk on Telegram: a group chat (FEEDBACK_STAFF_CHAT_ID) where the bot posts
new tickets with inline buttons, edits them as they progress, and replies in threads.
Staff answer by replying to a ticket's message; `telegram.to_incoming` turns that into a
group `Incoming` carrying the quoted text."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from telegram import Bot, ReplyParameters
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_send import CAPTION_LIMIT, keyboard
from bot.channels.telegram_send import TEXT_LIMIT as LIMIT
from bot.kernel.messages import Reply
from bot.kernel.sending import DeliveryError, RateLimited, Rejected, Unreachable


@contextmanager
def _platform_errors() -> Iterator[None]:
    try:
        yield
    except RetryAfter as exc:
        delay = exc.retry_after
        raise RateLimited(delay if isinstance(delay, int | float) else delay.total_seconds()) from exc
    except Forbidden as exc:  # the bot was removed from the group
        raise Unreachable(str(exc)) from exc
    except BadRequest as exc:
        raise Rejected(str(exc)) from exc
    except TelegramError as exc:  # network trouble, server errors: worth retrying
        raise DeliveryError(str(exc)) from exc


def _reply_to(message_id: str | None) -> ReplyParameters | None:
    if not message_id:
        return None
    return ReplyParameters(message_id=int(message_id), allow_sending_without_reply=True)


class TelegramStaffDesk:
    channel = "telegram"

    def __init__(self, telegram: TelegramChannel, chat_id: str) -> None:
        self.telegram = telegram
        self.chat_id = str(chat_id).strip()

    @property
    def _bot(self) -> Bot:
        return self.telegram.app.bot

    async def post(self, reply: Reply, *, reply_to: str | None = None) -> str:
        with _platform_errors():
            sent = await self._bot.send_message(int(self.chat_id), reply.text[:LIMIT], reply_markup=keyboard(reply),
                                                reply_parameters=_reply_to(reply_to))
        return str(sent.message_id)

    async def post_photo(self, photo: str, caption: str, *, reply_to: str | None = None) -> str:
        with _platform_errors():
            sent = await self._bot.send_photo(int(self.chat_id), photo, caption=caption[:CAPTION_LIMIT],
                                              reply_parameters=_reply_to(reply_to))
        return str(sent.message_id)

    async def edit(self, message_id: str, reply: Reply) -> None:
        try:
            with _platform_errors():
                await self._bot.edit_message_text(reply.text[:LIMIT], chat_id=int(self.chat_id),
                                                  message_id=int(message_id), reply_markup=keyboard(reply))
        except Rejected as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def delete(self, message_id: str) -> None:
        with _platform_errors():
            await self._bot.delete_message(int(self.chat_id), int(message_id))
