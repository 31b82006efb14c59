"""The durable webhook inbox (see `bot/db/models_inbox.py`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select, update

from bot.db.models_inbox import WebhookInbox
from bot.db.session import Database
from bot.kernel.clock import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # an event that failed this often is dropped, with an error logged


async def put(db: Database, channel: str, body: bytes) -> int:
    async with db.session() as session:
        row = WebhookInbox(channel=channel, body=body.decode("utf-8", "replace"))
        session.add(row)
        await session.commit()
        return row.id


async def done(db: Database, row_id: int) -> None:
    async with db.session() as session:
        await session.execute(delete(WebhookInbox).where(WebhookInbox.id == row_id))
        await session.commit()


async def left_over(db: Database, channel: str, older_than: timedelta) -> list[tuple[int, str]]:
    """Events another run took but never finished, oldest first; each call counts an attempt."""
    async with db.session() as session:
        rows = (await session.execute(
            select(WebhookInbox.id, WebhookInbox.body, WebhookInbox.attempts)
            .where(WebhookInbox.channel == channel, WebhookInbox.received_at < utcnow() - older_than)
            .order_by(WebhookInbox.id)
        )).all()
        retry = [(r.id, r.body) for r in rows if r.attempts < MAX_ATTEMPTS]
        dropped = [r.id for r in rows if r.attempts >= MAX_ATTEMPTS]
        if dropped:
            log.error("webhook events dropped after repeated failures",
                      extra={"channel": channel, "count": len(dropped)})
            await session.execute(delete(WebhookInbox).where(WebhookInbox.id.in_(dropped)))
        if retry:
            await session.execute(update(WebhookInbox).where(WebhookInbox.id.in_([i for i, _ in retry]))
                                  .values(attempts=WebhookInbox.attempts + 1))
        await session.commit()
        return retry
