"""Zalo through the province's Official Account (OA API v3): the webhook on the bot's own
aiohttp app, and answers sent back through the OA API.

Zalo wants a 200 at once and retries otherwise, so the webhook checks the signature,
stores the event in the durable inbox, answers, and handles the event in a task of its own;
the tasks are tracked and drained on shutdown (after which the webhook answers 503, so Zalo
delivers the event again later), and events left in the inbox by a killed process are
handled at the next start.
A redelivered event has the same msg_id: the core answers it once (processed_updates)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels import inbox
from bot.channels.bodies import BadBody, read_json_object
from bot.conversation.conversation import Conversation
from bot.db import events
from bot.db.events import EventKind
from bot.db.models import ProcessedUpdate
from bot.db.users import get_or_create_user
from bot.kernel.clock import utcnow
from bot.kernel.messages import Reply
from bot.kernel.sending import REPLY, BeforeSend, Lane
from bot.zalo import contacts, webhook
from bot.zalo.sender import ZaloSender
from bot.zalo.webhook import SIGNATURE_HEADER, SignatureError, ZaloEvent

log = logging.getLogger(__name__)

CHANNEL = "zalo"
MAX_BODY = 256 * 1024
DRAIN_TIMEOUT = 30.0
TOKEN_CHECK_EVERY = 300.0  # seconds between checks that the access token is not about to expire
# Inbox rows older than this at start-up were left by a process that died (a live one
# finishes an event in well under this).
LEFT_OVER_AFTER = timedelta(seconds=60)


class _UserLocks:
    """One event at a time per person in this process, so answers keep their order."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._users: dict[str, int] = defaultdict(int)

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        self._users[key] += 1
        try:
            async with self._locks[key]:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]


class ZaloChannel:
    channel = CHANNEL

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.services = conversation.services
        self.settings = self.services.settings
        self.sender = ZaloSender(self.services)
        self.status = "off"
        self._tasks: set[asyncio.Task] = set()
        self._locks = _UserLocks()
        self._closing = False
        self._token_watch: asyncio.Task | None = None

    def install(self, web_app: web.Application) -> None:
        web_app.router.add_post(self.settings.zalo_webhook_path, self._webhook)

    async def start(self) -> None:
        self._closing = False
        await self.sender.tokens.seed_from_settings()
        self._token_watch = asyncio.create_task(self._watch_token())
        for row_id, body in await inbox.left_over(self.services.db, CHANNEL, LEFT_OVER_AFTER):
            self._spawn(row_id, json.loads(body))
        self.status = "webhook"
        log.info("zalo started", extra={"path": self.settings.zalo_webhook_path})

    async def stop(self) -> None:
        """Refuse new events (Zalo retries them), finish those in flight, close."""
        self._closing = True
        if self._token_watch:
            self._token_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._token_watch
        await self.drain(DRAIN_TIMEOUT)
        await self.sender.close()
        self.status = "off"

    async def drain(self, at_most: float | None = None) -> None:
        """Wait until every event taken so far is handled (and answered)."""
        while self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=at_most)
            if pending:
                log.error("zalo events still in flight at shutdown", extra={"count": len(pending)})
                return

    async def _webhook(self, request: web.Request) -> web.Response:
        if self._closing:
            return web.Response(status=503)
        try:  # before the signature check: parsing the body is what finds its fields
            body, event = await read_json_object(request, MAX_BODY)
        except BadBody as refused:
            return refused.response()
        app_id, secret = self.settings.zalo_app_id, self.settings.zalo_oa_secret_key
        assert app_id and secret  # the channel is set up only when Zalo is (Settings.zalo_enabled)
        try:
            webhook.verify(
                request.headers.get(SIGNATURE_HEADER),
                body,
                event,
                app_id=app_id,
                oa_secret_key=secret,
                max_age=self.settings.zalo_webhook_max_age,
            )
        except SignatureError as exc:
            log.warning(
                "zalo webhook event rejected",
                extra={
                    "reason": exc.reason,
                    "peer": request.remote,
                    "event_name": str(event.get("event_name"))[:40],
                },
            )
            return web.Response(status=401)
        try:
            row_id = await inbox.put(self.services.db, CHANNEL, body)
        except Exception:
            log.exception("zalo event could not be stored; Zalo will redeliver it")
            return web.Response(status=503)
        self._spawn(row_id, event)
        return web.Response(text="ok")

    def _spawn(self, row_id: int, event: dict) -> None:
        task = asyncio.create_task(self._process(row_id, webhook.parse(event)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, row_id: int, event: ZaloEvent) -> None:
        await self._handle(event)  # logs its own failures
        try:
            await inbox.done(self.services.db, row_id)
        except Exception:
            log.exception("zalo inbox row not cleared; it is handled again at the next start")

    async def _handle(self, event: ZaloEvent) -> None:
        if event.user_id is None:
            return
        try:
            async with self._locks.hold(event.user_id):
                if event.is_interaction or event.name == "unfollow":
                    await self._record_contact(event)
                incoming = event.to_incoming(self._is_payload)
                if incoming is None:
                    return
                replies = await self.conversation.handle(incoming)
                if replies:
                    await self.sender.reply(event.user_id, replies)
        except Exception:
            log.exception("zalo event failed", extra={"event_name": event.name})

    def _is_payload(self, text: str) -> bool:
        handler, _ = self.conversation.router.for_payload(text)
        return handler is not None

    async def _record_contact(self, event: ZaloEvent) -> None:
        """Follow state and the last interaction, which opens Zalo's reply window."""
        assert event.user_id is not None  # an event without a person stops before this
        at = min(event.timestamp or utcnow(), utcnow())
        follow = {"follow": True, "unfollow": False}.get(event.name)
        async with self.services.db.session() as session:
            user = await get_or_create_user(session, CHANNEL, event.user_id)
            await session.flush()
            await contacts.record(session, user.id, at, follow=follow)
            if follow is not None and await self._first(
                session, f"{event.name}:{event.user_id}:{int(at.timestamp() * 1000)}"
            ):
                key = events.user_key(self.settings.pseudonym_salt, CHANNEL, event.user_id)
                events.record(
                    session,
                    user_key=key,
                    channel=CHANNEL,
                    kind=EventKind.FOLLOWED if follow else EventKind.UNFOLLOWED,
                )
            await session.commit()

    @staticmethod
    async def _first(session: AsyncSession, key: str) -> bool:
        """Whether this follow/unfollow is seen for the first time (Zalo redelivers)."""
        try:
            async with session.begin_nested():
                session.add(ProcessedUpdate(channel=CHANNEL, update_key=f"contact:{key}"[:128]))
            return True
        except IntegrityError:
            return False

    async def _watch_token(self) -> None:
        """Refresh the access token before it expires even when nobody writes (an unused
        refresh token expires too)."""
        while True:
            try:
                await self.sender.tokens.access_token()
            except Exception as exc:
                log.error("zalo token check failed", extra={"error": str(exc)})
            await asyncio.sleep(TOKEN_CHECK_EVERY)

    async def send(self, user_id: str, replies: list[Reply], *, lane: Lane = REPLY,
                   before_send: BeforeSend | None = None) -> None:
        await self.sender.send(user_id, replies, lane=lane, before_send=before_send)
