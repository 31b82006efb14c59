"""Helpers for the campaign tests: subscribers in bulk, a real Telegram sender pointed at
the local Bot API fake, campaigns created and fired through the public functions."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import insert, select
from telegram import Bot

from bot.channels.ratelimit import ChannelLimits, LaneLimiter
from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_send import TelegramSender
from bot.db.models import Subscription, User
from bot.db.models_campaigns import OutboxMessage
from bot.kernel.clock import utcnow
from scheduler import campaigns, firing
from scheduler.audience import Audience

FIRST_CHAT = 700_000_001


async def seed_subscribers(db, n: int, *, channel: str = "telegram", start: int = FIRST_CHAT,
                           topic: str | None = "all", unit: str | None = None,
                           role: str = "citizen") -> list[int]:
    """`n` people on `channel` (chat ids start, start+1, …), subscribed to `topic`."""
    now = utcnow()
    chats = list(range(start, start + n))
    async with db.session() as session:
        for i in range(0, n, 5000):
            await session.execute(insert(User), [
                {"channel": channel, "channel_user_id": str(c), "role": role, "unit_id": unit,
                 "created_at": now, "last_seen_at": now} for c in chats[i:i + 5000]])
        # In slices of 5,000: asyncpg takes at most 32,767 parameters per statement.
        for i in range(0, n if topic else 0, 5000):
            ids = (await session.execute(select(User.id).where(
                User.channel == channel, User.channel_user_id.in_([str(c) for c in chats[i:i + 5000]])))).scalars()
            await session.execute(insert(Subscription), [
                {"user_id": uid, "topic_id": topic, "created_at": now} for uid in ids])
        await session.commit()
    return chats


async def telegram_sender(fake, *, rate: float = 0.0, chat_interval: float = 0.0) -> TelegramSender:
    bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url,
              request=AiohttpRequest(connection_pool_size=64))
    await bot.initialize()
    return TelegramSender(bot, LaneLimiter(ChannelLimits(rate, chat_interval)))


async def start_campaign(services, *, title: str = "Tuần lễ dịch vụ công",
                         text: str = "Nộp hồ sơ trực tuyến tại Cổng dịch vụ công của tỉnh.",
                         audience: Audience | None = None, urgent: bool = False,
                         link: str | None = None, channels=("telegram",)) -> tuple[int, int]:
    """Create, confirm and fire a "send now" campaign; returns (campaign id, broadcast id)."""
    draft = campaigns.Draft(title=title, text=text, audience=audience or Audience(), urgent=urgent,
                            link_url=link)
    async with services.db.session() as session:
        campaign = await campaigns.create(session, draft)
        await campaigns.confirm(session, campaign)
        await session.commit()
    broadcast_id = await firing.fire(services.db, campaign.id)
    await firing.expand(services.db, broadcast_id, channels)
    return campaign.id, broadcast_id


def deliveries(fake, text_part: str = "") -> Counter:
    """How many broadcast messages each chat got, from the fake's own record."""
    counts: Counter = Counter()
    for call in fake.calls(ok=True):
        if call.method in ("sendMessage", "sendPhoto"):
            body = call.params.get("text") or call.params.get("caption") or ""
            if text_part in body:
                counts[int(call.params["chat_id"])] += 1
    return counts


async def statuses(db, broadcast_id: int) -> Counter:
    async with db.session() as session:
        rows = (await session.execute(select(OutboxMessage.status).where(
            OutboxMessage.broadcast_id == broadcast_id))).scalars()
        return Counter(rows)
