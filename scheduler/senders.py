"""The channels a delivery worker can push to, and how a worker process builds their
senders without the rest of the bot.

A channel that can push registers here: `PUSH_CHANNELS[name]` says from the settings
whether it is configured (the audience only counts people on configured channels), and
`build` makes its sender. The Zalo channel adds its entry the same way: a sender with
`send(user_id, replies, *, lane, before_send)`, its own `LaneLimiter`, and its errors
mapped onto `bot.channels.base` (Unreachable when the 7-day window is closed or the user
unfollowed, RateLimited / ChannelUnavailable on quota)."""

from __future__ import annotations

from collections.abc import Callable

from bot.channels.base import Sender
from bot.config import Settings
from bot.db.session import Database

PUSH_CHANNELS: dict[str, Callable[[Settings], bool]] = {
    "telegram": lambda settings: bool(settings.telegram_bot_token),
}


def push_channels(settings: Settings) -> list[str]:
    return [name for name, configured in PUSH_CHANNELS.items() if configured(settings)]


async def build(settings: Settings, db: Database) -> tuple[dict[str, Sender], Callable]:
    """Senders for a process that only delivers; returns them and an async closer."""
    senders: dict[str, Sender] = {}
    closers = []
    if settings.telegram_bot_token:
        from telegram import Bot

        from bot.channels.refs import DatabaseRefs
        from bot.channels.telegram import telegram_limiter
        from bot.channels.telegram_http import AiohttpRequest
        from bot.channels.telegram_send import TelegramSender

        bot = Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url,
                  base_file_url=settings.telegram_api_base_file_url,
                  request=AiohttpRequest(connection_pool_size=settings.delivery_concurrency + 4))
        await bot.initialize()
        senders["telegram"] = TelegramSender(bot, telegram_limiter(settings), DatabaseRefs(db))
        closers.append(bot.shutdown)

    async def close() -> None:
        for closer in closers:
            await closer()

    return senders, close
