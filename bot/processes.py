"""`cchc-bot scheduler` and `cchc-bot worker` as processes of their own: the database,
the content pack and push-only senders (no polling, no webhook), until SIGTERM/SIGINT.
On a signal the worker stops claiming, lets the sends in flight finish and records them."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

from bot.app import build_services
from bot.config import Settings
from bot.db import migrate
from bot.kernel.sending import Sender
from bot.runtime import Runtime
from scheduler.service import run_background

log = logging.getLogger(__name__)


async def run_process(settings: Settings, *, scheduler: bool, workers: int) -> int:
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    services = build_services(settings)
    pushers, close = await build_senders(services)
    services.senders.update(pushers)
    if workers and set(pushers) == {"web"}:
        log.warning("only the web chat is configured to push to (no TELEGRAM_BOT_TOKEN, ZALO_APP_ID…)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await run_background(services, stop, scheduler=scheduler, workers=workers)
    finally:
        await close()
        await services.db.dispose()
    return 0


async def build_senders(services: Runtime) -> tuple[dict[str, Sender], Callable[[], Awaitable[None]]]:
    """Senders for a process that only delivers (no polling, no webhook); returns them and
    an async closer."""
    settings, db = services.settings, services.db
    from bot.channels.websender import WebSender

    web = WebSender.build(services)  # into the history; read by the bot process's streams
    senders: dict[str, Sender] = {"web": web}
    closers = [web.close]
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
