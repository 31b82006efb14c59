"""A campaign's figures (from the outbox, by SQL) and the live progress message staff
see: one message per watcher, edited in place as the numbers move (on a channel that
cannot edit, such as Zalo, one message once the run is over)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.store import ContentStore
from bot.db.models import User
from bot.db.models_campaigns import (
    Broadcast,
    Campaign,
    CampaignStatus,
    CampaignWatcher,
    OutboxMessage,
    OutboxStatus,
)
from bot.kernel.clock import utcnow
from bot.kernel.messages import Reply
from bot.kernel.sending import REPLY
from bot.kernel.timing import local
from bot.runtime import Runtime
from scheduler.audience import Audience

log = logging.getLogger(__name__)
S = OutboxStatus
WATCH_AFTER_DONE = timedelta(minutes=10)


ZALO = "zalo"


@dataclass
class Figures:
    total: int = 0
    sent: int = 0  # a message sent to the person
    article: int = 0  # outside Zalo's reply window, reached by the OA article broadcast
    no_window: int = 0  # outside Zalo's reply window, not reachable on Zalo
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    uncertain: int = 0
    cancelled: int = 0
    queued: int = 0  # pending, claimed or sending
    expanded: bool = True
    broadcasts: int = 0
    zalo_total: int = 0  # recipients on Zalo
    zalo_sent: int = 0  # …reached by a reply ("tư vấn") message

    @property
    def delivered(self) -> int:
        return self.sent + self.article

    @property
    def errors(self) -> int:
        return self.failed + self.unreachable + self.no_window


async def figures(session: AsyncSession, campaign_id: int) -> Figures:
    """Figures of the campaign's latest broadcast (recurring campaigns: the current run)."""
    latest = (await session.execute(
        select(Broadcast).where(Broadcast.campaign_id == campaign_id)
        .order_by(Broadcast.id.desc()).limit(1))).scalar_one_or_none()
    out = Figures()
    out.broadcasts = (await session.execute(
        select(func.count()).where(Broadcast.campaign_id == campaign_id))).scalar_one()
    if latest is None:
        return out
    out.expanded = latest.expanded_at is not None
    rows = (await session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count())
        .where(OutboxMessage.broadcast_id == latest.id)
        .group_by(OutboxMessage.channel, OutboxMessage.status))).all()
    for channel, status, n in rows:
        out.total += n
        if channel == ZALO:
            out.zalo_total += n
            out.zalo_sent += n if status == S.SENT else 0
        if status in (S.PENDING, S.CLAIMED, S.SENDING):
            out.queued += n
        elif hasattr(out, status):
            setattr(out, status, getattr(out, status) + n)
    return out


def number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def progress_text(content: ContentStore, campaign: Campaign, fig: Figures) -> str:
    status = content.text(f"campaign_status_{campaign.status}")
    lines = [content.text("campaign_progress", id=campaign.id, title=campaign.title, status=status,
                          sent=number(fig.delivered),
                          total=number(fig.total) + ("+" if not fig.expanded else ""),
                          errors=number(fig.errors))]
    if fig.zalo_total:
        lines.append(content.text("campaign_progress_zalo", reply=number(fig.zalo_sent),
                                  article=number(fig.article), unreached=number(fig.no_window)))
    extra = []
    if fig.unreachable:
        extra.append(content.text("campaign_progress_unreachable", n=number(fig.unreachable)))
    if fig.skipped:
        extra.append(content.text("campaign_progress_skipped", n=number(fig.skipped)))
    if fig.uncertain:
        extra.append(content.text("campaign_progress_uncertain", n=number(fig.uncertain)))
    if fig.cancelled:
        extra.append(content.text("campaign_progress_cancelled", n=number(fig.cancelled)))
    if extra:
        lines.append("; ".join(extra))
    return "\n".join(lines)


def schedule_text(content: ContentStore, campaign: Campaign) -> str:
    if campaign.schedule_kind == "cron":
        return content.text("campaign_when_cron", cron=campaign.cron)
    if campaign.schedule_kind == "at" and campaign.send_at:
        return content.text("campaign_when_at", at=local(campaign.send_at))
    return content.text("campaign_when_now")


def audience_text(content: ContentStore, audience: Audience) -> str:
    """Who a campaign reaches, in words for staff (chat, console)."""
    pack = content.pack
    if audience.kind == "topic":
        topic = pack.topic(audience.topic or "")
        text = content.text("campaign_aud_topic", topic=topic.short_title if topic else audience.topic)
    elif audience.kind == "units":
        names = [(unit.name if (unit := pack.unit(u)) else u) for u in audience.units]
        shown = ", ".join(names[:5]) + ("…" if len(names) > 5 else "")
        text = content.text("campaign_aud_units", count=len(names), units=shown)
    elif audience.kind == "channel":
        return content.text("campaign_aud_channel", channel=audience.channel)
    else:
        text = content.text("campaign_aud_all")
    return text + (content.text("campaign_aud_on_channel", channel=audience.channel) if audience.channel else "")


def edit_key(campaign_id: int) -> str:
    return f"campaign-{campaign_id}"


async def push(services: Runtime) -> int:
    """Edit every watcher's progress message whose figures changed; returns edits sent."""
    content = services.content
    recent = utcnow() - WATCH_AFTER_DONE
    sent = 0
    async with services.db.session() as session:
        watched = (await session.execute(
            select(CampaignWatcher, Campaign, User)
            .join(Campaign, Campaign.id == CampaignWatcher.campaign_id)
            .join(User, User.id == CampaignWatcher.user_id)
            .where((Campaign.status.in_([CampaignStatus.SENDING, CampaignStatus.PAUSED]))
                   | (Campaign.updated_at > recent)))).all()
        cache: dict[int, str] = {}
        for watcher, campaign, user in watched:
            sender = services.senders.get(user.channel)
            if sender is None:
                continue
            if campaign.status in (CampaignStatus.SENDING, CampaignStatus.PAUSED) and \
                    not getattr(sender, "edits_in_place", False):
                continue  # Zalo cannot edit a message: one message with the final figures
            if campaign.id not in cache:
                if campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED) and not \
                        (await figures(session, campaign.id)).broadcasts:
                    continue
                cache[campaign.id] = progress_text(content, campaign, await figures(session, campaign.id))
            text = cache[campaign.id]
            if text == watcher.last_text:
                continue
            try:
                await sender.send(user.channel_user_id, [Reply(text, edit_key=edit_key(campaign.id))],
                                  lane=REPLY)
                watcher.last_text = text[:500]
                sent += 1
            except Exception as exc:
                log.warning("progress message not delivered", extra={"error": type(exc).__name__})
        await session.commit()
    return sent


async def live(session: AsyncSession, limit: int = 10) -> list[tuple[Campaign, Figures]]:
    """Campaigns sending or paused now, with the figures of their current run."""
    running = (await session.execute(
        select(Campaign).where(Campaign.status.in_([CampaignStatus.SENDING, CampaignStatus.PAUSED]))
        .order_by(Campaign.id).limit(limit))).scalars().all()
    return [(campaign, await figures(session, campaign.id)) for campaign in running]
