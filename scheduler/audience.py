"""Who a campaign reaches, as one SQL condition over `users`: subscribers (all, or of a
topic), the cadres of chosen units, or the subscribers of one channel; always only people
on a channel the bot can push to, not unreachable, not opted out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.db.models import Subscription, User
from bot.db.models_campaigns import Campaign, RecipientStatus

KINDS = ("all", "topic", "units", "channel")
ALL_TOPICS = "all"  # the subscription meaning "every CCHC news item" (handlers/subscribe.py)


@dataclass(frozen=True)
class Audience:
    kind: str = "all"
    topic: str | None = None
    units: tuple[str, ...] = field(default_factory=tuple)
    channel: str | None = None  # kind "channel": that channel; otherwise narrows any kind

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"đối tượng '{self.kind}' không có (chọn: {', '.join(KINDS)})")
        if self.kind == "topic" and not self.topic:
            raise ValueError("chọn chủ đề cho đối tượng 'topic'")
        if self.kind == "units" and not self.units:
            raise ValueError("chọn ít nhất một đơn vị cho đối tượng 'units'")
        if self.kind == "channel" and not self.channel:
            raise ValueError("chọn kênh cho đối tượng 'channel'")

    @classmethod
    def of(cls, campaign: Campaign) -> Audience:
        return cls(campaign.audience_kind, campaign.audience_topic,
                   tuple(campaign.audience_units or ()), campaign.audience_channel)

    def channels(self, push_channels: Iterable[str]) -> list[str]:
        """The channels this audience can reach among those the bot pushes to."""
        return [c for c in push_channels if self.channel in (None, c)]

    @classmethod
    def parse(cls, spec: str, channel: str | None = None) -> Audience:
        """CLI form: all | topic:<id> | units:<id>,<id> | channel:<name>."""
        kind, _, arg = spec.strip().partition(":")
        if kind == "topic":
            return cls("topic", topic=arg or None, channel=channel)
        if kind == "units":
            return cls("units", units=tuple(u for u in arg.split(",") if u), channel=channel)
        if kind == "channel":
            return cls("channel", channel=arg or channel)
        return cls(kind, channel=channel)


def _subscribed(topic: str | None = None,
                since: InstrumentedAttribute[datetime | None] | None = None) -> ColumnElement[bool]:
    condition = [Subscription.user_id == User.id]
    if topic:
        condition.append(Subscription.topic_id.in_([topic, ALL_TOPICS]))
    if since is not None:
        condition.append(Subscription.created_at > since)
    return exists().where(*condition)


def condition(audience: Audience, push_channels: Iterable[str]) -> ColumnElement[bool]:
    status = RecipientStatus
    unreachable = exists().where(
        status.user_id == User.id, status.unreachable_since.is_not(None),
        status.unreachable_since >= User.last_seen_at)
    # Opted out with the one-tap button, and not subscribed again since.
    opted_out = exists().where(
        status.user_id == User.id, status.opted_out_at.is_not(None),
        not_(_subscribed(since=status.opted_out_at)))
    parts = [User.channel.in_(list(push_channels)), not_(unreachable), not_(opted_out)]
    if audience.channel:
        parts.append(User.channel == audience.channel)
    if audience.kind in ("all", "channel"):
        parts.append(_subscribed())
    elif audience.kind == "topic":
        parts.append(_subscribed(audience.topic))
    else:
        parts.append(User.unit_id.in_(list(audience.units)))
    return and_(*parts)


async def count(session: AsyncSession, audience: Audience, push_channels: Iterable[str]) -> int:
    query = select(func.count()).select_from(User).where(condition(audience, push_channels))
    return int((await session.execute(query)).scalar_one())


async def count_by_channel(session: AsyncSession, audience: Audience, push_channels: Iterable[str]) -> dict[str, int]:
    """How many people the audience reaches on each channel it can push to (0 where none)."""
    channels = list(push_channels)
    query = (select(User.channel, func.count()).select_from(User)
             .where(condition(audience, channels)).group_by(User.channel))
    found = {channel: int(n) for channel, n in (await session.execute(query)).all()}
    return {channel: found.get(channel, 0) for channel in audience.channels(channels)}
