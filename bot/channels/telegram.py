"""Telegram through python-telegram-bot: long polling by default, or a webhook served by
the bot's own aiohttp app when TELEGRAM_WEBHOOK_URL is set."""

from __future__ import annotations

import hashlib
import hmac
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import BotCommand, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.bodies import BadBody, read_json_object
from bot.channels.ratelimit import ChannelLimits, LaneLimiter
from bot.channels.refs import MessageRefs
from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_send import TelegramSender, keyboard  # noqa: F401  (keyboard: re-export)
from bot.config import Settings
from bot.conversation.conversation import Conversation
from bot.kernel.messages import Incoming, Reply
from bot.kernel.sending import REPLY, BeforeSend, DeliveryError, Lane, Unreachable

log = logging.getLogger(__name__)

CHANNEL = "telegram"
# A webhook update is a message or a tap: tens of kilobytes at the very most.
MAX_BODY = 256 * 1024


PLATFORM_PER_SECOND = 30  # what Telegram takes from one bot in any second ("about 30")


def telegram_limiter(settings: Settings) -> LaneLimiter:
    return LaneLimiter(ChannelLimits(settings.telegram_rate_per_second,
                                     settings.telegram_chat_interval_seconds, PLATFORM_PER_SECOND))


def to_incoming(update: Update) -> Incoming | None:
    """The neutral form of a Telegram update, or None for updates the bot ignores.

    Private chats are conversations with a person. In groups (the staff group) the person
    is the sender, `chat_id` the group, and only button taps and text count; a reply to
    one of the bot's messages carries that message's text as `quoted`."""
    key = str(update.update_id)
    query = update.callback_query
    if query and query.message:
        chat = query.message.chat
        if chat.type == "private":
            return Incoming.button(CHANNEL, str(chat.id), query.data or "", update_key=key)
        return Incoming.button(CHANNEL, str(query.from_user.id), query.data or "", update_key=key,
                               chat_id=str(chat.id), display_name=query.from_user.first_name)
    message = update.message
    if message is None:
        return None
    if message.chat.type in ("group", "supergroup"):
        return _group_incoming(message, key)
    if message.chat.type != "private":
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


def _group_incoming(message: Message, key: str) -> Incoming | None:
    sender = message.from_user
    if message.text is None or sender is None or sender.is_bot:
        return None
    replied = message.reply_to_message
    quoted = None
    if replied is not None and replied.from_user is not None and replied.from_user.is_bot:
        quoted = replied.text or replied.caption
    return Incoming(CHANNEL, str(sender.id), "text", text=message.text, update_key=key,
                    chat_id=str(message.chat.id), quoted=quoted, display_name=sender.first_name)


class TelegramChannel:
    channel = CHANNEL
    edits_in_place = True

    def __init__(self, settings: Settings, conversation: Conversation,
                 refs: MessageRefs | None = None) -> None:
        self.settings = settings
        self.conversation = conversation
        self.webhook_url = settings.telegram_webhook_url
        assert settings.telegram_bot_token  # the channel is set up only with one (bot.app)
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token)
            .base_url(settings.telegram_api_base_url)
            .base_file_url(settings.telegram_api_base_file_url)
            .concurrent_updates(32)
            # aiohttp under PTB, as in push-only workers (see telegram_http)
            .request(AiohttpRequest(connection_pool_size=256))
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
        )
        if self.webhook_url:
            builder = builder.updater(None)
        self.app = builder.build()
        self.app.add_handler(CallbackQueryHandler(self._on_update))
        self.app.add_handler(MessageHandler(filters.ALL, self._on_update))
        self.app.add_error_handler(self._on_error)
        self.status = "off"
        # Replies and (in the embedded default) broadcasts share one sender and one limiter,
        # so replies go ahead of broadcast messages.
        self.sender = TelegramSender(self.app.bot, telegram_limiter(settings), refs,
                                     text=conversation.services.content.text)
        self.limiter = self.sender.limiter

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
            assert self.app.updater is not None  # built without one only for a webhook
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
            _, body = await read_json_object(request, MAX_BODY)
        except BadBody as refused:
            return refused.response()
        try:
            update = Update.de_json(body, self.app.bot)
        except Exception:
            log.warning("telegram webhook body not an update")
            return BadBody(400, "body is not an update").response()
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
            await self.send(incoming.chat_id or incoming.user_id, replies)
        except Unreachable:
            log.info("telegram user unreachable (blocked the bot)")
        except DeliveryError as exc:
            log.warning("telegram reply not delivered", extra={"error": type(exc).__name__})

    async def send(self, user_id: str, replies: list[Reply], *, lane: Lane = REPLY,
                   before_send: BeforeSend | None = None) -> None:
        """Send replies to a chat; raises the errors of `bot.kernel.sending`."""
        await self.sender.send(user_id, replies, lane=lane, before_send=before_send)

    async def fetch_photo(self, ref: str, limit: int) -> bytes:
        """A photo a person sent, by its file id (for staff in the console:
        `bot.feedback.photos`); raises TelegramError, or ValueError past `limit` bytes."""
        file = await self.app.bot.get_file(ref)
        if file.file_size and file.file_size > limit:
            raise ValueError("photo too large")
        data = await file.download_as_bytearray()
        if len(data) > limit:
            raise ValueError("photo too large")
        return bytes(data)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)
