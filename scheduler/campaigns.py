"""The campaign lifecycle: draft → scheduled → sending → done, with paused and cancelled
on the side. Chat, CLI and the content calendar all go through these functions; the
scheduler process notices the changes in the database (two processes!)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.store import ContentStore
from bot.db.models_campaigns import (
    Broadcast,
    BroadcastStatus,
    Campaign,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
)
from bot.db.results import rowcount
from bot.kernel.clock import utcnow
from bot.kernel.timing import cron_trigger
from scheduler import audience as audiences
from scheduler import message, progress
from scheduler.audience import Audience

SCHEDULES = ("now", "at", "cron")
# States a campaign can be paused, resumed or cancelled from.
PAUSABLE = (CampaignStatus.SCHEDULED, CampaignStatus.SENDING)
CANCELLABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING,
               CampaignStatus.PAUSED)
QUEUED = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)


@dataclass(frozen=True)
class Draft:
    title: str
    text: str
    audience: Audience = field(default_factory=Audience)
    schedule: str = "now"
    send_at: datetime | None = None
    cron: str | None = None
    image: str | None = None
    link_url: str | None = None
    link_label: str | None = None
    urgent: bool = False

    def message(self) -> dict:
        return {"title": self.title, "text": self.text, "image": self.image,
                "link_url": self.link_url, "link_label": self.link_label, "topic": self.audience.topic}

    def with_(self, **changes: Any) -> Draft:
        return replace(self, **changes)


def problems(content: ContentStore, draft: Draft, now: datetime | None = None) -> list[str]:
    """Everything wrong with a draft, in Vietnamese, for staff."""
    now = now or utcnow()
    found = message.problems(content, draft.message())
    pack = content.pack
    audience = draft.audience
    if (audience.kind == "topic" and audience.topic is not None and audience.topic != "all"
            and pack.topic(audience.topic) is None):
        found.append(content.text("campaign_err_topic", topic=audience.topic))
    for unit in audience.units:
        if pack.unit(unit) is None:
            found.append(content.text("campaign_err_unit", unit=unit))
    if draft.schedule not in SCHEDULES:
        found.append(content.text("campaign_err_schedule"))
    elif draft.schedule == "at":
        if draft.send_at is None:
            found.append(content.text("campaign_err_schedule"))
        elif draft.send_at < now - timedelta(minutes=1):
            found.append(content.text("campaign_err_past"))
    elif draft.schedule == "cron":
        try:
            cron_trigger(draft.cron or "")
        except ValueError as exc:
            found.append(str(exc))
    return found


@dataclass(frozen=True)
class Readiness:
    """What staff must know before a draft is confirmed (chat and CLI alike): what keeps
    it from going out at all, how many people it reaches today, and — when that is nobody
    or very many — the warning a second confirmation answers."""

    problems: list[str]
    count: int
    warning: str | None = None

    @property
    def needs_second_confirmation(self) -> bool:
        return not self.problems and self.warning is not None


async def readiness(session: AsyncSession, content: ContentStore, campaign: Campaign,
                    push_channels: list[str], large: int) -> Readiness:
    """Check a campaign before confirming it. `large`: from this many recipients on, a
    second confirmation is asked (0: never). A recurring campaign is counted as it stands
    today; its audience is taken again at every occurrence."""
    found = problems(content, draft_of(campaign)) if campaign.status == CampaignStatus.DRAFT else []
    count = await audiences.count(session, Audience.of(campaign), push_channels)
    warning = None
    if count == 0:
        key = "campaign_warn_empty" if push_channels else "campaign_warn_no_channels"
        warning = content.text(key, id=campaign.id)
    elif large and count >= large:
        warning = content.text("campaign_warn_large", id=campaign.id, count=progress.number(count))
    return Readiness(found, count, warning)


def apply(campaign: Campaign, draft: Draft) -> Campaign:
    campaign.title = draft.title.strip()
    campaign.text = draft.text.strip()
    campaign.image = draft.image
    campaign.link_url = draft.link_url.strip() if draft.link_url else None
    campaign.link_label = draft.link_label
    campaign.audience_kind = draft.audience.kind
    campaign.audience_topic = draft.audience.topic
    campaign.audience_units = list(draft.audience.units)
    campaign.audience_channel = draft.audience.channel
    campaign.schedule_kind = draft.schedule
    campaign.send_at = draft.send_at if draft.schedule == "at" else None
    campaign.cron = draft.cron if draft.schedule == "cron" else None
    campaign.urgent = draft.urgent
    return campaign


def draft_of(campaign: Campaign) -> Draft:
    return Draft(title=campaign.title, text=campaign.text, audience=Audience.of(campaign),
                 schedule=campaign.schedule_kind, send_at=campaign.send_at, cron=campaign.cron,
                 image=campaign.image, link_url=campaign.link_url, link_label=campaign.link_label,
                 urgent=campaign.urgent)


async def create(session: AsyncSession, draft: Draft, *, created_by: int | None = None,
                 status: CampaignStatus = CampaignStatus.DRAFT, calendar_id: str | None = None) -> Campaign:
    campaign = apply(Campaign(status=status, created_by=created_by, calendar_id=calendar_id,
                              audience_units=[]), draft)
    session.add(campaign)
    await session.flush()
    return campaign


async def get(session: AsyncSession, campaign_id: int, *, lock: bool = False) -> Campaign | None:
    query = select(Campaign).where(Campaign.id == campaign_id)
    if lock and session.bind.dialect.name != "sqlite":
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def recent(session: AsyncSession, limit: int = 10) -> list[Campaign]:
    query = select(Campaign).order_by(Campaign.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def confirm(session: AsyncSession, campaign: Campaign) -> bool:
    """Draft → scheduled; False when it was not a draft any more (a double tap)."""
    result = await session.execute(
        update(Campaign).where(Campaign.id == campaign.id, Campaign.status == CampaignStatus.DRAFT)
        .values(status=CampaignStatus.SCHEDULED, updated_at=utcnow()))
    if rowcount(result):
        campaign.status = CampaignStatus.SCHEDULED
    return bool(rowcount(result))


async def _unfinished_broadcasts(session: AsyncSession, campaign_id: int) -> list[Broadcast]:
    query = select(Broadcast).where(
        Broadcast.campaign_id == campaign_id,
        Broadcast.status.in_([BroadcastStatus.SENDING, BroadcastStatus.PAUSED]))
    return list((await session.execute(query)).scalars())


async def pause(session: AsyncSession, campaign: Campaign) -> bool:
    """Stop sending (rows already in flight finish); a scheduled campaign will not fire."""
    if campaign.status not in PAUSABLE:
        return False
    campaign.status = CampaignStatus.PAUSED
    for broadcast in await _unfinished_broadcasts(session, campaign.id):
        broadcast.status = BroadcastStatus.PAUSED
    return True


async def resume(session: AsyncSession, campaign: Campaign) -> bool:
    if campaign.status != CampaignStatus.PAUSED:
        return False
    broadcasts = await _unfinished_broadcasts(session, campaign.id)
    for broadcast in broadcasts:
        broadcast.status = BroadcastStatus.SENDING
    campaign.status = CampaignStatus.SENDING if broadcasts else CampaignStatus.SCHEDULED
    return True


async def cancel(session: AsyncSession, campaign: Campaign) -> bool:
    """Nothing more goes out: queued rows are cancelled (rows in flight finish)."""
    if campaign.status not in CANCELLABLE:
        return False
    campaign.status = CampaignStatus.CANCELLED
    for broadcast in await _unfinished_broadcasts(session, campaign.id):
        broadcast.status = BroadcastStatus.CANCELLED
        broadcast.finished_at = utcnow()
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.status.in_(QUEUED))
            .values(status=OutboxStatus.CANCELLED, worker=None))
    return True


async def resend_uncertain(session: AsyncSession, campaign: Campaign) -> int:
    """The operator's choice of at-least-once for rows whose delivery is unknown: queue
    them again (some of those people may get the message twice)."""
    broadcasts = list((await session.execute(
        select(Broadcast).where(Broadcast.campaign_id == campaign.id))).scalars())
    queued = 0
    for broadcast in broadcasts:
        result = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.status == OutboxStatus.UNCERTAIN)
            .values(status=OutboxStatus.PENDING, worker=None, not_before=utcnow(),
                    detail="queued again by the operator"))
        if rowcount(result) and broadcast.status == BroadcastStatus.DONE:
            broadcast.status, broadcast.finished_at = BroadcastStatus.SENDING, None
            campaign.status = CampaignStatus.SENDING
        queued += rowcount(result) or 0
    return queued
