"""Sending to Zalo users: answers within a conversation, and pushes outside one.

A push (a broadcast, a staff answer to feedback) is a reply ("tư vấn") message, which
Zalo allows only within 7 days of the person's last interaction: outside it `send`
raises OutsideReplyWindow, and a campaign can fall back to `fallback` (an article
broadcast, if the settings choose one).

Answers and pushes share one `LaneLimiter` (in the bot process the delivery worker uses
this very sender), so answers to people in a conversation go ahead of broadcasts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

import aiohttp

from bot.channels.ratelimit import ChannelLimits, LaneLimiter
from bot.config import Settings
from bot.kernel.clock import utcnow
from bot.kernel.messages import Reply
from bot.kernel.sending import (
    BROADCAST,
    REPLY,
    BeforeSend,
    ChannelUnavailable,
    DeliveryError,
    Lane,
    OutsideReplyWindow,
    RateLimited,
    Rejected,
    Uncertain,
    Unreachable,
)
from bot.runtime import Runtime
from bot.zalo import contacts
from bot.zalo.api import CS_MESSAGE, QUOTA_BACKOFF, NotFollower, ZaloClient
from bot.zalo.broadcast import Article, ArticleBroadcast, FallbackResult
from bot.zalo.render import Renderer
from bot.zalo.tokens import TokenError, TokenManager

log = logging.getLogger(__name__)

CHANNEL = "zalo"
REPLY_ATTEMPTS = 3
REPLY_MAX_WAIT = 30.0  # longest single wait of an answer held up by a rate limit
TOKEN_RETRY = 60.0  # seconds a broadcast waits when no usable token is at hand


def zalo_limiter(settings: Settings) -> LaneLimiter:
    return LaneLimiter(ChannelLimits(settings.zalo_rate_per_second))


class ZaloSender:
    """The `Sender` for Zalo (bot/kernel/sending.py); usable without the webhook, e.g. by
    delivery workers in their own process."""

    channel = CHANNEL

    def __init__(self, services: Runtime, clock: Callable[[], datetime] = utcnow,
                 limiter: LaneLimiter | None = None) -> None:
        self.services, self.settings, self.clock = services, services.settings, clock
        self.limiter = limiter or zalo_limiter(self.settings)
        self._session: aiohttp.ClientSession | None = None
        self.tokens = TokenManager(services.db, self.settings, self.http, clock)
        self.client = ZaloClient(self.settings, self.tokens, self.http)
        self.renderer = Renderer(services.content.text, self.settings.zalo_button_action)
        self.broadcasts = ArticleBroadcast(services, self.client, clock)

    async def http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, user_id: str, replies: list[Reply], *, lane: Lane = REPLY,
                   before_send: BeforeSend | None = None) -> None:
        """Push replies outside a turn. Raises OutsideReplyWindow when Zalo's reply window
        is closed, Unreachable when the person does not follow the OA, RateLimited,
        Rejected, Uncertain (part of it, or maybe all, went out); on the broadcast lane
        ChannelUnavailable when the OA cannot send at all now (no token, quota used up).
        `before_send` is awaited once, right before the first call to Zalo."""
        async with self.services.db.session() as session:
            contact = await contacts.lookup(session, user_id)
        if contact is not None:  # no record: let Zalo say (its errors map the same way)
            if contact.following is False:
                raise NotFollower("the person unfollowed the OA")
            if contact.window(self.clock(), self.settings.zalo_reply_window_days) == "closed":
                raise OutsideReplyWindow("no interaction within the reply window")
        if lane == BROADCAST:
            try:  # fail before the hook marks the row: nothing can go out without a token
                await self.tokens.access_token()
            except TokenError as exc:
                raise ChannelUnavailable(str(exc), TOKEN_RETRY) from exc
        call = _Calls(self, user_id, lane, before_send)
        for message in self.renderer.render(replies, numbered=False):
            await call(message)

    async def fetch_photo(self, ref: str, limit: int) -> bytes:
        """A photo a person sent, by the URL Zalo gave in the (signed) webhook event, for
        staff in the console (`bot.feedback.photos`); raises on HTTP errors or past `limit`."""
        if urlsplit(ref).scheme not in ("http", "https"):
            raise ValueError("not a web address")
        session = await self.http()
        async with session.get(ref, allow_redirects=True, max_redirects=3) as response:
            response.raise_for_status()
            data = await response.content.read(limit + 1)
        if len(data) > limit:
            raise ValueError("photo too large")
        return data

    async def reply(self, user_id: str, replies: list[Reply]) -> bool:
        """Answer a turn. Waits out short rate limits and network trouble a few times;
        never raises. False (and an error logged) when the answer could not be delivered."""
        for message in self.renderer.render(replies, numbered=True):
            for attempt in range(REPLY_ATTEMPTS):
                try:
                    await self.limiter.acquire(REPLY, user_id)
                    await self._deliver(user_id, message)
                    break
                except Unreachable as exc:
                    log.info("zalo user cannot be answered", extra={"reason": type(exc).__name__})
                    return False
                except Rejected as exc:
                    log.error("zalo refused an answer message", extra={"error": str(exc)})
                    break  # the next message may still go
                except DeliveryError as exc:
                    backoff = exc.retry_after if isinstance(exc, RateLimited) else 1.0
                    wait = min(backoff * 2**attempt, REPLY_MAX_WAIT)
                    if backoff >= QUOTA_BACKOFF or attempt == REPLY_ATTEMPTS - 1:
                        log.error("zalo answer not delivered", extra={"error": str(exc)})
                        return False
                    log.warning("zalo answer delayed", extra={"error": str(exc), "wait": wait})
                    await asyncio.sleep(wait)
        return True

    async def outside_window(self, user_ids: list[str]) -> set[str]:
        """Of a batch of broadcast recipients, those whose reply window is known to be
        closed: a delivery worker sends them nothing and goes to `fallback` directly."""
        async with self.services.db.session() as session:
            return await contacts.outside_window(
                session, user_ids, self.clock(), self.settings.zalo_reply_window_days)

    async def fallback(self, campaign_key: str, title: str, text: str, image_url: str | None = None) -> FallbackResult:
        """For a campaign recipient whose `send` raised OutsideReplyWindow: reached by the
        campaign's article broadcast, or not reachable on Zalo (see bot/zalo/broadcast.py)."""
        return await self.broadcasts.cover(campaign_key, Article(title, text, image_url))

    async def _deliver(self, user_id: str, message: dict) -> None:
        try:
            await self.client.post(CS_MESSAGE, {"recipient": {"user_id": user_id}, "message": message})
        except NotFollower:
            async with self.services.db.session() as session:
                await contacts.mark_unfollowed(session, user_id, self.clock())
                await session.commit()
            raise


class _Calls:
    """The Zalo calls of one push: paced on its lane, the before-send hook run before the
    first, a rate limit met halfway through a message waited out; a failure after a part
    went out is `Uncertain`."""

    RETRIES = 3
    MAX_WAIT = 60.0

    def __init__(self, sender: ZaloSender, user_id: str, lane: Lane, before_send: BeforeSend | None) -> None:
        self.sender, self.user_id, self.lane, self.before_send = sender, user_id, lane, before_send
        self.delivered = 0

    async def __call__(self, message: dict) -> None:
        limiter = self.sender.limiter
        retries = 0
        while True:
            send = await limiter.acquire(self.lane, self.user_id)
            try:
                try:
                    if self.before_send is not None:
                        hook, self.before_send = self.before_send, None
                        await hook()
                    await self.sender._deliver(self.user_id, message)
                finally:
                    send.answered()  # or refused, or never sent: the limiter's count moves on
                self.delivered += 1
                return
            except RateLimited as exc:
                if self.lane == BROADCAST and exc.retry_after >= QUOTA_BACKOFF:
                    # The OA's quota is used up: the whole channel waits, not one row.
                    raise self._partial(ChannelUnavailable(str(exc), exc.retry_after)) from exc
                if self.lane == BROADCAST:
                    limiter.pause(BROADCAST, exc.retry_after)
                # Not delivered. With nothing out yet the caller tries again later (a
                # broadcast row goes back to the outbox); the rest of a message already
                # begun waits, or it would be cut in two.
                if not self.delivered or retries >= self.RETRIES or exc.retry_after > self.MAX_WAIT:
                    raise self._partial(exc) from exc
                retries += 1
                await asyncio.sleep(exc.retry_after)
            except TokenError as exc:  # refused the token and could not refresh: nothing sent
                if self.lane == BROADCAST:
                    raise self._partial(ChannelUnavailable(str(exc), TOKEN_RETRY)) from exc
                raise self._partial(exc) from exc
            except DeliveryError as exc:
                raise self._partial(exc) from exc

    def _partial(self, error: DeliveryError) -> DeliveryError:
        if self.delivered and error.transient:
            return Uncertain(f"part of the message was delivered, then: {error}")
        return error
