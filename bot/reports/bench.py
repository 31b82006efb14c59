"""`cchc-bot report bench`: a year of engagement events, bulk-loaded into a scratch SQLite
file and a scratch PostgreSQL schema, then the report generated over it and timed.

The scratch places are created for the run and removed after it, so the benchmark never
touches the bot's own data: a temporary SQLite file, and on PostgreSQL a schema of its own
(`cchc_bench_<pid>`) in the given database."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.content.schema import ContentPack
from bot.db.all_models import Base
from bot.db.events import CONTEST, PRACTICE, EventKind
from bot.db.models import EngagementEvent
from bot.kernel.periods import Period

# Produces the report of one period (bot.reports.report.generate, or a stand-in).
Render = Callable[[AsyncEngine, ContentPack, Period, Path], Awaitable[None]]

K = EventKind
COLUMNS = ("occurred_at", "user_key", "channel", "kind", "topic", "item", "outcome", "value")
# How often each kind occurs in a year of a provincial outreach bot (weights, not counts).
MIX = [
    (K.MESSAGE_IN, 300),
    (K.MENU_OPENED, 70),
    (K.TOPIC_VIEWED, 60),
    (K.MESSAGE_VIEWED, 90),
    (K.QUESTION_ANSWERED, 80),
    (K.QUESTION_UNANSWERED, 25),
    (K.GUIDE_OPENED, 35),
    (K.HOTLINE_VIEWED, 10),
    (K.SUBSCRIBED, 12),
    (K.UNSUBSCRIBED, 3),
    (K.BROADCAST_DELIVERED, 150),
    (K.BROADCAST_FAILED, 6),
    (K.BROADCAST_CLICKED, 15),
    (K.CONTEST_REGISTERED, 3),
    (K.QUIZ_STARTED, 8),
    (K.QUIZ_ANSWERED, 80),
    (K.QUIZ_FINISHED, 7),
    (K.FEEDBACK_FILED, 2),
    (K.FEEDBACK_ANSWERED, 2),
    (K.FEEDBACK_RESOLVED, 1),
    (K.SURVEY_OFFERED, 5),
    (K.SURVEY_STARTED, 3),
    (K.SURVEY_ANSWERED, 12),
    (K.SURVEY_COMPLETED, 2),
    (K.BAD_INPUT, 4),
]
CHANNELS = (("zalo", 55), ("web", 25), ("telegram", 20))


@dataclass
class Timing:
    backend: str
    events: int
    load_s: float
    reports: list[tuple[str, float]]


def generate(pack: ContentPack, count: int, year: int, seed: int = 2026) -> Iterator[tuple]:
    """`count` plausible events spread over `year` (Vietnam time), as COLUMNS tuples."""
    rng = random.Random(seed)
    start = datetime(year, 1, 1, tzinfo=UTC) - timedelta(hours=7)
    seconds = 365 * 86400
    people = max(count // 25, 10)
    # A person is one channel identity, so each pseudonymous key belongs to one channel.
    channel_names = [c for c, _ in CHANNELS]
    channel_of = rng.choices(channel_names, [w for _, w in CHANNELS], k=people)
    keys = [f"{rng.getrandbits(96):024x}" for _ in range(people)]
    topics = [t.id for t in pack.topics] or ["chu-de"]
    messages = [(t.id, m.id) for t in pack.topics for m in t.messages] or [("chu-de", "tin")]
    answers = [e.id for e in pack.faq] + [g.id for g in pack.guides] or [
        f"cau-hoi-{i}" for i in range(120)
    ]
    units = [u.id for u in pack.units] or ["don-vi"]
    unanswered = [f"cau hoi chua co cau tra loi so {i}" for i in range(400)]
    categories = ["thu-tuc-hanh-chinh", "dich-vu-cong-truc-tuyen", "thai-do-can-bo", "chung"]
    surveys = [(s.id, s.questions) for s in pack.surveys]
    kinds = [k for k, _ in MIX]
    kind_weights = [w for _, w in MIX]
    for kind in rng.choices(kinds, kind_weights, k=count):
        at = start + timedelta(seconds=rng.random() * seconds)
        person = int(rng.random() ** 2 * people)  # a few people do a lot
        key, channel = keys[person], channel_of[person]
        topic = item = outcome = value = None
        if kind == K.MESSAGE_IN:
            outcome = "text" if rng.random() < 0.4 else "button"
        elif kind == K.TOPIC_VIEWED:
            topic = rng.choice(topics)
        elif kind == K.MESSAGE_VIEWED:
            topic, item = rng.choice(messages)
        elif kind == K.QUESTION_ANSWERED:
            item = answers[int(rng.random() ** 3 * len(answers))]
            outcome, value = rng.choice(("faq", "faq", "guide", "chosen")), 0.5 + rng.random() / 2
        elif kind == K.QUESTION_UNANSWERED:
            item = unanswered[int(rng.random() ** 3 * len(unanswered))]
            outcome, value = "out_of_scope", rng.random() / 2
        elif kind == K.GUIDE_OPENED:
            item = answers[int(rng.random() ** 2 * len(answers))]
        elif kind in (K.SUBSCRIBED, K.UNSUBSCRIBED):
            topic = rng.choice(topics + ["all"])
        elif kind in (K.BROADCAST_DELIVERED, K.BROADCAST_FAILED, K.BROADCAST_CLICKED):
            item = str(1 + (at - start).days // 10)  # a campaign every ten days
            outcome = (
                rng.choice(("unreachable", "rejected")) if kind == K.BROADCAST_FAILED else None
            )
        elif kind == K.CONTEST_REGISTERED:
            topic, item = rng.choice(units), "cchc-2026"
        elif kind in (K.QUIZ_STARTED, K.QUIZ_ANSWERED, K.QUIZ_FINISHED):
            topic, item = rng.choice(units), "cchc-2026"
            outcome = CONTEST if rng.random() < 0.7 else PRACTICE
            if kind == K.QUIZ_ANSWERED:
                outcome, value = (
                    rng.choice(("correct", "correct", "wrong", "late")),
                    rng.random() * 45,
                )
            elif kind == K.QUIZ_FINISHED:
                value = float(rng.randint(5, 20))
        elif kind in (K.FEEDBACK_FILED, K.FEEDBACK_ANSWERED, K.FEEDBACK_RESOLVED):
            topic = rng.choice(categories)
            value = rng.random() * 120 if kind == K.FEEDBACK_RESOLVED else None
        elif kind in (K.SURVEY_OFFERED, K.SURVEY_STARTED, K.SURVEY_COMPLETED) and surveys:
            topic, item = rng.choice(surveys)[0], Period.containing(at, "quarter").key
        elif kind == K.SURVEY_ANSWERED and surveys:
            survey, questions = rng.choice(surveys)
            question = rng.choice(questions)
            topic, item = survey, question.id
            if question.kind == "scale":
                score = rng.choice((3, 4, 4, 5, 5))
                outcome, value = str(score), float(score)
            else:
                outcome = question.options[int(rng.random() ** 2 * len(question.options))].id
        yield at, key, channel, str(kind), topic, item, outcome, value


# --- loading ---------------------------------------------------------------------------


def _sqlite_time(at: datetime) -> str:
    # The storage format SQLAlchemy's SQLite DateTime type reads back.
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def load_sqlite(path: Path, rows: Iterator[tuple]) -> int:
    """Create the schema and insert every row with executemany in one transaction."""
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=OFF")
        placeholders = ", ".join("?" for _ in COLUMNS)
        sql = f"INSERT INTO engagement_events ({', '.join(COLUMNS)}) VALUES ({placeholders})"
        total = 0
        with con:
            batch: list[tuple] = []
            for row in rows:
                batch.append((_sqlite_time(row[0]), *row[1:]))
                if len(batch) == 50_000:
                    con.executemany(sql, batch)
                    total += len(batch)
                    batch.clear()
            con.executemany(sql, batch)
            total += len(batch)
        con.execute("ANALYZE")
    finally:
        con.close()
    return total


async def load_postgres(engine: AsyncEngine, schema: str, rows: Iterator[tuple]) -> int:
    """Create the schema's tables and COPY every row in (asyncpg's binary COPY)."""
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    total = 0
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None  # an open connection has its driver's (asyncpg's)
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 100_000:
                await raw.copy_records_to_table(
                    EngagementEvent.__tablename__,
                    records=batch,
                    columns=COLUMNS,
                    schema_name=schema,
                )
                total += len(batch)
                batch = []
        if batch:
            await raw.copy_records_to_table(
                EngagementEvent.__tablename__, records=batch, columns=COLUMNS, schema_name=schema
            )
            total += len(batch)
        await conn.execute(text("ANALYZE engagement_events"))
        await conn.commit()
    return total


# --- running ---------------------------------------------------------------------------


def bench_periods(year: int) -> list[Period]:
    return [Period.year(year), Period.half(year, 2), Period.quarter(year, 3)]


async def _time_reports(
    engine: AsyncEngine, pack: ContentPack, year: int, out_dir: Path, render: Render
) -> list[tuple[str, float]]:
    timings = []
    for period in bench_periods(year):
        began = time.perf_counter()
        await render(engine, pack, period, out_dir)
        timings.append((period.key, time.perf_counter() - began))
    return timings


async def bench_sqlite(pack: ContentPack, count: int, year: int, out_dir: Path, render: Render) -> Timing:
    with tempfile.TemporaryDirectory(prefix="cchc-bench-") as tmp:
        path = Path(tmp) / "bench.sqlite3"
        began = time.perf_counter()
        loaded = await asyncio.to_thread(load_sqlite, path, generate(pack, count, year))
        load_s = time.perf_counter() - began
        engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
        try:
            reports = await _time_reports(engine, pack, year, out_dir, render)
        finally:
            await engine.dispose()
    return Timing("SQLite", loaded, load_s, reports)


async def bench_postgres(
    pack: ContentPack, url: str, count: int, year: int, out_dir: Path, render: Render
) -> Timing:
    schema = f"cchc_bench_{os.getpid()}"
    admin = create_async_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        began = time.perf_counter()
        loaded = await load_postgres(engine, schema, generate(pack, count, year))
        load_s = time.perf_counter() - began
        reports = await _time_reports(engine, pack, year, out_dir, render)
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()
    return Timing("PostgreSQL", loaded, load_s, reports)
