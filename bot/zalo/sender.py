"""Sending to Zalo users: answers within a conversation, and pushes outside one.

A push (a broadcast, a staff answer to feedback) is a reply ("tư vấn") message, which
Zalo allows only within 7 days of the person's last interaction: outside it `send`
raises OutsideReplyWindow, and a campaign can fall back to `fallback` (an article
broadcast, if the settings choose one)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import aiohttp

from bot.channels.base import DeliveryError, OutsideReplyWindow, RateLimited, Rejected, Unreachable
from bot.core.types import Reply
from bot.db.base import utcnow
from bot.zalo import contacts
from bot.zalo.api import CS_MESSAGE, QUOTA_BACKOFF, NotFollower, ZaloClient
from bot.zalo.broadcast import Article, ArticleBroadcast, FallbackResult
from bot.zalo.render import Renderer
from bot.zalo.tokens import TokenManager

log = logging.getLogger(__name__)

CHANNEL = "zalo"
REPLY_ATTEMPTS = 3
REPLY_MAX_WAIT = 30.0  # longest single wait of an answer held up by a rate limit


class ZaloSender:
    """The `Sender` for Zalo (bot/channels/base.py); usable without the webhook, e.g. by
    delivery workers in their own process."""

    channel = CHANNEL

    def __init__(self, services, clock: Callable[[], datetime] = utcnow) -> None:
        self.services, self.settings, self.clock = services, services.settings, clock
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

    async def send(self, user_id: str, replies: list[Reply]) -> None:
        """Push replies outside a turn. Raises OutsideReplyWindow when Zalo's reply window
        is closed, Unreachable when the person does not follow the OA, RateLimited, Rejected."""
        async with self.services.db.session() as session:
            contact = await contacts.lookup(session, user_id)
        if contact is not None:  # no record: let Zalo say (its errors map the same way)
            if contact.following is False:
                raise NotFollower("the person unfollowed the OA")
            if contact.window(self.clock(), self.settings.zalo_reply_window_days) == "closed":
                raise OutsideReplyWindow("no interaction within the reply window")
        for message in self.renderer.render(replies, numbered=False):
            await self._deliver(user_id, message)

    async def reply(self, user_id: str, replies: list[Reply]) -> bool:
        """Answer a turn. Waits out short rate limits and network trouble a few times;
        never raises. False (and an error logged) when the answer could not be delivered."""
        for message in self.renderer.render(replies, numbered=True):
            for attempt in range(REPLY_ATTEMPTS):
                try:
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
