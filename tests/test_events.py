"""The engagement log API: one event per call, a batch in one executemany, and the report
benchmark's bulk load producing rows the report reads like any others."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select

from bot.cli import main
from bot.db import events
from bot.db.events import EventKind
from bot.db.models import EngagementEvent
from bot.db.session import Database
from bot.kernel.clock import VN


async def test_record_many_writes_a_batch_and_trims_long_fields(db_url):
    db = Database(db_url)
    at = datetime(2026, 8, 1, 9, tzinfo=VN)
    async with db.session() as session:
        written = await events.record_many(
            session,
            [
                {
                    "user_key": f"k{i}",
                    "channel": "zalo",
                    "kind": EventKind.BROADCAST_DELIVERED,
                    "item": "12",
                    "at": at,
                }
                for i in range(250)
            ]
            + [
                {
                    "user_key": "k",
                    "channel": "web",
                    "kind": EventKind.BROADCAST_FAILED,
                    "item": "x" * 300,
                    "outcome": "unreachable-" * 5,
                    "topic": "t" * 80,
                }
            ],
        )
        await session.commit()
        rows = list(
            (await session.execute(select(EngagementEvent).order_by(EngagementEvent.id))).scalars()
        )
    await db.dispose()
    assert written == 251 and len(rows) == 251
    assert {r.kind for r in rows[:250]} == {"broadcast_delivered"} and rows[0].occurred_at == at
    last = rows[-1]
    assert (len(last.item), len(last.outcome), len(last.topic)) == (255, 32, 64)


def test_every_kind_is_documented():
    from bot.config import ROOT

    doc = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    missing = [k.value for k in EventKind if f"| `{k.value}` |" not in doc]
    assert not missing


async def test_report_bench_runs_on_each_backend(db_url, capsys):
    args = ["report", "bench", "--events", "3000"]
    if db_url.startswith("postgresql"):
        args += ["--postgres-url", db_url, "--no-sqlite"]
    else:
        args += ["--no-postgres"]
    assert await asyncio.to_thread(main, args) == 0
    out = capsys.readouterr().out
    backend = "PostgreSQL" if db_url.startswith("postgresql") else "SQLite"
    assert f"{backend}: 3.000 sự kiện nạp" in out
    for period in ("2026", "2026H2", "2026Q3"):
        assert f"báo cáo {period} " in out
