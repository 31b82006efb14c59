"""Feedback throughput: whole filing flows through the conversation core (8 turns each,
many citizens at once), and tracking codes allocated by two processes at the same time.

    PYTHONPATH=. python -m benchmarks.feedback [--database-url URL] [--citizens 200]

Without --database-url it uses a fresh SQLite file. Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time

from bot.config import ROOT, Settings
from bot.conversation.conversation import Conversation
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db import migrate
from bot.db.session import Database
from bot.faq.served import AnsweringContent
from bot.kernel.messages import Incoming

FLOW = [("payload", "fb"), ("payload", "fbc:thu-tuc-hanh-chinh"), ("payload", "fbu:phuong-phu-loi"),
        ("text", "Hồ sơ nộp tại bộ phận một cửa đã quá hạn trả kết quả mà chưa được thông báo lý do."),
        ("payload", "fbd"), ("payload", "fbo:yes"), ("text", "Nguyễn Văn An 0912 345 678"), ("payload", "fbs")]

ALLOCATOR = """
import asyncio, sys, time
from bot.db.session import Database
from bot.feedback import codes

async def main(url, count):
    db = Database(url)
    start = time.perf_counter()
    for _ in range(count):
        async with db.session() as s:
            await codes.allocate(s)
            await s.commit()
    print(time.perf_counter() - start)
    await db.dispose()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


async def file_all(conversation: Conversation, citizens: int, concurrency: int) -> list[float]:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def citizen(n: int) -> None:
        async with gate:
            for kind, value in FLOW:
                start = time.perf_counter()
                if kind == "payload":
                    incoming = Incoming.button("web", f"bench-citizen-{n:05d}", value)
                else:
                    incoming = Incoming("web", f"bench-citizen-{n:05d}", text=value)
                await conversation.handle(incoming)
                latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(citizen(n) for n in range(citizens)))
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--codes", type=int, default=200, help="codes per process")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    await asyncio.to_thread(migrate.downgrade, url, "base")
    await asyncio.to_thread(migrate.upgrade, url)
    settings = Settings(_env_file=None, database_url=url, feedback_daily_limit=5)
    db = Database(url)
    services = Services(settings=settings, db=db, content=AnsweringContent(ROOT / "content"), router=build_router())
    backend = "SQLite" if db.is_sqlite else "PostgreSQL"

    start = time.perf_counter()
    latencies = await file_all(Conversation(services), args.citizens, args.concurrency)
    elapsed = time.perf_counter() - start
    latencies.sort()
    print(f"{backend}: {args.citizens} citizens filed in {elapsed:.2f} s "
          f"({args.citizens / elapsed:.1f} tickets/s, {len(latencies) / elapsed:.0f} turns/s, "
          f"{args.concurrency} at once); turn latency median {statistics.median(latencies) * 1000:.1f} ms, "
          f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms")
    await db.dispose()

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-c", ALLOCATOR, url, str(args.codes),
                                                  stdout=asyncio.subprocess.PIPE, env=env) for _ in range(2)]
    outputs = [float((await p.communicate())[0]) for p in procs]
    wall = time.perf_counter() - start
    print(f"{backend}: 2 processes allocated {2 * args.codes} tracking codes, one transaction each, "
          f"in {max(outputs):.2f} s ({2 * args.codes / max(outputs):.0f} codes/s; {wall:.2f} s with start-up)")


if __name__ == "__main__":
    asyncio.run(main())
