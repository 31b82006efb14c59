"""A campaign fires: one broadcast per occurrence (unique, so firing twice is harmless),
then its audience is written into the outbox in batches by user id (unique per broadcast
and user, so a resumed expansion queues nobody twice; memory does not grow with the
audience). Sending starts while later batches are still being written."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import exists, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import UTCDateTime
from bot.db.models import User
from bot.db.models_campaigns import (
    Broadcast,
    BroadcastStatus,
    Campaign,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
)
from bot.db.results import rowcount
from bot.db.session import Database
from bot.kernel.clock import utcnow
from scheduler import audience as audiences
from scheduler import message

log = logging.getLogger(__name__)

EXPAND_BATCH = 5000
ONCE = "once"
UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)


async def fire(db: Database, campaign_id: int, occurrence: str = ONCE) -> int | None:
    """Start the broadcast of this occurrence; its id, or None when the campaign is not
    due to send (paused, cancelled, a draft, gone). Firing the same occurrence again
    returns the broadcast it already has."""
    async with db.session() as session:
        query = select(Campaign).where(Campaign.id == campaign_id)
        if not db.is_sqlite:
            query = query.with_for_update()
        campaign = (await session.execute(query)).scalar_one_or_none()
        if campaign is None or campaign.status not in (CampaignStatus.SCHEDULED, CampaignStatus.SENDING):
            return None
        existing = await _broadcast(session, campaign_id, occurrence)
        if existing is not None:
            return existing
        try:
            async with session.begin_nested():
                broadcast = Broadcast(campaign_id=campaign_id, occurrence=occurrence,
                                      status=BroadcastStatus.SENDING, urgent=campaign.urgent,
                                      message=message.snapshot(campaign), expand_cursor=0, total=0)
                session.add(broadcast)
        except IntegrityError:  # fired by another scheduler at the same moment
            return await _broadcast(session, campaign_id, occurrence)
        campaign.status = CampaignStatus.SENDING
        await session.commit()
        log.info("campaign fired", extra={"campaign": campaign_id, "broadcast": broadcast.id,
                                          "occurrence": occurrence})
        return broadcast.id


async def _broadcast(session: AsyncSession, campaign_id: int, occurrence: str) -> int | None:
    query = select(Broadcast.id).where(Broadcast.campaign_id == campaign_id,
                                       Broadcast.occurrence == occurrence)
    return (await session.execute(query)).scalar_one_or_none()


def _insert(db: Database) -> sqlite.Insert | postgresql.Insert:
    return sqlite.insert(OutboxMessage) if db.is_sqlite else postgresql.insert(OutboxMessage)


async def expand(db: Database, broadcast_id: int, push_channels: Iterable[str],
                 batch: int = EXPAND_BATCH) -> int:
    """Write the rest of the audience into the outbox; returns rows added. Safe to run
    again or concurrently: each batch resumes from the stored cursor."""
    channels = list(push_channels)
    added = 0
    while True:
        async with db.session() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            if broadcast is None or broadcast.expanded_at is not None:
                return added
            if broadcast.status == BroadcastStatus.CANCELLED:
                return added
            campaign = await session.get(Campaign, broadcast.campaign_id)
            assert campaign is not None  # its broadcasts go with a campaign (ON DELETE CASCADE)
            who = audiences.condition(audiences.Audience.of(campaign), channels)
            cursor = broadcast.expand_cursor
            upper = (await session.execute(
                select(User.id).where(who, User.id > cursor).order_by(User.id)
                .offset(batch - 1).limit(1))).scalar_one_or_none()
            bounds = [User.id > cursor] + ([User.id <= upper] if upper is not None else [])
            rows = select(literal(broadcast_id), User.id, User.channel,
                          literal(OutboxStatus.PENDING.value), literal(0), literal(utcnow(), UTCDateTime)
                          ).where(who, *bounds)
            insert = _insert(db).from_select(
                ["broadcast_id", "user_id", "channel", "status", "attempts", "not_before"], rows
            ).on_conflict_do_nothing()
            inserted = rowcount(await session.execute(insert)) or 0
            added += inserted
            values: dict = {"total": Broadcast.total + inserted}
            if upper is None:
                values["expanded_at"] = utcnow()
            else:
                values["expand_cursor"] = upper
            # Only the expansion that still holds the cursor it read moves it on.
            moved = await session.execute(
                update(Broadcast).where(Broadcast.id == broadcast_id,
                                        Broadcast.expand_cursor == cursor,
                                        Broadcast.expanded_at.is_(None)).values(**values))
            if not rowcount(moved):
                await session.rollback()
                continue
            await session.commit()
            if upper is None:
                log.info("broadcast expanded", extra={"broadcast": broadcast_id, "rows": added})
                return added


async def finish(db: Database) -> list[int]:
    """Mark broadcasts done once fully expanded with nothing left to send; a one-off
    campaign is then done, a recurring one waits for its next occurrence. Returns the
    broadcasts finished now."""
    async with db.session() as session:
        left = exists().where(OutboxMessage.broadcast_id == Broadcast.id,
                              OutboxMessage.status.in_(UNFINISHED))
        candidates = list((await session.execute(
            select(Broadcast.id, Broadcast.campaign_id).where(
                Broadcast.status == BroadcastStatus.SENDING, Broadcast.expanded_at.is_not(None),
                ~left))).all())
        finished = []
        for broadcast_id, campaign_id in candidates:
            done = await session.execute(
                update(Broadcast).where(Broadcast.id == broadcast_id,
                                        Broadcast.status == BroadcastStatus.SENDING, ~left)
                .values(status=BroadcastStatus.DONE, finished_at=utcnow()))
            if not rowcount(done):
                continue
            finished.append(broadcast_id)
            campaign = await session.get(Campaign, campaign_id)
            assert campaign is not None  # its broadcasts go with a campaign (ON DELETE CASCADE)
            if campaign.status == CampaignStatus.SENDING:
                campaign.status = (CampaignStatus.SCHEDULED if campaign.schedule_kind == "cron"
                                   else CampaignStatus.DONE)
        await session.commit()
        return finished


async def unexpanded(db: Database) -> list[int]:
    """Broadcasts whose expansion stopped halfway (a crash): the scheduler resumes them."""
    async with db.session() as session:
        query = select(Broadcast.id).where(
            Broadcast.expanded_at.is_(None),
            Broadcast.status.in_([BroadcastStatus.SENDING, BroadcastStatus.PAUSED]))
        return list((await session.execute(query)).scalars())


async def queued_count(session: AsyncSession, broadcast_id: int) -> int:
    query = select(func.count()).where(OutboxMessage.broadcast_id == broadcast_id,
                                       OutboxMessage.status.in_(UNFINISHED))
    return int((await session.execute(query)).scalar_one())
