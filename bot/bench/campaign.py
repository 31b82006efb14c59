"""`cchc-bot campaign bench`: the delivery engine against the local Bot API fake (run in a
process of its own), with the bot's real sending code. Needs a source checkout (the fake
lives in tests/fakes/).

  (a) one worker, rate limit lifted: messages per second          (target ≥ 500)
  (b) Telegram's limits on, at the fake and in our limiter: the rate achieved over a
      window, as the fake counted it                              (target ≥ 95 % of 30/s)
  (c) memory of this process while a 100,000-recipient campaign is expanded and sent
                                                                  (target: flat)
  (d) reply latency for citizens' questions while a big broadcast sends under the limit,
      with a 429 thrown at the broadcast lane halfway             (target p95 ≤ 1 s)
  (e) PostgreSQL only: a fleet of 1, 2 and 4 `cchc-bot worker` processes; at a quarter, a
      half and three quarters of the broadcast one is SIGKILLed and a new one joins. The
      busiest second and the average rate as the fake counted them (target: busiest ≤
      our rate, average ≥ 95 % of it), and the rows left uncertain per kill
                                                   (target ≤ DELIVERY_CONCURRENCY each)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.bench.machine import loop_seconds
from bot.config import ROOT, Settings

if TYPE_CHECKING:
    from bot.conversation.services import Services
    from scheduler.delivery.worker import Worker

TELEGRAM_LIMIT = 30.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class FakeProcess:
    def __init__(self, limited: bool) -> None:
        args = [sys.executable, "-m", "tests.campaigns.fake_server"] + (["--rate-limit"] if limited else [])
        self.proc = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both piped
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self.info = json.loads(self.stdout.readline())

    def ask(self, command: str) -> dict:
        self.stdin.write(command + "\n")
        self.stdin.flush()
        answer: dict = json.loads(self.stdout.readline())
        return answer

    def close(self) -> None:
        self.stdin.close()
        self.proc.wait(30)


def _settings(base: Settings, url: str, fake: FakeProcess, rate: float) -> Settings:
    return base.model_copy(update={
        "database_url": url, "telegram_bot_token": fake.info["token"],
        "telegram_api_base_url": fake.info["base_url"],
        "telegram_api_base_file_url": fake.info["base_file_url"],
        "telegram_rate_per_second": rate, "quiet_hours": "", "broadcast_max_per_day": 0,
        "delivery_concurrency": 16, "delivery_batch_size": 500, "pseudonym_salt": "bench"})


async def _prepare(settings: Settings, recipients: int,
                   start_chat: int = 700_000_001) -> tuple[Services, Callable[[], Awaitable[None]]]:
    from bot.app import build_services
    from bot.db import migrate
    from bot.processes import build_senders
    from tests.campaigns.helpers import seed_subscribers

    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    services = build_services(settings)
    await seed_subscribers(services.db, recipients, start=start_chat)
    pushers, close = await build_senders(services)
    services.senders.update(pushers)
    return services, close


async def _broadcast(services: Services, title: str) -> int:
    from tests.campaigns.helpers import start_campaign

    _, broadcast_id = await start_campaign(services, title=title, text="Tin thử hiệu năng gửi.")
    return broadcast_id


async def _send_all(worker: Worker, stop_after: float | None = None) -> float:
    started = time.perf_counter()
    while await worker.run_once():
        if stop_after and time.perf_counter() - started > stop_after:
            break
    return time.perf_counter() - started


async def bench_a(base: Settings, url: str, recipients: int) -> None:
    from scheduler.delivery.worker import Worker

    fake = FakeProcess(limited=False)
    try:
        settings = _settings(base, url, fake, rate=0)
        services, close = await _prepare(settings, recipients)
        await _broadcast(services, "Đo (a)")
        worker = Worker(services.db, services.content, settings, services.senders)
        await worker.register()
        took = await _send_all(worker)
        stats = fake.ask("stats")
        print(f"(a) one worker, no rate limit: {worker.sent} messages in {took:.1f} s = "
              f"{worker.sent / took:.0f} msg/s (fake counted {stats['ok']} ok, "
              f"max {stats['max_per_chat']} per chat)")
        await worker.unregister()
        await close()
        await services.db.dispose()
    finally:
        fake.close()


async def bench_b(base: Settings, url: str, seconds: float) -> None:
    from scheduler.delivery.worker import Worker

    fake = FakeProcess(limited=True)
    try:
        settings = _settings(base, url, fake, rate=base.telegram_rate_per_second)
        recipients = int(seconds * TELEGRAM_LIMIT + 600)
        services, close = await _prepare(settings, recipients)
        await _broadcast(services, "Đo (b)")
        worker = Worker(services.db, services.content, settings, services.senders)
        await worker.register()
        await _send_all(worker, stop_after=seconds + 8)
        window = fake.ask(f"window 3 {seconds}")
        stats = fake.ask("stats")
        rate = window["per_second"]
        print(f"(b) Telegram limits on (fake: 30/s overall, 1/s per chat; ours: "
              f"{settings.telegram_rate_per_second:g}/s): {rate:.2f} msg/s over {seconds:g} s = "
              f"{100 * rate / TELEGRAM_LIMIT:.1f} % of 30/s; 429 answers: {stats['429']}")
        await worker.unregister()
        await close()
        await services.db.dispose()
    finally:
        fake.close()


async def bench_c(base: Settings, url: str, recipients: int) -> None:
    from scheduler.delivery.worker import Worker
    from tests.campaigns.helpers import seed_subscribers, start_campaign

    fake = FakeProcess(limited=False)
    try:
        settings = _settings(base, url, fake, rate=0)
        services, close = await _prepare(settings, 10)
        baseline = rss_mb()
        await seed_subscribers(services.db, recipients, start=710_000_001)
        after_seed = rss_mb()
        t0 = time.perf_counter()
        _, broadcast_id = await start_campaign(services, title="Đo (c)", text="Tin thử bộ nhớ.")
        expand_took = time.perf_counter() - t0
        after_expand = rss_mb()
        worker = Worker(services.db, services.content, settings, services.senders)
        await worker.register()
        marks, peak, next_mark = [], after_expand, recipients // 4
        started = time.perf_counter()
        while await worker.run_once():
            peak = max(peak, rss_mb())
            if worker.sent >= next_mark:
                marks.append((worker.sent, rss_mb()))
                next_mark += recipients // 4
        took = time.perf_counter() - started
        print(f"(c) {recipients:,} recipients: RSS {baseline:.0f} MB before, {after_seed:.0f} MB after "
              f"seeding, {after_expand:.0f} MB after expansion ({expand_took:.1f} s)")
        print("    while sending: " + ", ".join(f"{n:,} sent → {mb:.0f} MB" for n, mb in marks)
              + f"; peak {peak:.0f} MB; {worker.sent:,} sent in {took:.0f} s "
                f"({worker.sent / took:.0f} msg/s)")
        await worker.unregister()
        await close()
        await services.db.dispose()
    finally:
        fake.close()


async def bench_d(base: Settings, url: str, recipients: int, seconds: float = 30.0) -> None:
    from bot.conversation.conversation import Conversation
    from bot.kernel.messages import Incoming
    from bot.kernel.sending import REPLY
    from scheduler.delivery.worker import Worker

    fake = FakeProcess(limited=True)
    try:
        settings = _settings(base, url, fake, rate=base.telegram_rate_per_second)
        services, close = await _prepare(settings, recipients)
        await _broadcast(services, "Đo (d)")
        sender = services.senders["telegram"]  # shared by replies and the broadcast
        conversation = Conversation(services)
        questions = [e.question for e in services.content.pack.faq] or ["dịch vụ công trực tuyến là gì"]
        worker = Worker(services.db, services.content, settings, services.senders)
        await worker.register()
        stop = asyncio.Event()
        latencies: list[float] = []

        async def citizen(i: int) -> None:
            chat = str(600_000_001 + i)
            started = time.perf_counter()
            replies = await conversation.handle(Incoming("telegram", chat, "text",
                                                         text=questions[i % len(questions)]))
            await sender.send(chat, replies, lane=REPLY)
            latencies.append(time.perf_counter() - started)

        async def citizens() -> None:
            tasks = []
            for i in range(int(seconds * 2)):
                if i == int(seconds):  # halfway: the platform answers the broadcast a 429
                    fake.ask("fail429 3 700000001")  # a subscriber's chat: the broadcast lane
                tasks.append(asyncio.create_task(citizen(i)))
                await asyncio.sleep(0.5)
            await asyncio.gather(*tasks)
            stop.set()

        runner = asyncio.create_task(worker.run(stop))
        await citizens()
        await runner
        latencies.sort()
        q = statistics.quantiles(latencies, n=100, method="inclusive")
        stats = fake.ask("stats")
        print(f"(d) {len(latencies)} questions answered while a {recipients:,}-recipient broadcast sent "
              f"under the limit ({worker.sent:,} broadcast messages meanwhile, one 429 on its lane): "
              f"reply latency p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, "
              f"p99 {q[98] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; fake 429s: {stats['429']}")
        await close()
        await services.db.dispose()
    finally:
        fake.close()


class WorkerProcess:
    """`cchc-bot worker` as deployed: its own process, sending through the fake."""

    def __init__(self, settings: Settings, fake: FakeProcess, workdir: str) -> None:
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": settings.database_url,
               "TELEGRAM_BOT_TOKEN": fake.info["token"], "TELEGRAM_API_BASE_URL": fake.info["base_url"],
               "TELEGRAM_API_BASE_FILE_URL": fake.info["base_file_url"],
               "TELEGRAM_RATE_PER_SECOND": str(settings.telegram_rate_per_second), "QUIET_HOURS": "",
               "BROADCAST_MAX_PER_DAY": "0", "CONTENT_DIR": str(settings.content_dir),
               "PSEUDONYM_SALT": "bench", "LOG_LEVEL": "ERROR"}
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=workdir, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()


async def bench_e(base: Settings, url: str, recipients: int) -> None:
    from sqlalchemy import func, select

    from bot.db.models_campaigns import OutboxMessage

    for size in (1, 2, 4):
        await _reset_pg(url)
        fake = FakeProcess(limited=True)
        workers: list[WorkerProcess] = []
        try:
            settings = _settings(base, url, fake, rate=base.telegram_rate_per_second)
            services, close = await _prepare(settings, recipients)
            broadcast_id = await _broadcast(services, f"Đo (e) {size}")
            await close()
            with tempfile.TemporaryDirectory() as workdir:
                workers = [WorkerProcess(settings, fake, workdir) for _ in range(size)]
                for kill, share in enumerate((0.25, 0.5, 0.75)):
                    while fake.ask("stats")["ok"] < recipients * share:  # noqa: ASYNC110 (another process)
                        await asyncio.sleep(0.2)
                    workers[kill % size].kill()  # dies mid-broadcast; another joins
                    workers[kill % size] = WorkerProcess(settings, fake, workdir)
                left = (select(func.count()).where(OutboxMessage.broadcast_id == broadcast_id,
                                                   OutboxMessage.status.in_(["pending", "claimed", "sending"])))
                while True:
                    async with services.db.session() as session:
                        if not (await session.execute(left)).scalar_one():
                            break
                    await asyncio.sleep(0.5)
                for worker in workers:
                    worker.stop()
            async with services.db.session() as session:
                uncertain = (await session.execute(select(func.count()).where(
                    OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == "uncertain"))).scalar_one()
            fleet, stats = fake.ask("fleet"), fake.ask("stats")
            rate = settings.telegram_rate_per_second
            print(f"(e) {size} worker(s), 3 killed and replaced, {recipients} recipients at {rate:g}/s: "
                  f"busiest second {fleet['busiest']} messages; average {fleet['per_second']:.2f} msg/s = "
                  f"{100 * fleet['per_second'] / rate:.1f} % of {rate:g}/s; 429 answers: {stats['429']}; "
                  f"uncertain rows {uncertain} ({uncertain / 3:.1f} per kill); most messages to one chat: "
                  f"{stats['max_per_chat']}", flush=True)
            await services.db.dispose()
        finally:
            for worker in workers:
                if worker.proc.poll() is None:
                    worker.kill()
            fake.close()


def main(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db.session import Database  # noqa: F401  (import check before forking fakes)

    if str(ROOT) not in sys.path:  # the console script's path does not hold the checkout
        sys.path.insert(0, str(ROOT))
    try:
        import tests.fakes.telegram_api  # noqa: F401
    except ImportError:
        print("Cần mã nguồn đầy đủ (tests/fakes/) để chạy đo hiệu năng.", file=sys.stderr)
        return 2
    print(f"machine: a pure-Python loop of 10,000,000 additions takes {loop_seconds():.2f} s "
          "(compare figures from different machines by it)")
    backends = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    for name, pg in backends:
        print(f"== {name} ==", flush=True)
        for letter in args.only:
            with tempfile.TemporaryDirectory() as tmp:
                url = pg or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
                if pg:
                    asyncio.run(_reset_pg(pg))
                runs: dict[str, Callable[[str], Coroutine[Any, Any, None]]] = {
                    "a": lambda u: bench_a(settings, u, min(args.recipients, 20_000)),
                    "b": lambda u: bench_b(settings, u, args.seconds),
                    "c": lambda u: bench_c(settings, u, args.recipients),
                    "d": lambda u: bench_d(settings, u, args.recipients),
                    "e": lambda u: bench_e(settings, u, min(args.recipients, 10_000))}
                if letter == "e" and not pg:
                    continue  # several workers need PostgreSQL
                asyncio.run(runs[letter](url))
                sys.stdout.flush()
    return 0


async def _reset_pg(url: str) -> None:
    from bot.db import migrate

    await asyncio.to_thread(migrate.downgrade, url, "base")
