"""`cchc-bot console bench`: the staff console's pages over HTTP, signed in, on a PostgreSQL
database holding a province's worth of data — 100,000 subscribers and 1,000,000 engagement
events over the last year (the report benchmark's generator), a campaign half-way through
sending to all of them, feedback tickets and a contest with its registrations and attempts.

The data goes into a database of its own (`cchc_console_bench_<pid>`, created on the given
server, migrated, bulk-loaded with COPY, dropped afterwards): the bot's own data is never
touched. Every GET page under /admin without a parameter in its path is requested (read
from the app's router, so new pages are measured too), once to warm up, then N times."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bot.app import BotApp
from bot.config import Settings
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db import migrate
from bot.db.models import Role, User
from bot.db.models_campaigns import Broadcast, Campaign
from bot.db.models_feedback import FeedbackTicket
from bot.db.session import Database
from bot.faq.served import AnsweringContent
from bot.kernel.clock import utcnow
from bot.reports import bench as report_bench
from bot.staff import sessions
from bot.web.admin.context import COOKIE
from bot.web.admin.guard import rule_of

CHANNELS = [c for c, _ in report_bench.CHANNELS]
CHANNEL_WEIGHTS = [w for _, w in report_bench.CHANNELS]


@dataclass
class PageTiming:
    path: str
    first_ms: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    requests: int


@dataclass
class Result:
    subscribers: int
    events: int
    load_s: float
    pages: list[PageTiming]


def _events(content: AnsweringContent, count: int, now: datetime) -> Iterator[tuple]:
    """The report benchmark's year of events, moved to end now (today and this quarter
    have their share)."""
    year = now.year - 1
    shift = now - (datetime(year, 1, 1, tzinfo=UTC) - timedelta(hours=7) + timedelta(days=365))
    for at, *rest in report_bench.generate(content.pack, count, year):
        yield (at + shift, *rest)


async def _copy(conn: AsyncConnection, table: str, columns: tuple[str, ...], rows: Iterator[tuple],
                batch: int = 100_000) -> int:
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None  # an open connection has its driver's (asyncpg's)
    total, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            await raw.copy_records_to_table(table, records=chunk, columns=columns)
            total, chunk = total + len(chunk), []
    if chunk:
        await raw.copy_records_to_table(table, records=chunk, columns=columns)
        total += len(chunk)
    return total


async def load(url: str, content: AnsweringContent, subscribers: int, events: int, seed: int = 17) -> None:
    rng = random.Random(seed)
    now = utcnow()
    pack = content.pack
    topics = [t.id for t in pack.topics] or ["chu-de"]
    units = [u.id for u in pack.units] or ["don-vi"]
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            channel_of = rng.choices(CHANNELS, CHANNEL_WEIGHTS, k=subscribers)
            await _copy(conn, "users", ("id", "channel", "channel_user_id", "role", "created_at", "last_seen_at"),
                        ((i + 1, channel_of[i], f"bench-{i + 1}", Role.CITIZEN,
                          now - timedelta(days=rng.random() * 365), now - timedelta(days=rng.random() * 30))
                         for i in range(subscribers)))
            await conn.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), max(id)) FROM users"))
            await _copy(conn, "subscriptions", ("user_id", "topic_id", "created_at"),
                        ((i + 1, rng.choice(topics), now - timedelta(days=rng.random() * 365))
                         for i in range(subscribers)))
            await _copy(conn, "engagement_events", report_bench.COLUMNS, _events(content, events, now))

            # A campaign to everyone, 60% through.
            campaign_id = (await conn.execute(insert(Campaign).returning(Campaign.id), [{
                "title": "Tuần lễ dịch vụ công trực tuyến", "text": "Mời bà con nộp hồ sơ trực tuyến.",
                "audience_kind": "all", "schedule_kind": "now", "status": "sending"}])).scalar_one()
            broadcast_id = (await conn.execute(insert(Broadcast).returning(Broadcast.id), [{
                "campaign_id": campaign_id, "occurrence": "once", "message": {}, "expanded_at": now,
                "total": subscribers}])).scalar_one()

            def outbox() -> Iterator[tuple]:
                for i in range(subscribers):
                    share = i / subscribers
                    status = ("sent" if share < 0.6 else "failed" if share < 0.61 else
                              "unreachable" if share < 0.62 else "pending")
                    yield broadcast_id, i + 1, channel_of[i], status, 0, now
            await _copy(conn, "outbox", ("broadcast_id", "user_id", "channel", "status", "attempts", "not_before"),
                        outbox())

            # Feedback over the last two months; a third still open.
            statuses = ["resolved", "resolved", "new", "taken", "forwarded", "answered"]
            await conn.execute(insert(FeedbackTicket), [{
                "code": f"PA-BENCH-{n:06d}", "draft_key": f"bench-{n}", "user_key": f"{n:032x}",
                "channel": rng.choice(CHANNELS), "category": "chung", "description": "Phản ánh thử nghiệm.",
                "status": rng.choice(statuses), "created_at": now - timedelta(days=rng.random() * 60)}
                for n in range(2000)])

            # The pack's contests: registrations from a tenth of the people, most with an attempt.
            for contest in pack.contests:
                people = rng.sample(range(1, subscribers + 1), max(subscribers // 10, 1))
                first = (await conn.execute(text(
                    "SELECT coalesce(max(id), 0) FROM contest_registrations"))).scalar_one() + 1
                await _copy(conn, "contest_registrations",
                            ("id", "contest_id", "user_id", "full_name", "unit_id", "position", "registered_at",
                             "updated_at"),
                            ((first + k, contest.id, uid, "Cán bộ thử nghiệm", rng.choice(units), "Chuyên viên",
                              contest.starts_at, contest.starts_at) for k, uid in enumerate(people)))
                q, s = contest.questions_per_attempt, contest.seconds_per_question
                await _copy(conn, "quiz_attempts",
                            ("mode", "contest_id", "user_id", "registration_id", "number", "question_count",
                             "seconds_per_question", "grace_seconds", "started_at", "expires_at", "finished_at",
                             "score", "total_ms"),
                            (("contest", contest.id, uid, first + k, 1, q, s, 5, contest.starts_at,
                              contest.starts_at + timedelta(seconds=q * s), contest.starts_at + timedelta(minutes=9),
                              rng.randint(0, q), rng.randint(60_000, q * s * 1000))
                             for k, uid in enumerate(people) if k % 5))
            await conn.execute(text("SELECT setval(pg_get_serial_sequence('contest_registrations', 'id'), "
                                    "coalesce(max(id), 1)) FROM contest_registrations"))
            for table in ("users", "subscriptions", "engagement_events", "outbox", "feedback_tickets",
                          "contest_registrations", "quiz_attempts"):
                await conn.execute(text(f"ANALYZE {table}"))
            await conn.commit()
    finally:
        await engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pages(app: BotApp) -> list[str]:
    """Every signed-in GET page under /admin without a parameter in its path."""
    return sorted({r.resource.canonical for r in app.web.router.routes()
                   if r.method == "GET" and r.resource is not None and r.resource.canonical.startswith("/admin")
                   and "{" not in r.resource.canonical and (rule := rule_of(r.handler)) and not rule.public})


async def measure(base: Settings, url: str, content: AnsweringContent, requests: int) -> list[PageTiming]:
    # The web app alone: no channel, no delivery worker.
    settings = base.model_copy(update={
        "database_url": url, "scheduler_embedded": False, "telegram_bot_token": None, "zalo_app_id": None,
        "pseudonym_salt": "bench"})
    services = Services(settings=settings, db=Database(url), content=content, router=build_router())
    app = BotApp(services)
    port = _free_port()
    await app.start("127.0.0.1", port)
    try:
        async with services.db.session() as db:
            admin = User(channel="console", channel_user_id="bench-admin", role=Role.ADMIN, staff_name="Đo hiệu năng")
            db.add(admin)
            await db.flush()
            token, _ = await sessions.open_session(db, admin, utcnow(), hours=8)
            await db.commit()
        out = []
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers={"Cookie": f"{COOKIE}={token}"}) as http:
            for path in _pages(app):
                times = []
                for _ in range(requests + 1):
                    began = time.perf_counter()
                    async with http.get(path, allow_redirects=False) as response:
                        await response.read()
                        if response.status != 200:
                            raise RuntimeError(f"{path}: HTTP {response.status}")
                    times.append((time.perf_counter() - began) * 1000)
                first, rest = times[0], sorted(times[1:])
                p95 = rest[min(len(rest) - 1, max(0, round(0.95 * len(rest)) - 1))]
                out.append(PageTiming(path, first, statistics.median(rest), p95, rest[-1], len(rest)))
        return out
    finally:
        await app.stop()


async def run(base: Settings, server_url: str, content: AnsweringContent, subscribers: int = 100_000,
              events: int = 1_000_000, requests: int = 50) -> Result:
    """Create a scratch database on the server `server_url` names, load it, measure, drop it."""
    name = f"cchc_console_bench_{os.getpid()}"
    server = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    bench_url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    async with server.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        began = time.perf_counter()
        await asyncio.to_thread(migrate.upgrade, bench_url)
        await load(bench_url, content, subscribers, events)
        load_s = time.perf_counter() - began
        pages = await measure(base, bench_url, content, requests)
        return Result(subscribers, events, load_s, pages)
    finally:
        async with server.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await server.dispose()


def report_lines(result: Result) -> list[str]:
    lines = [f"console bench: {result.subscribers:,} subscribers, {result.events:,} engagement events "
             f"(loaded and migrated in {result.load_s:.1f} s)"]
    for p in result.pages:
        lines.append(f"  {p.path:<28} p50 {p.p50_ms:7.1f} ms   p95 {p.p95_ms:7.1f} ms   max {p.max_ms:7.1f} ms"
                     f"   first {p.first_ms:7.1f} ms   ({p.requests} requests)")
    return lines
