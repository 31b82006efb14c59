"""The web chat's conversation history (table `web_history`), keyed by the browser's
session: what the person sent, the bot's replies, and the messages the bot sent outside
a turn (a staff answer to feedback, a campaign). Kept `webchat_history_days`: older rows
are never read, and are deleted as new ones are written (at most every few minutes per
process, one indexed statement)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    func,
    insert,
    literal,
    select,
)

from bot.db import transcript
from bot.db.models_web import WebMessage
from bot.db.session import Database
from bot.kernel.clock import utcnow

log = logging.getLogger(__name__)

CHANNEL = transcript.CHANNEL
PAGE = 50  # history rows per page
INBOX_PAGE = 20  # messages sent outside a turn, per answer of /api/inbox and per read of a stream
UNREAD_CAP = 99  # the launcher's badge shows at most this
PRUNE_EVERY = 600.0  # seconds between two deletions of expired rows, per process


# Messages sent outside a turn, many rows in one statement, their ids in the rows' order.
_INSERT = insert(WebMessage).returning(WebMessage.id, sort_by_parameter_order=True)



def _message(row: WebMessage) -> dict:
    return {"id": row.id, "role": row.role, "text": row.text, "replies": row.replies,
            "at": row.created_at.isoformat()}


class WebHistory:
    def __init__(self, db: Database, keep_days: int) -> None:
        self.db = db
        self.keep = timedelta(days=keep_days)
        self._pruned_at: float | None = None
        self._queued: list[tuple[dict, asyncio.Future[int]]] = []
        self._writer: asyncio.Task | None = None

    def _kept(self) -> ColumnElement[bool]:
        return WebMessage.created_at >= utcnow() - self.keep

    async def record_turn(self, session: str, said: str | None, replies: list[dict]) -> int | None:
        """Store what the person sent and the bot's replies (in that order) on their own
        (a turn writes its own as it departs; this is for one that failed): the last
        line's id, or None when the session belongs to no one."""
        # One statement without BEGIN and COMMIT around it.
        async with self.db.serialised(), self.db.engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            ids = list((await autocommit.execute(transcript.RECORD_TURN, {
                "session": session, "said": said, "replies": replies, "now": utcnow()})).scalars())
        return max(ids) if ids else None

    async def record_outside(self, session: str, replies: list[dict]) -> int:
        """Store a message sent outside a turn; its id, once it is committed. The messages
        stored at the same instant (a campaign's sends in flight) share one statement and
        one commit."""
        loop = asyncio.get_running_loop()
        stored: asyncio.Future[int] = loop.create_future()
        self._queued.append(({"session": session, "role": "bot", "text": None, "replies": replies,
                              "outside_turn": True, "created_at": utcnow()}, stored))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_queued())
        return await stored

    async def _write_queued(self) -> None:
        while self._queued:
            await asyncio.sleep(0)  # let the messages of this instant join
            batch, self._queued = self._queued, []
            try:
                async with self.db.serialised(), self.db.engine.begin() as conn:
                    ids = list((await conn.execute(_INSERT, [values for values, _ in batch])).scalars())
            except Exception as exc:  # nothing of the batch is stored: each sender is told
                for _, stored in batch:
                    if not stored.done():
                        stored.set_exception(exc)
                continue
            for (_, stored), row_id in zip(batch, ids, strict=True):
                if not stored.done():
                    stored.set_result(int(row_id))
            # Inside the loop: the queue is looked at again after this wait, so a message
            # queued meanwhile (no new writer is started while this one runs) is written.
            await self.prune_if_due()

    async def page(self, session: str, before: int | None) -> tuple[list[dict], bool]:
        """The newest `PAGE` messages (or those before `before`), oldest first, and whether
        there are older ones."""
        query = select(WebMessage).where(WebMessage.session == session, self._kept())
        if before is not None:
            query = query.where(WebMessage.id < before)
        async with self.db.session() as s:
            rows = list((await s.execute(query.order_by(WebMessage.id.desc()).limit(PAGE + 1))).scalars())
        return [_message(r) for r in reversed(rows[:PAGE])], len(rows) > PAGE

    async def outside_after(self, session: str, after: int) -> list[dict]:
        """Messages sent outside a turn after the id `after`, oldest first (at most `INBOX_PAGE`)."""
        query = (select(WebMessage.id, WebMessage.replies)
                 .where(WebMessage.session == session, WebMessage.id > after, WebMessage.outside_turn,
                        self._kept())
                 .order_by(WebMessage.id).limit(INBOX_PAGE))
        async with self.db.engine.connect() as conn:
            return [{"id": r.id, "replies": r.replies} for r in await conn.execute(query)]

    async def unread(self, session: str, after: int) -> int:
        """How many messages were sent outside a turn after `after` (at most `UNREAD_CAP`)."""
        counted = (select(literal(1)).where(WebMessage.session == session, WebMessage.id > after,
                                            WebMessage.outside_turn, self._kept())
                   .limit(UNREAD_CAP).subquery())
        async with self.db.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(counted))).scalar_one())

    async def last_id(self, session: str) -> int:
        """The id of the session's newest message (0 when there is none)."""
        query = select(func.max(WebMessage.id)).where(WebMessage.session == session)
        async with self.db.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one() or 0)

    async def since(self, after_time: object) -> list[tuple[int, str]]:
        """(id, session) of the messages sent outside a turn written since `after_time`, by
        any process: what the streams of this process may be waiting for."""
        query = (select(WebMessage.id, WebMessage.session)
                 .where(and_(WebMessage.outside_turn, WebMessage.created_at >= after_time)))
        async with self.db.engine.connect() as conn:
            return [(r.id, r.session) for r in await conn.execute(query)]

    async def prune(self) -> int:
        """Delete the rows older than the retention period; how many."""
        cutoff = utcnow() - self.keep
        async with self.db.serialised(), self.db.engine.begin() as conn:
            result = await conn.execute(delete(WebMessage).where(WebMessage.created_at < cutoff))
        removed = int(result.rowcount or 0)
        if removed:
            log.info("web chat history expired", extra={"rows": removed})
        return removed

    async def prune_if_due(self) -> None:
        """Delete the expired rows, at most every `PRUNE_EVERY` seconds per process."""
        now = time.monotonic()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        try:
            await self.prune()
        except Exception:  # the message is stored; expired rows wait for the next time
            log.exception("could not delete expired web chat history")
