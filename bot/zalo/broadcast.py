"""Reaching followers whose reply window is closed: one OA article broadcast per campaign.

Zalo sends a reply message only within 7 days of a person's last interaction. For the
others the OA can publish the campaign as an article and broadcast it to its followers
(by target, within the OA package's quota) — once per campaign, whichever delivery
worker meets the first closed window. Which method is used is a setting
(ZALO_BROADCAST_FALLBACK): `none` records the person as not reachable on Zalo, `article`
broadcasts. A broadcast goes to every follower in the target, including those who got the
campaign as a reply message: that is how Zalo's broadcast works."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from bot.db.models_zalo import ZaloBroadcast
from bot.db.results import rowcount
from bot.kernel.clock import utcnow
from bot.kernel.sending import DeliveryError, RateLimited
from bot.runtime import Runtime
from bot.zalo.api import ARTICLE_CREATE, ARTICLE_VERIFY, BROADCAST, ZaloClient

log = logging.getLogger(__name__)

ABANDONED_AFTER = timedelta(minutes=10)  # a claim older than this was left by a dead process
IN_PROGRESS_RETRY = 30.0  # seconds: ask the delivery engine to come back for this person
VERIFY_ATTEMPTS = 10


@dataclass(frozen=True)
class FallbackResult:
    covered: bool  # the person is reached by the campaign's article broadcast
    outcome: str  # "zalo_article_broadcast" or "zalo_not_reachable"
    detail: str | None = None


def not_reachable(detail: str) -> FallbackResult:
    return FallbackResult(False, "zalo_not_reachable", detail)


BROADCAST_SENT = FallbackResult(True, "zalo_article_broadcast")


@dataclass(frozen=True)
class Article:
    title: str
    text: str
    image_url: str | None = None


class ArticleBroadcast:
    def __init__(self, services: Runtime, client: ZaloClient, clock: Callable[[], datetime] = utcnow) -> None:
        self.services, self.settings, self.client, self.clock = (
            services,
            services.settings,
            client,
            clock,
        )

    async def cover(self, campaign_key: str, article: Article) -> FallbackResult:
        """What becomes of a follower of this campaign whose reply window is closed.
        Raises RateLimited while another worker is broadcasting it (come back later)."""
        if self.settings.zalo_broadcast_fallback != "article":
            return not_reachable("fallback disabled")
        row = await self._claim(campaign_key)
        if row is not None:  # decided already
            return BROADCAST_SENT if row.status == "sent" else not_reachable(row.error or "broadcast failed")
        try:
            article_id = await self._publish(article)
            message_id = await self._broadcast(article_id)
        except DeliveryError as exc:
            log.error("zalo article broadcast failed", extra={"campaign": campaign_key, "error": str(exc)})
            await self._finish(campaign_key, "failed", error=str(exc)[:255])
            return not_reachable(str(exc))
        await self._finish(campaign_key, "sent", article_id=article_id, message_id=message_id)
        log.info("zalo article broadcast sent", extra={"campaign": campaign_key})
        return BROADCAST_SENT

    async def _claim(self, key: str) -> ZaloBroadcast | None:
        """Take the broadcast on (None), or return the row of the one already decided."""
        db, now = self.services.db, self.clock()
        insert = sqlite.insert if db.is_sqlite else postgresql.insert
        async with db.session() as session:
            claimed = await session.execute(
                insert(ZaloBroadcast)
                .values(campaign_key=key, status="sending", claimed_at=now)
                .on_conflict_do_nothing(index_elements=["campaign_key"])
            )
            if rowcount(claimed) == 1:
                await session.commit()
                return None
            taken_over = await session.execute(
                update(ZaloBroadcast)
                .where(
                    ZaloBroadcast.campaign_key == key,
                    ZaloBroadcast.status == "sending",
                    ZaloBroadcast.claimed_at < now - ABANDONED_AFTER,
                )
                .values(claimed_at=now)
            )
            if rowcount(taken_over) == 1:
                await session.commit()
                log.warning(
                    "zalo broadcast left unfinished by another process taken over",
                    extra={"campaign": key},
                )
                return None
            row = await session.get(ZaloBroadcast, key)
            await session.commit()
        assert row is not None  # the row that made the insert do nothing; never deleted
        if row.status == "sending":
            raise RateLimited(IN_PROGRESS_RETRY, "zalo article broadcast in progress")
        return row

    async def _finish(self, key: str, status: str, **values: Any) -> None:
        async with self.services.db.session() as session:
            await session.execute(
                update(ZaloBroadcast)
                .where(ZaloBroadcast.campaign_key == key)
                .values(status=status, finished_at=self.clock(), **values)
            )
            await session.commit()

    async def _publish(self, article: Article) -> str:
        cover = article.image_url or self.settings.zalo_article_cover_url
        if not cover:
            raise DeliveryError("no cover image: set ZALO_ARTICLE_COVER_URL")
        info = self.services.content.pack.info
        paragraphs = [p.strip() for p in article.text.split("\n\n") if p.strip()]
        data = await self.client.post(
            ARTICLE_CREATE,
            {
                "type": "normal",
                "title": article.title[:150],
                "author": info.agency[:50],
                "cover": {"cover_type": "photo", "photo_url": cover, "status": "show"},
                "description": paragraphs[0][:300] if paragraphs else article.title[:300],
                "body": [{"type": "text", "content": p} for p in paragraphs],
                "status": "show",
                "comment": "show",
            },
        )
        token = data.get("token")
        if not token:
            raise DeliveryError("zalo article create returned no token")
        for attempt in range(VERIFY_ATTEMPTS):  # Zalo processes a new article for a moment
            verified = await self.client.post(ARTICLE_VERIFY, {"token": token})
            if verified.get("id"):
                return str(verified["id"])
            await asyncio.sleep(min(2.0, 0.2 * (attempt + 1)))
        raise DeliveryError("zalo article still processing")

    async def _broadcast(self, article_id: str) -> str | None:
        cities = self.settings.zalo_broadcast_cities
        target = {"cities": cities} if cities else {"gender": "0"}  # gender 0: everyone
        data = await self.client.post(
            BROADCAST,
            {
                "recipient": {"target": target},
                "message": {
                    "attachment": {
                        "type": "template",
                        "payload": {
                            "template_type": "media",
                            "elements": [{"media_type": "article", "attachment_id": article_id}],
                        },
                    }
                },
            },
        )
        return str(data["message_id"]) if data.get("message_id") else None
