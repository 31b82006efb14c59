"""Tracking codes: canonical form, parsing what people type, and allocation that stays
unique and gap-free when two processes file at the same time."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime

from sqlalchemy import select

from bot.db.models_feedback import FeedbackCounter
from bot.feedback import codes

WORKER = """
import asyncio, sys
from bot.db.session import Database
from bot.feedback import codes

async def main(url, count):
    db = Database(url)
    out = []
    for _ in range(count):
        async with db.session() as s:
            out.append(await codes.allocate(s))
            await asyncio.sleep(0)  # hold the counter lock across an await, like a turn does
            await s.commit()
    await db.dispose()
    print("\\n".join(out))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def test_format_and_find():
    assert codes.format_code(2026, 123) == "PA-2026-000123"
    for typed in ("PA-2026-000123", "pa-2026-123", "pa 2026 000123", "Mã PA2026000123 ạ", "PA-2026-123."):
        assert codes.find_code(typed) == "PA-2026-000123", typed
    assert codes.find_code("PA-26-1") is None and codes.find_code("") is None
    assert codes.strip_code("PA-2026-000001 Đã xử lý").strip() == "Đã xử lý"


async def test_sequential_within_a_year_and_restarts_each_year(services):
    async with services.db.session() as s:
        first = [await codes.allocate(s, datetime(2026, 12, 31, 16, 59, tzinfo=UTC)) for _ in range(2)]
        # 17:00 UTC on 31 December is already 1 January in Vietnam.
        next_year = await codes.allocate(s, datetime(2026, 12, 31, 17, 0, tzinfo=UTC))
        await s.commit()
    assert first == ["PA-2026-000001", "PA-2026-000002"] and next_year == "PA-2027-000001"


async def test_two_processes_never_share_a_number(services):
    per_process = 15
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-c", WORKER, services.settings.database_url,
                                                  str(per_process), stdout=asyncio.subprocess.PIPE,
                                                  stderr=asyncio.subprocess.PIPE, env=env)
             for _ in range(2)]
    outputs = [await p.communicate() for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-2000:]
    allocated = [line for out, _ in outputs for line in out.decode().split()]
    year = datetime.now(codes.VN).year
    assert sorted(allocated) == [codes.format_code(year, n) for n in range(1, 2 * per_process + 1)]
    async with services.db.session() as s:
        assert (await s.execute(select(FeedbackCounter.last))).scalar_one() == 2 * per_process
