"""The dashboard: today and the current quarter at a glance — people reached by channel,
questions asked and the share answered, the most asked unanswered questions, open feedback
by how long it has waited, campaigns sending now (a fragment htmx refreshes), and the
contest's participation by unit. Every figure comes from the domain's own queries (the
report's, the feedback desk's, the campaign progress message's, the contest standings)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from aiohttp import web

from bot.content.schema_quiz import Contest
from bot.contest import standings
from bot.contest.window import window
from bot.feedback import tickets
from bot.kernel.clock import VN
from bot.kernel.periods import Period
from bot.reports.figures import PeriodFigures, glance
from bot.runtime import Runtime
from bot.staff.access import Area
from bot.web.admin.context import now, page, runtime
from bot.web.admin.guard import requires
from scheduler import progress

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
# The quarter's figures read the whole quarter of the engagement log, the contest's the
# whole contest: kept this long, and recomputed in the background while the last ones are
# shown. Today's figures, open feedback and campaigns sending are read on every request.
QUARTER_TTL_SECONDS = 120.0
CONTEST_TTL_SECONDS = 30.0
UNITS_SHOWN = 12
T = TypeVar("T")


@dataclass
class Kept(Generic[T]):
    key: str
    value: T
    at: datetime  # when it was computed
    monotonic: float


class Recent(Generic[T]):
    """One value per key computed at most every `ttl` seconds; a stale one is served while
    a fresh one is computed in the background (one computation at a time)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.kept: Kept[T] | None = None
        self._refresh: asyncio.Task | None = None

    async def get(self, key: str, compute: Callable[[], Awaitable[T]], at: datetime) -> Kept[T]:
        kept = self.kept
        if kept is None or kept.key != key:
            kept = self.kept = Kept(key, await compute(), at, time.monotonic())
        elif time.monotonic() - kept.monotonic > self.ttl and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.create_task(self._recompute(key, compute, at))
        return kept

    async def _recompute(self, key: str, compute: Callable[[], Awaitable[T]], at: datetime) -> None:
        try:
            self.kept = Kept(key, await compute(), at, time.monotonic())
        except Exception:  # the stale figures stay; the next request tries again
            log.exception("dashboard figures not refreshed")


QUARTER: web.AppKey[Recent[PeriodFigures]] = web.AppKey("dashboard_quarter", Recent)
CONTESTS: web.AppKey[Recent[list[dict[str, Any]]]] = web.AppKey("dashboard_contests", Recent)


def setup(admin: web.Application) -> None:
    admin[QUARTER] = Recent(QUARTER_TTL_SECONDS)
    admin[CONTESTS] = Recent(CONTEST_TTL_SECONDS)


async def _figures(services: Runtime, period: Period) -> PeriodFigures:
    async with services.db.engine.connect() as conn:
        return await glance(conn, period)


def _contests_now(contests: list[Contest], moment: datetime) -> list[Contest]:
    """The contests running now, else the one that started last (none before any)."""
    started = sorted((c for c in contests if c.starts_at <= moment), key=lambda c: c.starts_at)
    running = [c for c in started if moment < c.ends_at]
    return running or started[-1:]


async def _contests(services: Runtime, moment: datetime) -> list[dict[str, Any]]:
    pack = services.content.pack
    out = []
    async with services.db.session() as db:
        for contest in _contests_now(pack.contests, moment):
            units = await standings.unit_standings(db, contest, list(pack.units))
            status = (await window(db, contest)).status(moment)
            units = sorted((u for u in units if u.registered or u.participants),
                           key=lambda u: (-u.participants, -u.registered, u.unit.name))
            out.append({"contest": contest, "status": status, "units": units[:UNITS_SHOWN],
                        "more": len(units) > UNITS_SHOWN, "registered": sum(u.registered for u in units),
                        "participants": sum(u.participants for u in units)})
    return out


async def _waiting(services: Runtime, moment: datetime) -> dict[str, list[int]]:
    async with services.db.session() as db:
        return await tickets.open_by_age(db, moment)


async def _campaigns(services: Runtime) -> list[tuple[Any, progress.Figures]]:
    async with services.db.session() as db:
        return await progress.live(db)


@routes.get("/", name="dashboard")
@requires(Area.DASHBOARD)
async def dashboard(request: web.Request) -> web.StreamResponse:
    services = runtime(request)
    moment = now(request)
    today = moment.astimezone(VN).date()
    quarter = Period.containing(moment, "quarter")
    # Each part on its own connection, at once.
    quarter_kept, today_figures, waiting, sending, contests = await asyncio.gather(
        request.app[QUARTER].get(quarter.key, lambda: _figures(services, quarter), moment),
        _figures(services, Period.days(today, today)),
        _waiting(services, moment),
        _campaigns(services),
        request.app[CONTESTS].get(today.isoformat(), lambda: _contests(services, moment), moment))
    context = {
        "today": today_figures,
        "quarter": quarter_kept.value,
        "quarter_at": quarter_kept.at,
        "quarter_running": quarter.end >= today,
        "day": today,
        "waiting": waiting,
        "age_limits": tickets.AGE_LIMITS_DAYS,
        "campaigns": sending,
        "contests": contests.value,
    }
    return page(request, "dashboard.html", context)


@routes.get("/dashboard/campaigns", name="dashboard_campaigns")
@requires(Area.DASHBOARD)
async def campaigns_fragment(request: web.Request) -> web.StreamResponse:
    """The "sending now" card alone, for htmx to swap in every few seconds."""
    return page(request, "_dashboard_campaigns.html", {"campaigns": await _campaigns(runtime(request))})
