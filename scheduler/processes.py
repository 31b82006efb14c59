"""`cchc-bot scheduler` and `cchc-bot worker` as processes of their own: the database,
the content pack and push-only senders (no polling, no webhook), until SIGTERM/SIGINT.
On a signal the worker stops claiming, lets the sends in flight finish and records them."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.config import Settings
from bot.db import migrate
from scheduler import senders
from scheduler.service import run_background

log = logging.getLogger(__name__)


async def run_process(settings: Settings, *, scheduler: bool, workers: int) -> int:
    from bot.app import build_services

    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    services = build_services(settings)
    pushers, close = await senders.build(services)
    services.senders.update(pushers)
    if workers and not pushers:
        log.warning("no channel to push to is configured (TELEGRAM_BOT_TOKEN, ZALO_APP_ID…): nothing will be sent")
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
