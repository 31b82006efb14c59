"""Sending to Telegram chats through python-telegram-bot's `Bot`: replies and broadcasts
alike, paced by the channel's `LaneLimiter`, with Telegram's errors turned into the
delivery errors of `bot.kernel.sending` (see there for what each promises)."""

from __future__ import annotations

import asyncio
import functools
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.channels.quiz import Text, reply_text
from bot.channels.ratelimit import ChannelLimits, LaneLimiter
from bot.channels.refs import MemoryRefs, MessageRefs
from bot.channels.telegram_http import sent_nothing
from bot.kernel.limits import split_text
from bot.kernel.messages import Reply
from bot.kernel.sending import (
    BROADCAST,
    REPLY,
    BeforeSend,
    ChannelUnavailable,
    DeliveryError,
    Lane,
    RateLimited,
    Rejected,
    Uncertain,
    Unreachable,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

CHANNEL = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
REPLY_429_RETRIES = 3  # a reply is retried after a 429 (it was not delivered), this often
MAX_RETRY_WAIT = 60.0
# httpx errors raised before the request left (PTB's default request; ours on aiohttp
# says so with `sent_nothing`): the platform cannot have seen it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def _quiz_rows(reply: Reply) -> list[list[InlineKeyboardButton]]:
    """A quiz question's options as numbered inline buttons. The numbered options are in
    the message text (option texts are too long for button labels on a phone); the time
    limit is in the text too, and the server decides what was on time. Telegram's native
    quiz polls are not used: they send the correct answer to Telegram up front, time out
    on Telegram's clock and cannot tell a replayed answer from a new one."""
    assert reply.quiz is not None  # called only for a reply that carries a question
    buttons = [InlineKeyboardButton(str(i), callback_data=payload)
               for i, payload in enumerate(reply.quiz.payloads, 1) if len(payload.encode()) <= 64]
    per_row = 4 if len(buttons) <= 4 else 3
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = _quiz_rows(reply) if reply.quiz else []
    for row in reply.buttons:
        # Telegram inline buttons cannot dial: phone numbers stay in the text, where
        # Telegram makes them tappable.
        buttons = [
            InlineKeyboardButton(b.label, url=b.url) if b.url
            else InlineKeyboardButton(b.label, callback_data=b.payload)
            for b in row if b.url or (b.payload and len(b.payload.encode()) <= 64)
        ]
        if buttons:
            rows.append(buttons)
    return InlineKeyboardMarkup(rows) if rows else None


def _retry_after(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the type becomes timedelta; take both
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return float(value if isinstance(value, int | float) else value.total_seconds())


def preview(replies: list[Reply], text: Text | None = None) -> list[dict]:
    """The messages a chat gets for `replies`, as `send` sends them (a photo with the text
    as its caption when it fits, else the photo and then the text; long texts split; the
    buttons under the last part), as plain data for the staff console's preview:
    [{"image", "text", "buttons": [[{"label", "opens": "link" | "reply"}]]}]."""
    out: list[dict] = []
    for reply in replies:
        markup = keyboard(reply)
        buttons = [[{"label": b.text, "opens": "link" if b.url else "reply"} for b in row]
                   for row in (markup.inline_keyboard if markup else ())]
        if reply.image_url:
            fits = len(reply.text) <= CAPTION_LIMIT
            out.append({"image": reply.image_url, "text": reply.text if fits else "",
                        "buttons": buttons if fits else []})
            if fits:
                continue
        parts = split_text(reply_text(reply, text) if text else reply.text, TEXT_LIMIT)
        out += [{"image": None, "text": part, "buttons": buttons if i == len(parts) - 1 else []}
                for i, part in enumerate(parts)]
    return out


class TelegramSender:
    channel = CHANNEL
    edits_in_place = True  # a Reply's edit_key edits the earlier message (progress figures)

    def __init__(self, bot: Bot, limiter: LaneLimiter | None = None,
                 refs: MessageRefs | None = None, text: Text | None = None) -> None:
        self.bot = bot
        self.text = text  # the message catalogue, to write out quiz questions
        self.limiter = limiter or LaneLimiter(ChannelLimits(0))
        self.refs = refs or MemoryRefs()

    async def send(self, user_id: str, replies: list[Reply], *, lane: Lane = REPLY,
                   before_send: BeforeSend | None = None) -> None:
        """Send replies to a chat; raises the errors of `bot.kernel.sending`."""
        try:
            chat_id = int(user_id)
        except ValueError:
            raise Rejected("not a Telegram chat id") from None
        call = _Calls(self, chat_id, lane, before_send)
        for reply in replies:
            markup = keyboard(reply)
            if reply.image_url:
                fits = len(reply.text) <= CAPTION_LIMIT
                await call(functools.partial(self.bot.send_photo, chat_id, reply.image_url,
                                             caption=reply.text if fits else None,
                                             reply_markup=markup if fits else None))
                if fits:
                    continue
            body = reply_text(reply, self.text) if self.text else reply.text
            parts = split_text(body, TEXT_LIMIT)
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                await self._text(call, chat_id, part, markup if last else None,
                                 reply.edit_key if last else None)

    async def _text(self, call: _Calls, chat_id: int, text: str, markup: InlineKeyboardMarkup | None,
                    edit_key: str | None) -> None:
        if edit_key:
            previous = await self.refs.get(CHANNEL, str(chat_id), edit_key)
            if previous:
                try:
                    await call(lambda: self.bot.edit_message_text(
                        text, chat_id=chat_id, message_id=int(previous), reply_markup=markup))
                    return
                except Rejected as exc:
                    if "not modified" in str(exc).lower():
                        return
                    log.info("message to edit is gone; sending it anew")
        if not edit_key:
            # Nobody needs the sent Message back: take Telegram's answer as it came instead
            # of building PTB objects from it (a fifth of a broadcast's CPU). Bot API method
            # names are case-insensitive; "sendmessage" keeps PTB from warning on every call
            # that `Bot.send_message` exists.
            await call(lambda: self.bot.do_api_request(
                "sendmessage", {"chat_id": chat_id, "text": text, "reply_markup": markup}))
            return
        sent = await call(lambda: self.bot.send_message(chat_id, text, reply_markup=markup))
        if sent is not None:
            await self.refs.put(CHANNEL, str(chat_id), edit_key, str(sent.message_id))


class _Calls:
    """The platform calls of one `send`: paced, the before-send hook run before the first,
    errors translated; a failure after a part went out is `Uncertain`."""

    def __init__(self, sender: TelegramSender, chat_id: int, lane: Lane, before_send: BeforeSend | None):
        self.sender, self.chat_id, self.lane = sender, chat_id, lane
        self.before_send = before_send
        self.delivered = 0

    async def __call__(self, request: Callable[[], Awaitable[T]]) -> T:
        limiter = self.sender.limiter
        retries = 0
        while True:
            hook, self.before_send = self.before_send, None
            send = await limiter.acquire(self.lane, str(self.chat_id), prepare=hook)
            try:
                try:
                    result = await request()
                finally:
                    send.answered()
                self.delivered += 1
                return result
            except RetryAfter as exc:
                delay = _retry_after(exc)
                if self.lane == BROADCAST:
                    limiter.pause(BROADCAST, delay)
                # Not delivered. A broadcast with nothing out yet goes back to the outbox;
                # a reply, or the rest of a message already begun, waits and tries again.
                if (self.lane == BROADCAST and not self.delivered) or retries >= REPLY_429_RETRIES \
                        or delay > MAX_RETRY_WAIT:
                    raise self._partial(RateLimited(delay, str(exc))) from exc
                retries += 1
                await asyncio.sleep(delay)
            except TelegramError as exc:
                raise self._partial(translate(exc)) from exc

    def _partial(self, error: DeliveryError) -> DeliveryError:
        if self.delivered and error.transient:
            return Uncertain(f"part of the message was delivered, then: {error}")
        return error


def translate(exc: TelegramError) -> DeliveryError:
    """Telegram's error as a delivery error, by what it tells about delivery."""
    text = str(exc)
    if isinstance(exc, Forbidden):
        return Unreachable(text)
    if isinstance(exc, BadRequest):
        if "chat not found" in text.lower() or "user is deactivated" in text.lower():
            return Unreachable(text)
        return Rejected(text)
    if isinstance(exc, InvalidToken | EndPointNotFound):  # do_api_request says "not found" for a bad token
        return ChannelUnavailable(text)
    if isinstance(exc, ChatMigrated):
        return Rejected(text)
    if isinstance(exc, TimedOut | NetworkError):
        cause = exc.__cause__
        if sent_nothing(exc) or isinstance(cause, _NOT_SENT) \
                or (isinstance(exc, TimedOut) and "Pool timeout" in text):
            return DeliveryError(text)  # never left this machine: retry
        if cause is None and isinstance(exc, NetworkError) and not isinstance(exc, TimedOut):
            return DeliveryError(text)  # an HTTP 5xx answer: Telegram did not process it
        return Uncertain(text)
    return Rejected(text)
