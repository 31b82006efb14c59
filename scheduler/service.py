"""The scheduler: APScheduler 3 with its job store in the database, so schedules survive
restarts; and the processes that run scheduling and delivery.

Chat and CLI (other processes) only write campaigns; every `tick` the scheduler brings
APScheduler's jobs in line with them (a future "at" time → a date job, a cron campaign →
a cron job in Asia/Ho_Chi_Minh), fires what is due, resumes expansions a crash cut short,
closes finished broadcasts and updates staff's progress messages.

  `cchc-bot scheduler`  this process alone (one per deployment), with one delivery worker
  `cchc-bot worker`     more delivery workers (PostgreSQL)
  `cchc-bot run`        the bot; with SCHEDULER_EMBEDDED (default) it runs both inside"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.db.models_campaigns import Campaign, CampaignStatus
from bot.kernel.clock import VN, utcnow
from bot.kernel.timing import cron_occurrence, cron_trigger
from bot.runtime import Runtime
from scheduler import calendar, firing, progress
from scheduler.delivery.worker import Worker
from scheduler.senders import push_channels

log = logging.getLogger(__name__)

JOB_PREFIX = "campaign-"
LATE_GRACE = timedelta(hours=6)  # an "at" campaign missed by more than this is not sent late
CALENDAR_EVERY = 60.0  # seconds between calendar syncs

_running: CampaignScheduler | None = None  # the job function finds its scheduler here


def sync_url(url: str) -> str:
    """The synchronous driver's URL for APScheduler's SQLAlchemy job store."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}[parsed.get_backend_name()]
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def _cron(campaign: Campaign) -> str:
    assert campaign.cron is not None  # set for every "cron" campaign (campaigns.apply)
    return campaign.cron


def _send_at(campaign: Campaign) -> datetime:
    assert campaign.send_at is not None  # set for every "at" campaign (campaigns.apply)
    return campaign.send_at


async def fire_job(campaign_id: int) -> None:
    """APScheduler's job (stored by reference): fire a campaign's due occurrence."""
    if _running is not None:
        await _running.fire(campaign_id)


class CampaignScheduler:
    def __init__(self, services: Runtime, *, tick_seconds: float = 2.0) -> None:
        self.services = services
        self.tick_seconds = tick_seconds
        self.aps: AsyncIOScheduler | None = None
        self._task: asyncio.Task | None = None
        self._calendar_at = 0.0

    @property
    def channels(self) -> list[str]:
        return push_channels(self.services.settings)

    async def start(self, *, ticking: bool = True) -> None:
        """Start APScheduler; `ticking=False` leaves calling `tick` to the caller (tests)."""
        global _running
        store = SQLAlchemyJobStore(url=sync_url(self.services.db.url), tablename="apscheduler_jobs")
        self.aps = AsyncIOScheduler(
            jobstores={"default": store}, timezone=VN,
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": int(LATE_GRACE.total_seconds())})
        self.aps.start()
        _running = self
        if ticking:
            self._task = asyncio.create_task(self._loop(), name="campaign-scheduler")
        log.info("campaign scheduler started", extra={"jobs": len(self.aps.get_jobs())})

    async def stop(self) -> None:
        global _running
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.aps and self.aps.running:
            self.aps.shutdown(wait=False)
        if _running is self:
            _running = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("scheduler tick failed")
            await asyncio.sleep(self.tick_seconds)

    async def tick(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._calendar_at >= CALENDAR_EVERY:
            self._calendar_at = loop.time()
            await calendar.sync(self.services.db, self.services.content.pack)
        await self.reconcile()
        for broadcast_id in await firing.unexpanded(self.services.db):
            await firing.expand(self.services.db, broadcast_id, self.channels)
        await firing.finish(self.services.db)
        await progress.push(self.services)

    async def reconcile(self) -> None:
        """APScheduler's jobs ← the campaigns; fire what is due now."""
        now = utcnow()
        async with self.services.db.session() as session:
            rows = list((await session.execute(select(Campaign).where(
                Campaign.status.in_([CampaignStatus.SCHEDULED, CampaignStatus.SENDING])))).scalars())
            due: list[Campaign] = []
            late: list[Campaign] = []
            wanted: dict[str, Campaign] = {}
            for c in rows:
                if c.schedule_kind == "cron":
                    wanted[f"{JOB_PREFIX}{c.id}"] = c
                elif c.status == CampaignStatus.SCHEDULED:
                    if c.schedule_kind == "now" or (c.send_at and c.send_at <= now):
                        (late if c.send_at and now - c.send_at > LATE_GRACE else due).append(c)
                    else:
                        wanted[f"{JOB_PREFIX}{c.id}"] = c
            for c in late:
                c.status = CampaignStatus.CANCELLED
                log.warning("campaign missed its time by too much; cancelled", extra={"campaign": c.id})
            await session.commit()
        if self.aps is None:
            raise RuntimeError("the campaign scheduler is not started")
        for job in self.aps.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                job.remove()
        for job_id, c in wanted.items():
            spec = f"cron:{c.cron}" if c.schedule_kind == "cron" else f"at:{_send_at(c).isoformat()}"
            job = self.aps.get_job(job_id)
            if job is not None and job.name == spec:
                continue
            trigger = cron_trigger(_cron(c)) if c.schedule_kind == "cron" else DateTrigger(c.send_at, VN)
            self.aps.add_job(fire_job, trigger, args=[c.id], id=job_id, name=spec,
                             replace_existing=True)
        for c in due:
            await self.fire(c.id)

    async def fire(self, campaign_id: int) -> int | None:
        db = self.services.db
        async with db.session() as session:
            campaign = await session.get(Campaign, campaign_id)
            if campaign is None:
                return None
            occurrence = (cron_occurrence(_cron(campaign), utcnow()).isoformat()
                          if campaign.schedule_kind == "cron" else firing.ONCE)
        broadcast_id = await firing.fire(db, campaign_id, occurrence)
        if broadcast_id is not None:
            await firing.expand(db, broadcast_id, self.channels)
        return broadcast_id


async def run_background(services: Runtime, stop: asyncio.Event, *, scheduler: bool = True,
                         workers: int = 1) -> None:
    """Scheduling and/or delivery until `stop` is set, on the senders in `services`."""
    sched = CampaignScheduler(services) if scheduler else None
    if sched:
        await sched.start()
    if workers > 1 and services.db.is_sqlite:
        log.warning("SQLite: running one delivery worker, not %d", workers)
        workers = 1
    pool = [Worker(services.db, services.content, services.settings, services.senders)
            for _ in range(workers if services.senders else 0)]
    try:
        await asyncio.gather(*(w.run(stop) for w in pool), stop.wait())
    finally:
        if sched:
            await sched.stop()


class Embedded:
    """Scheduler and one worker inside the bot process (the embedded default): they use
    the bot's own senders, so replies and broadcasts share one rate limiter."""

    def __init__(self, services: Runtime) -> None:
        self.services = services
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(run_background(self.services, self._stop), name="campaigns")

    async def stop(self) -> None:
        self._stop.set()
        if self._task:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 30)
