"""The channels a delivery worker can push to, and how a worker process builds their
senders without the rest of the bot.

A channel that can push registers here: `PUSH_CHANNELS[name]` says from the settings
whether it is configured (the audience only counts people on configured channels), and
`build` makes its sender for a process that only delivers (`cchc-bot worker`,
`cchc-bot scheduler`). In the bot process (`cchc-bot run`, the embedded default) the
channels' own senders are used instead (BotApp fills `services.senders`), so answers and
broadcasts share one rate limiter per channel.

Each sender offers `send(user_id, replies, *, lane, before_send)` (bot/channels/base.py)
with its own `LaneLimiter`. Zalo's also offers `outside_window` and `fallback`: people
whose 7-day reply window is closed are reached by the campaign's OA article broadcast, or
recorded as not reachable on Zalo (scheduler/delivery.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.channels.base import Sender
from bot.config import Settings

if TYPE_CHECKING:
    from bot.core.services import Services

log = logging.getLogger(__name__)

PUSH_CHANNELS: dict[str, Callable[[Settings], bool]] = {
    "telegram": lambda settings: bool(settings.telegram_bot_token),
    "zalo": lambda settings: settings.zalo_enabled,
}


def push_channels(settings: Settings) -> list[str]:
    return [name for name, configured in PUSH_CHANNELS.items() if configured(settings)]


async def build(services: Services) -> tuple[dict[str, Sender], Callable]:
    """Senders for a process that only delivers; returns them and an async closer."""
    settings, db = services.settings, services.db
    senders: dict[str, Sender] = {}
    closers = []
    if settings.telegram_bot_token:
        from telegram import Bot
        from telegram.request import HTTPXRequest

        from bot.channels.refs import DatabaseRefs
        from bot.channels.telegram import telegram_limiter
        from bot.channels.telegram_send import TelegramSender

        bot = Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url,
                  base_file_url=settings.telegram_api_base_file_url,
                  request=HTTPXRequest(connection_pool_size=settings.delivery_concurrency + 4))
        await bot.initialize()
        senders["telegram"] = TelegramSender(bot, telegram_limiter(settings), DatabaseRefs(db))
        closers.append(bot.shutdown)
    if settings.zalo_enabled:
        from bot.zalo.sender import ZaloSender

        zalo = ZaloSender(services)
        # A new pair put in the settings is taken once, whichever process starts first.
        await zalo.tokens.seed_from_settings()
        senders["zalo"] = zalo
        closers.append(zalo.close)

    async def close() -> None:
        for closer in closers:
            try:
                await closer()
            except Exception:
                log.exception("a sender did not close cleanly")

    return senders, close
