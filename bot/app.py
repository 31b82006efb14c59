"""Putting the bot together: services, channels, the aiohttp app; and running it."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import signal
import sys
from typing import Protocol

from aiohttp import web

from bot.channels import telegram_send, webchat_preview
from bot.channels.webchat import WebChat
from bot.channels.websender import WebSender
from bot.config import Settings
from bot.content.watch import ContentWatcher
from bot.conversation.conversation import Conversation
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db import migrate
from bot.db.session import Database
from bot.faq.served import AnsweringContent
from bot.feedback.delivery import FeedbackWorker
from bot.places.lookup import book_for
from bot.web import admin, health
from bot.zalo import render as zalo_render

log = logging.getLogger(__name__)


class Channel(Protocol):
    """A channel the app starts and stops with itself (Telegram, Zalo)."""

    status: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def build_services(settings: Settings) -> Services:
    return Services(settings=settings, db=Database(settings.database_url),
                    content=AnsweringContent(settings.content_dir), router=build_router())


class BotApp:
    """The running bot: one aiohttp app (web chat, webhooks, health) plus channels."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.conversation = Conversation(services)
        self.web = web.Application(client_max_size=1024 * 1024)
        self.channels: dict[str, Channel] = {}
        web_sender = WebSender.build(services)
        services.senders["web"] = web_sender
        self.webchat = WebChat(self.conversation, web_sender)
        self.webchat.install(self.web)
        settings = services.settings
        if settings.telegram_bot_token:
            from bot.channels.refs import DatabaseRefs
            from bot.channels.telegram import TelegramChannel
            from bot.channels.telegram_desk import TelegramStaffDesk

            self.telegram = TelegramChannel(settings, self.conversation, DatabaseRefs(services.db))
            self.telegram.install(self.web)
            self.channels["telegram"] = self.telegram
            services.senders["telegram"] = self.telegram
            if settings.feedback_staff_chat_id:
                services.staff_desk = TelegramStaffDesk(self.telegram, settings.feedback_staff_chat_id)
        if settings.zalo_enabled:
            from bot.zalo.channel import ZaloChannel

            self.zalo = ZaloChannel(self.conversation)
            self.zalo.install(self.web)
            self.channels["zalo"] = self.zalo
            services.senders["zalo"] = self.zalo.sender
        admin.install(self.web, services, previews={
            "telegram": telegram_send.preview, "zalo": zalo_render.preview, "web": webchat_preview.preview})
        health.install(self.web, services.db, self.channel_status, self.content_status,
                       lambda: self.conversation.turns)
        self.feedback_worker = FeedbackWorker(services)
        self._runner: web.AppRunner | None = None
        self._watch: asyncio.Task | None = None
        self.campaigns = None
        if settings.scheduler_embedded:
            from scheduler.service import Embedded

            self.campaigns = Embedded(services)

    def channel_status(self) -> dict[str, str]:
        status = {"web": "ok"}  # answering this request proves it
        status.update({name: getattr(ch, "status", "ok") for name, ch in self.channels.items()})
        return status

    def content_status(self) -> dict:
        store = self.services.content
        refused = store.refused
        return {"version": store.version,
                "refused": [str(i) for i in refused[1][:20]] if refused else []}

    async def start(self, host: str, port: int) -> None:
        # The address look-up's tables (read once; under a second) before the first question.
        await asyncio.to_thread(book_for, self.services.content.pack.info.province_code)
        self._runner = web.AppRunner(self.web, shutdown_timeout=10)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, host, port).start()
        except OSError:  # the port is taken, say: nothing else has started yet
            await self._runner.cleanup()
            self._runner = None
            raise
        for channel in self.channels.values():
            await channel.start()
        self.feedback_worker.start()
        poll = self.services.settings.content_poll_seconds
        if poll > 0:
            self._watch = asyncio.create_task(ContentWatcher(self.services.content, poll).run())
        if self.campaigns:
            await self.campaigns.start()
        log.info("bot started", extra={"url": f"http://{host}:{port}/", "channels": list(self.channel_status())})

    async def stop(self) -> None:
        if self.campaigns:
            await self.campaigns.stop()  # sends in flight finish and are recorded
        await self.feedback_worker.stop()
        if self._watch:
            self._watch.cancel()
            self._watch = None
        for channel in self.channels.values():
            try:
                await channel.stop()
            except Exception:
                log.exception("channel did not stop cleanly")
        if self._runner:
            await self._runner.cleanup()  # waits for requests in flight
            self._runner = None
        await self.services.db.dispose()
        log.info("bot stopped")


async def serve(settings: Settings) -> int:
    """Run the bot until Ctrl-C or SIGTERM; the exit status (1 when the port is taken)."""
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    app = BotApp(build_services(settings))
    # The content pack and the app are loaded for good: keep the garbage collector from
    # rescanning them on every full collection (pauses under load otherwise).
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await app.start(settings.web_host, settings.web_port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        await app.services.db.dispose()
        # Another bot, or something else, already listens there: one sentence, no traceback.
        print(app.services.content.text("run_port_busy", host=settings.web_host, port=settings.web_port),
              file=sys.stderr, flush=True)
        return 1
    print(f"Trợ lý đang chạy: http://{settings.web_host}:{settings.web_port}/  (Ctrl-C để dừng)", flush=True)
    try:
        await stop.wait()
    finally:
        await app.stop()
    return 0
