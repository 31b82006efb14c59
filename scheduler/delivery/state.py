"""What the parts of a delivery worker share: a claimed outbox row (`Claimed`), the result
of handling it (`Outcome`), what the worker keeps of a broadcast (`BroadcastInfo`), and
`WorkerState`, the worker's attributes (set in `Worker.__init__`) with the methods one part
calls on another, so that each part (lease, claiming, sending, recording) is a class of its
own that `Worker` combines."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import Settings
from bot.content.store import ContentStore
from bot.db.models_campaigns import OutboxStatus
from bot.db.session import Database
from bot.kernel.messages import Reply
from bot.kernel.sending import Sender
from bot.kernel.timing import QuietHours

if TYPE_CHECKING:
    from scheduler.delivery.sending import MarkQueue

S = OutboxStatus


@dataclass
class Claimed:
    id: int
    broadcast_id: int
    user_id: int
    channel: str
    attempts: int
    address: str = ""  # the channel's id for the person
    outside_window: bool = False  # known to be outside the channel's reply window


@dataclass
class Outcome:
    status: OutboxStatus
    detail: str | None = None
    retry_at: datetime | None = None
    attempts: int | None = None  # the row's attempt count to store with a retry


@dataclass
class BroadcastInfo:
    replies: list[Reply]
    message: dict  # the snapshot, for a channel's fallback (an article)
    campaign_id: int
    topic: str | None
    urgent: bool
    created_at: datetime


class FallbackDecision(Protocol):
    """What a channel's `fallback` decided for a broadcast (bot.zalo's FallbackResult)."""

    @property
    def covered(self) -> bool: ...  # the person is reached by the fallback

    @property
    def detail(self) -> str | None: ...


class WorkerState:
    """The state of one delivery worker, shared by its parts."""

    db: Database
    content: ContentStore
    settings: Settings
    senders: dict[str, Sender]
    id: str
    batch_size: int
    concurrency: int
    max_attempts: int
    lease: float
    quiet: QuietHours
    cap: int
    _broadcasts: dict[int, BroadcastInfo]
    _fallbacks: dict[tuple[int, str], FallbackDecision]
    _fallback_locks: dict[tuple[int, str], asyncio.Lock]
    _channel_wait: dict[str, float]
    _marks: MarkQueue
    _results: list[tuple[Claimed, Outcome]]
    _flush_lock: asyncio.Lock
    _prefetch: asyncio.Task[list[Claimed]] | None
    sent: int

    if TYPE_CHECKING:  # what one part calls on another
        def _record(self, row: Claimed, outcome: Outcome) -> None: ...  # recording

        def _take_results(self) -> list[tuple[Claimed, Outcome]]: ...  # recording

        def _give_back(self, results: list[tuple[Claimed, Outcome]]) -> None: ...  # recording

        async def _write_on(  # recording
            self, conn: AsyncConnection, results: list[tuple[Claimed, Outcome]]) -> None: ...

        async def _drop_prefetched(self) -> None: ...  # claiming

        async def _release(self, ids: list[int] | None = None) -> None: ...  # claiming
