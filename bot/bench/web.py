"""`cchc-bot web bench`: the web chat under load, measured from outside, and one campaign
to the web chat's subscribers. Loopback only, on a database of the benchmark's own
(a temporary SQLite file; `--postgres URL` also on PostgreSQL: use a database made for it).

(a) **Sessions.** A `cchc-bot run` process serves the web chat (load.Bots); simulated
    browsers run in a process of their own and do what the page does: read their history,
    open an event stream, then ask typed questions (the evaluation sets' wordings) with a
    think time, the stream open all along. Every browser starts within the ramp, so about
    all of them are connected at once. Reply latency as the browser sees it (p50, p95);
    the history rows are counted at the end: two per question, nothing lost.
(b) **Fan-out.** A campaign to `subscribers` web-chat subscribers, fired and delivered
    through the outbox by one delivery worker with the web sender (each message stored in
    its person's history): the time from firing to the last row sent."""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import delete, func, select

from bot.bench.load import PREFIX, Bots, _cleanup, _ms, _questions
from bot.config import Settings
from bot.db import migrate
from bot.db.models_web import WebMessage
from bot.db.session import Database

TARGET_P95_MS = 300.0


@dataclass(frozen=True)
class Plan:
    sessions: int
    questions: int  # per session
    think: float  # mean seconds between two questions of one session
    ramp: float  # seconds over which the sessions start


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    streams: int = 0  # event streams that opened (200)
    most_streams: int = 0  # open at the same time, at the peak
    failure: str | None = None


async def _browser(http: aiohttp.ClientSession, base: str, name: str, questions: list[str], plan: Plan,
                   rng: random.Random, out: Outcome, open_now: list[int]) -> None:
    await asyncio.sleep(rng.uniform(0, plan.ramp))
    async with http.get(f"{base}/api/history", params={"session": name}) as r:
        if r.status != 200:
            out.errors += 1
    stream = await http.get(f"{base}/api/events", params={"session": name})
    if stream.status == 200:
        out.streams += 1
        open_now[0] += 1
        out.most_streams = max(out.most_streams, open_now[0])
    else:
        out.errors += 1
    try:
        for n in range(plan.questions):
            began = time.perf_counter()
            async with http.post(f"{base}/api/chat", json={"session": name, "id": f"q{n}",
                                                           "text": rng.choice(questions)}) as r:
                body = await r.json() if r.status == 200 else None
            out.latencies.append(time.perf_counter() - began)
            if not body or not body["replies"] or not body["history_id"]:
                out.errors += 1
            await asyncio.sleep(rng.uniform(0.5, 1.5) * plan.think)
    finally:
        if stream.status == 200:
            open_now[0] -= 1
        stream.close()


async def _drive(port: int, plan: Plan, seed: int) -> Outcome:
    out, rng, questions = Outcome(), random.Random(seed), _questions()
    # Two connections a browser: its event stream, and its questions.
    limits = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=limits, timeout=aiohttp.ClientTimeout(total=300)) as http:
        open_now = [0]
        work = [_browser(http, f"http://127.0.0.1:{port}", f"{PREFIX}web-{n:06d}", questions, plan,
                         random.Random(rng.random()), out, open_now) for n in range(plan.sessions)]
        results = await asyncio.gather(*work, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    out.errors += len(failures)
    out.failure = repr(failures[0]) if failures else None
    return out


def _driver_main(port: int, plan: Plan, seed: int) -> Outcome:
    return asyncio.run(_drive(port, plan, seed))


async def _history_rows(db: Database) -> int:
    async with db.session() as s:
        query = select(func.count()).where(WebMessage.session.startswith(PREFIX))
        return int((await s.execute(query)).scalar_one())


async def _forget(db: Database) -> None:
    await _cleanup(db)
    async with db.session() as s:
        await s.execute(delete(WebMessage).where(WebMessage.session.startswith(PREFIX)))
        await s.commit()


async def bench_sessions(label: str, url: str, settings: Settings, plan: Plan) -> bool:
    db = Database(url)
    bots: Bots | None = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            await _forget(db)
            bots = Bots(url, settings.content_dir, 1, Path(tmp))
            await bots.ready()
            began = time.perf_counter()
            with multiprocessing.get_context("spawn").Pool(1) as pool:  # the browsers' own process
                out = await asyncio.to_thread(pool.apply, _driver_main, (bots.ports[0], plan, 20261208))
            elapsed = time.perf_counter() - began
            rows = await _history_rows(db)
        finally:
            if bots is not None:
                bots.stop()
            await _forget(db)
            await db.dispose()
    lat, expected = out.latencies, plan.sessions * plan.questions
    p95 = _ms(lat, .95)
    print(f"\n== {label}: (a) {plan.sessions} phiên trình duyệt cùng lúc × {plan.questions} câu hỏi, bắt đầu rải "
          f"trong {plan.ramp:g} giây, suy nghĩ ~{plan.think:g} giây; mỗi phiên mở luồng sự kiện; một tiến trình "
          f"trợ lý, trình duyệt mô phỏng ở tiến trình riêng, qua HTTP trên 127.0.0.1 ==")
    print(f"độ trễ trả lời: p50 {_ms(lat, .50):.1f} ms, p95 {p95:.1f} ms, p99 {_ms(lat, .99):.1f} ms, "
          f"tối đa {max(lat) * 1000 if lat else 0:.1f} ms; {len(lat) / elapsed:.0f} câu hỏi/giây trong "
          f"{elapsed:.1f} s (mục tiêu p95 ≤ {TARGET_P95_MS:.0f} ms)")
    print(f"luồng sự kiện: {out.streams} đã mở, cùng lúc nhiều nhất {out.most_streams}; lịch sử hội thoại: "
          f"{rows} dòng (mong đợi {2 * expected}); lỗi {out.errors}")
    if out.failure:
        print(f"lỗi đầu tiên: {out.failure}")
    return out.errors == 0 and rows == 2 * expected and len(lat) == expected


FANOUT_TITLE = "Đo gửi khung chat"
FIRST = 900_000_001  # the fan-out's subscribers: web sessions "900000001", "900000002", …


async def _forget_fanout(db: Database, subscribers: int) -> None:
    """Remove the fan-out's campaign (its broadcast and outbox go with it), subscribers and
    their history."""
    from bot.db.models import User
    from bot.db.models_campaigns import Campaign

    first, last = str(FIRST), str(FIRST + subscribers - 1)
    async with db.session() as s:
        await s.execute(delete(Campaign).where(Campaign.title == FANOUT_TITLE))
        await s.execute(delete(User).where(User.channel == "web", User.channel_user_id.between(first, last)))
        await s.execute(delete(WebMessage).where(WebMessage.session.between(first, last)))
        await s.commit()


async def bench_fanout(label: str, url: str, settings: Settings, subscribers: int) -> bool:
    from bot.app import build_services
    from bot.channels.websender import WebSender
    from scheduler.delivery.worker import Worker
    from tests.campaigns.helpers import seed_subscribers, start_campaign, statuses

    settings = settings.model_copy(update={"database_url": url, "quiet_hours": "", "broadcast_max_per_day": 0,
                                           "delivery_batch_size": 500, "pseudonym_salt": "bench"})
    services = build_services(settings)
    try:
        await _forget_fanout(services.db, subscribers)
        await seed_subscribers(services.db, subscribers, channel="web", start=FIRST)
        services.senders["web"] = sender = WebSender.build(services)
        worker = Worker(services.db, services.content, settings, services.senders)
        await worker.register()
        began = time.perf_counter()
        _, broadcast_id = await start_campaign(services, title=FANOUT_TITLE, text="Tin thử hiệu năng gửi.",
                                               channels=("web",))
        queued = time.perf_counter() - began
        while await worker.run_once():
            pass
        took = time.perf_counter() - began
        await worker.unregister()
        await sender.close()
        final = dict(await statuses(services.db, broadcast_id))
        stored = await _history_rows_between(services.db, subscribers)
    finally:
        await _forget_fanout(services.db, subscribers)
        await services.db.dispose()
    print(f"== {label}: (b) một chiến dịch tới {subscribers} người đăng ký trên khung chat, một tiến trình gửi: "
          f"xếp hàng {queued:.1f} s, gửi xong sau {took:.1f} s = {subscribers / took:.0f} tin/giây; "
          f"kết quả {final}; {stored} tin trong lịch sử hội thoại")
    return final == {"sent": subscribers} and stored == subscribers


async def _history_rows_between(db: Database, subscribers: int) -> int:
    async with db.session() as s:
        query = select(func.count()).where(WebMessage.session.between(str(FIRST), str(FIRST + subscribers - 1)))
        return int((await s.execute(query)).scalar_one())


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    plan = Plan(args.sessions, args.questions, think=args.think, ramp=args.ramp)
    load1, load5, _ = os.getloadavg()
    print(f"máy đo: {os.cpu_count()} lõi; tải trung bình lúc bắt đầu {load1:.1f} (1 phút), {load5:.1f} (5 phút)")

    async def on(label: str, url: str) -> bool:
        await asyncio.to_thread(migrate.upgrade, url)
        ok = await bench_sessions(label, url, settings, plan)
        return await bench_fanout(label, url, settings, args.subscribers) and ok

    async def main() -> bool:
        with tempfile.TemporaryDirectory() as tmp:
            ok = await on("SQLite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        if args.postgres:
            ok = await on("PostgreSQL", args.postgres) and ok
        return ok

    ok = asyncio.run(main())
    if not ok:
        print("KẾT LUẬN: có lỗi hoặc sai lệch số liệu (xem các dòng trên)", file=sys.stderr)
    return 0 if ok else 1

