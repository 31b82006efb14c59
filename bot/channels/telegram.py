"""Telegram through python-telegram-bot: long polling by default, or a webhook served by
the bot's own aiohttp app when TELEGRAM_WEBHOOK_URL is set."""

from __future__ import annotations

import hashlib
import hmac
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.base import RateLimited, Rejected, Unreachable
from bot.channels.quiz import reply_text
from bot.channels.split import split_text
from bot.config import Settings
from bot.core.conversation import Conversation
from bot.core.types import Incoming, Reply

log = logging.getLogger(__name__)

CHANNEL = "telegram"
LIMIT = 4096


def to_incoming(update: Update) -> Incoming | None:
    """The neutral form of a Telegram update, or None for updates the bot ignores."""
    key = str(update.update_id)
    if update.callback_query and update.callback_query.message:
        chat = update.callback_query.message.chat
        return Incoming.button(CHANNEL, str(chat.id), update.callback_query.data or "", update_key=key)
    message = update.message
    if message is None or message.chat.type != "private":
        return None
    chat_id = str(message.chat.id)
    if message.text is not None:
        return Incoming(CHANNEL, chat_id, "text", text=message.text, update_key=key)
    if message.photo:
        return Incoming(CHANNEL, chat_id, "image", text=message.caption, update_key=key,
                        attachments=(message.photo[-1].file_id,))
    if message.sticker:
        return Incoming(CHANNEL, chat_id, "sticker", update_key=key)
    return Incoming(CHANNEL, chat_id, "other", text=message.caption, update_key=key)


def _quiz_rows(reply: Reply) -> list[list[InlineKeyboardButton]]:
    """A quiz question's options as numbered inline buttons. The numbered options are in
    the message text (option texts are too long for button labels on a phone); the time
    limit is in the text too, and the server decides what was on time. Telegram's native
    quiz polls are not used: they send the correct answer to Telegram up front, time out
    on Telegram's clock and cannot tell a replayed answer from a new one."""
    quiz = reply.quiz
    buttons = [InlineKeyboardButton(str(i), callback_data=payload)
               for i, payload in enumerate(quiz.payloads, 1) if len(payload.encode()) <= 64]
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


class TelegramChannel:
    channel = CHANNEL

    def __init__(self, settings: Settings, conversation: Conversation) -> None:
        self.settings = settings
        self.conversation = conversation
        self.webhook_url = settings.telegram_webhook_url
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token)
            .base_url(settings.telegram_api_base_url)
            .base_file_url(settings.telegram_api_base_file_url)
            .concurrent_updates(32)
        )
        if self.webhook_url:
            builder = builder.updater(None)
        self.app: Application = builder.build()
        self.app.add_handler(CallbackQueryHandler(self._on_update))
        self.app.add_handler(MessageHandler(filters.ALL, self._on_update))
        self.app.add_error_handler(self._on_error)
        self.status = "off"
        self._edits: dict[tuple[str, str], int] = {}

    @property
    def secret(self) -> str:
        if self.settings.telegram_webhook_secret:
            return self.settings.telegram_webhook_secret
        token = (self.settings.telegram_bot_token or "").encode()
        return hmac.new(token, b"webhook", hashlib.sha256).hexdigest()[:48]

    def install(self, web_app: web.Application) -> None:
        if self.webhook_url:
            web_app.router.add_post(urlsplit(self.webhook_url).path or "/telegram", self._webhook)

    async def start(self) -> None:
        await self.app.initialize()
        await self._set_commands()
        await self.app.start()
        if self.webhook_url:
            await self.app.bot.set_webhook(self.webhook_url, secret_token=self.secret,
                                           allowed_updates=Update.ALL_TYPES)
            self.status = "webhook"
        else:
            await self.app.bot.delete_webhook()
            await self.app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            self.status = "polling"
        log.info("telegram started", extra={"mode": self.status})

    async def stop(self) -> None:
        """Stop taking updates, let the ones in flight finish, then close."""
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        self.status = "off"

    async def _set_commands(self) -> None:
        content = self.conversation.services.content
        commands = [
            BotCommand(name, content.text(c.description_key))
            for name, c in self.conversation.router.commands.items()
            if c.description_key and not c.staff_only
        ]
        await self.app.bot.set_my_commands(commands)

    async def _webhook(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), self.secret):
            log.warning("telegram webhook with a wrong secret rejected", extra={"peer": request.remote})
            return web.Response(status=401)
        try:
            update = Update.de_json(await request.json(), self.app.bot)
        except Exception:
            log.warning("telegram webhook body not an update")
            return web.Response(status=400)
        await self.app.update_queue.put(update)
        return web.Response()

    async def _on_update(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query:
            try:
                await update.callback_query.answer()
            except TelegramError:
                log.warning("callback query could not be answered")
        incoming = to_incoming(update)
        if incoming is None:
            return
        replies = await self.conversation.handle(incoming)
        try:
            await self.send(incoming.user_id, replies)
        except Unreachable:
            log.info("telegram user unreachable (blocked the bot)")

    async def send(self, user_id: str, replies: list[Reply]) -> None:
        """Send replies to a chat; raises Unreachable, RateLimited or Rejected."""
        chat_id = int(user_id)
        text = self.conversation.services.content.text
        for reply in replies:
            markup = keyboard(reply)
            parts = split_text(reply_text(reply, text), LIMIT)
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                await self._send_part(chat_id, part, markup if last else None, reply.edit_key if last else None)

    async def _send_part(self, chat_id: int, text: str, markup, edit_key: str | None) -> None:
        bot = self.app.bot
        try:
            previous = self._edits.get((str(chat_id), edit_key)) if edit_key else None
            if previous:
                await bot.edit_message_text(text, chat_id=chat_id, message_id=previous, reply_markup=markup)
                return
            sent = await bot.send_message(chat_id, text, reply_markup=markup)
            if edit_key:
                self._edits[(str(chat_id), edit_key)] = sent.message_id
        except RetryAfter as exc:
            delay = exc.retry_after
            raise RateLimited(delay if isinstance(delay, int | float) else delay.total_seconds()) from exc
        except Forbidden as exc:
            raise Unreachable(str(exc)) from exc
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise Rejected(str(exc)) from exc

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)
