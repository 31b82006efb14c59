"""The content pack's campaign calendar (content/campaigns/*.yaml) as campaigns.

Each entry becomes one campaign (found again by its `calendar_id`). An edited entry
updates its campaign unless that campaign is already done or cancelled; what staff did in
chat (pause, cancel) is kept. An entry removed from the calendar, or `enabled: false`,
cancels its campaign if it has not finished."""

from __future__ import annotations

import hashlib
import json
import logging

from sqlalchemy import select

from bot.content.schema import OPERATOR_FILL, ContentPack
from bot.content.schema_calendar import CalendarCampaign
from bot.db.models_campaigns import Campaign, CampaignStatus
from bot.db.session import Database
from bot.kernel.clock import utcnow
from bot.kernel.timing import parse_at
from scheduler import campaigns
from scheduler.audience import Audience

log = logging.getLogger(__name__)
FINISHED = (CampaignStatus.DONE, CampaignStatus.CANCELLED)


def draft(pack: ContentPack, entry: CalendarCampaign) -> campaigns.Draft:
    text = entry.text
    if entry.message:
        message = pack.message_by_id(entry.message)
        assert message is not None  # the loader checks that the messages named exist
        text = message.text
    link = entry.link if entry.link and entry.link.url.strip() != OPERATOR_FILL else None
    a = entry.audience
    return campaigns.Draft(
        title=entry.title, text=text or "",
        audience=Audience(a.kind, a.topic, tuple(a.units), a.channel),
        schedule="cron" if entry.cron else "at",
        send_at=parse_at(entry.at) if entry.at else None, cron=entry.cron,
        image=entry.image, link_url=link.url if link else None, link_label=link.label if link else None,
        urgent=entry.urgent)


def _hash(entry: CalendarCampaign, text: str) -> str:
    data = entry.model_dump(mode="json") | {"resolved_text": text}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def sync(db: Database, pack: ContentPack) -> dict[str, int]:
    """Bring the campaigns in line with the calendar; returns counts of what changed."""
    changed = {"created": 0, "updated": 0, "cancelled": 0}
    entries = {e.id: e for e in pack.campaigns}
    async with db.session() as session:
        existing = {c.calendar_id: c for c in (await session.execute(
            select(Campaign).where(Campaign.calendar_id.is_not(None)))).scalars()}
        for entry_id, entry in entries.items():
            wanted = draft(pack, entry)
            digest = _hash(entry, wanted.text)
            campaign = existing.get(entry_id)
            if campaign is None:
                if wanted.schedule == "at" and wanted.send_at is not None and wanted.send_at < utcnow():
                    continue  # a date already gone: never push an old announcement
                if entry.enabled:
                    created = await campaigns.create(session, wanted, status=CampaignStatus.SCHEDULED,
                                                     calendar_id=entry_id)
                    created.content_hash = digest
                    changed["created"] += 1
                continue
            if campaign.status in FINISHED:
                continue
            if not entry.enabled:
                await campaigns.cancel(session, campaign)
                changed["cancelled"] += 1
            elif campaign.content_hash != digest:
                campaigns.apply(campaign, wanted)
                campaign.content_hash = digest
                changed["updated"] += 1
        for calendar_id, campaign in existing.items():
            if calendar_id not in entries and campaign.status not in FINISHED:
                await campaigns.cancel(session, campaign)
                changed["cancelled"] += 1
        await session.commit()
    if any(changed.values()):
        log.info("campaign calendar synced", extra={"calendar": changed})
    return changed
