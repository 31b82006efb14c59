"""`cchc-bot contest bench`: many cadres answering at once, through the conversation core
and the database (no channel), on SQLite and on PostgreSQL.

Each simulated cadre is registered, starts an attempt (tapping "start") at a random
moment of the ramp-up, then answers every question after a random think time, as a
person would. As in the Telegram adapter (python-telegram-bot's `concurrent_updates`),
at most `in_flight` updates are taken at once, and the conversation itself runs
`TURN_CONCURRENCY` turns at a time (one on SQLite); the rest wait, and that wait is part
of the latency measured. A share of the answers is
sent twice — a double tap (a second update) or a replayed update (the same update id) —
to prove they count once. Printed: throughput, latency per answer (p50/p95/p99), and row
counts that show no answer was lost or double-counted."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import random
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import delete, func, insert, select

from bot.config import Settings
from bot.content.schema import Contest
from bot.core.conversation import Conversation
from bot.core.events import EventKind
from bot.core.features import build_router
from bot.core.services import ContentStore, Services
from bot.core.types import Incoming, Reply
from bot.db import migrate
from bot.db.base import utcnow
from bot.db.models import ConversationState, EngagementEvent, ProcessedUpdate, User
from bot.db.models_contest import ContestRegistration, QuizAnswer, QuizAttempt
from bot.db.session import Database

CHANNEL = "bench"


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)  # seconds, one per first answer
    starts: list[float] = field(default_factory=list)
    errors: int = 0
    sent_twice: int = 0
    unfinished: int = 0
    failure: str | None = None  # the first exception a simulated cadre met


def _quiz(replies: list[Reply]):
    return next((r.quiz for r in replies if r.quiz), None)


def _finished(replies: list[Reply]) -> bool:
    return any("Kết thúc lượt thi" in r.text for r in replies)


class Limited:
    """The conversation behind a fixed number of workers, like a channel adapter."""

    def __init__(self, conv: Conversation, in_flight: int) -> None:
        self.conv, self.slots = conv, asyncio.Semaphore(in_flight)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        async with self.slots:
            return await self.conv.handle(incoming)


async def _cadre(conv: Limited, contest: Contest, n: int, think: float, dup_share: float,
                 rng: random.Random, run: Run, start_spread: float) -> None:
    user = f"cadre-{n:05d}"
    serial = 0

    def update_key() -> str:
        nonlocal serial
        serial += 1
        return f"{user}-{serial}"

    await asyncio.sleep(rng.uniform(0, start_spread))
    began = time.perf_counter()
    replies = await conv.handle(Incoming.button(CHANNEL, user, f"ctgo:{contest.id}", update_key=update_key()))
    run.starts.append(time.perf_counter() - began)
    quiz = _quiz(replies)
    while quiz is not None:
        await asyncio.sleep(rng.uniform(0.5, 1.5) * think if think else 0)
        payload = rng.choice(quiz.payloads)
        incoming = Incoming.button(CHANNEL, user, payload, update_key=update_key())
        began = time.perf_counter()
        if rng.random() < dup_share:
            run.sent_twice += 1
            again = incoming if rng.random() < 0.5 else Incoming.button(
                CHANNEL, user, payload, update_key=update_key())
            first, second = await asyncio.gather(conv.handle(incoming), conv.handle(again))
            replies = next((r for r in (first, second) if _quiz(r) or _finished(r)), first)
        else:
            replies = await conv.handle(incoming)
        run.latencies.append(time.perf_counter() - began)
        if any("hệ thống đang bận" in r.text for r in replies):
            run.errors += 1
        next_quiz = _quiz(replies)
        if next_quiz is not None and next_quiz.payloads == quiz.payloads:
            run.errors += 1  # the same question again: the answer was not taken
        quiz = next_quiz
    if not _finished(replies):
        run.unfinished += 1


async def _register(db: Database, contest: Contest, cadres: int, unit_ids: list[str]) -> None:
    now = utcnow()
    async with db.session() as s:
        await s.execute(insert(User), [
            {"channel": CHANNEL, "channel_user_id": f"cadre-{n:05d}", "role": "cadre",
             "unit_id": unit_ids[n % len(unit_ids)], "created_at": now, "last_seen_at": now}
            for n in range(cadres)])
        ids = dict((await s.execute(select(User.channel_user_id, User.id).where(User.channel == CHANNEL))).all())
        # They registered through the chat, so each already has a conversation state.
        await s.execute(insert(ConversationState), [
            {"user_id": user_id, "step": None, "data": {}, "options": [], "updated_at": now}
            for user_id in ids.values()])
        await s.execute(insert(ContestRegistration), [
            {"contest_id": contest.id, "user_id": ids[f"cadre-{n:05d}"], "full_name": f"Cán Bộ Thử {n}",
             "unit_id": unit_ids[n % len(unit_ids)], "position": "Chuyên viên", "registered_at": now,
             "updated_at": now} for n in range(cadres)])
        await s.commit()


async def _cleanup(db: Database) -> None:
    """Remove every row the benchmark made (its users cascade to their registrations,
    attempts and answers), including leftovers of an interrupted run."""
    async with db.session() as s:
        await s.execute(delete(User).where(User.channel == CHANNEL))
        await s.execute(delete(ProcessedUpdate).where(ProcessedUpdate.channel == CHANNEL))
        await s.execute(delete(EngagementEvent).where(EngagementEvent.channel == CHANNEL))
        await s.commit()


async def _counts(db: Database, contest: Contest) -> dict[str, int]:
    a = QuizAttempt
    async with db.session() as s:
        of_contest = (a.contest_id == contest.id,)
        attempts, finished, scored = (await s.execute(select(
            func.count(), func.count().filter(a.finished_at.is_not(None)), func.coalesce(func.sum(a.score), 0))
            .where(*of_contest))).one()
        answers, correct, late = (await s.execute(
            select(func.count(), func.count().filter(QuizAnswer.is_correct),
                   func.count().filter(QuizAnswer.outcome.in_(["late", "timeout"])))
            .join(a, a.id == QuizAnswer.attempt_id).where(*of_contest))).one()
        events = dict((await s.execute(
            select(EngagementEvent.kind, func.count()).where(EngagementEvent.channel == CHANNEL)
            .group_by(EngagementEvent.kind))).all())
    return {"attempts": attempts, "finished": finished, "score_sum": scored, "answers": answers,
            "correct": correct, "late": late, "answered_events": events.get(EventKind.QUIZ_ANSWERED, 0),
            "finished_events": events.get(EventKind.QUIZ_FINISHED, 0)}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000 if ordered else 0.0


@dataclass(frozen=True)
class Load:
    cadres: int
    questions: int
    think: float  # mean seconds between seeing a question and answering it
    duplicates: float  # share of answers sent twice
    ramp: float  # seconds over which the cadres start
    in_flight: int  # updates handled at once per process
    processes: int  # bot processes sharing the load (PostgreSQL only)


def _contest(store: ContentStore, questions: int) -> Contest:
    bank = store.pack.banks[0]
    now = utcnow()
    return Contest(
        id="bench", name="Đo tải", organiser="Đo tải", bank=bank.id,
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1),
        questions_per_attempt=min(questions, len(bank.questions)), seconds_per_question=45, attempts_allowed=1,
        rules="Đo tải.")


def _bench_pack(source: Path, target: Path, contest: Contest) -> Path:
    """A copy of the content pack whose only contest is the benchmark's, always open."""
    shutil.copytree(source, target)
    contests = {"contests": [contest.model_dump(mode="json", exclude_defaults=True)]}
    (target / "quiz" / "contests.yaml").write_text(yaml.safe_dump(contests, allow_unicode=True), encoding="utf-8")
    return target


async def _serve_share(url: str, settings: Settings, content_dir: Path, load: Load, share: list[int],
                       seed: float) -> Run:
    """One bot process: its own engine and conversation, serving some of the cadres."""
    store = ContentStore(content_dir)
    contest = store.pack.contests[0]
    gc.collect()
    gc.freeze()  # as `cchc-bot run` does once loaded
    db = Database(url)
    services = Services(settings=settings.model_copy(update={"database_url": url}), db=db, content=store,
                        router=build_router())
    conv = Limited(Conversation(services), load.in_flight)
    run = Run()
    rng = random.Random(seed)
    try:
        outcomes = await asyncio.gather(*(
            _cadre(conv, contest, n, load.think, load.duplicates, random.Random(rng.random()), run, load.ramp)
            for n in share), return_exceptions=True)
    finally:
        await db.dispose()
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    run.errors += len(failures)
    run.failure = repr(failures[0]) if failures else None
    return run


def _process_main(url: str, settings: Settings, content_dir: Path, load: Load, share: list[int],
                  seed: float) -> Run:
    return asyncio.run(_serve_share(url, settings, content_dir, load, share, seed))


async def bench_backend(label: str, url: str, settings: Settings, load: Load, out=sys.stdout) -> bool:
    await asyncio.to_thread(migrate.upgrade, url)
    store = ContentStore(settings.content_dir)
    contest = _contest(store, load.questions)
    db = Database(url)
    with tempfile.TemporaryDirectory() as tmp:
        content_dir = _bench_pack(settings.content_dir, Path(tmp) / "content", contest)
        try:
            await _cleanup(db)
            await _register(db, contest, load.cadres, [u.id for u in store.pack.units])
            began = time.perf_counter()
            if load.processes <= 1:
                runs = [await _serve_share(url, settings, content_dir, load, list(range(load.cadres)), 20261124)]
            else:
                shares = [list(range(i, load.cadres, load.processes)) for i in range(load.processes)]
                loop = asyncio.get_running_loop()
                spawn = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(load.processes, mp_context=spawn) as pool:
                    runs = await asyncio.gather(*(
                        loop.run_in_executor(pool, _process_main, url, settings, content_dir, load, share,
                                             20261124 + i)
                        for i, share in enumerate(shares)))
            elapsed = time.perf_counter() - began
            counts = await _counts(db, contest)
        finally:
            await _cleanup(db)
            await db.dispose()
    run = Run()
    for r in runs:
        run.latencies += r.latencies
        run.starts += r.starts
        run.errors += r.errors
        run.sent_twice += r.sent_twice
        run.unfinished += r.unfinished
        run.failure = run.failure or r.failure
    if run.failure:
        print(f"lỗi đầu tiên của cán bộ mô phỏng: {run.failure}", file=out)
    turns = 1 if db.is_sqlite else settings.turn_concurrency
    return _report(label, load, contest, run, counts, elapsed, out, turns)


def _report(label: str, load: Load, contest: Contest, run: Run, counts: dict, elapsed: float, out,
            turns: int) -> bool:
    expected = load.cadres * contest.questions_per_attempt
    ok = (counts["answers"] == expected == counts["answered_events"] == len(run.latencies)
          and counts["attempts"] == counts["finished"] == counts["finished_events"] == load.cadres
          and counts["score_sum"] == counts["correct"] and run.errors == 0 and run.unfinished == 0)
    lat = run.latencies
    print(f"\n== {label}: {load.cadres} cán bộ × {contest.questions_per_attempt} câu; bắt đầu rải trong "
          f"{load.ramp:g} giây; suy nghĩ ~{load.think:g} giây/câu; {load.processes} tiến trình, mỗi tiến trình "
          f"nhận tối đa {load.in_flight} lượt cùng lúc từ kênh và xử lý {turns} lượt cùng lúc "
          f"(TURN_CONCURRENCY); {run.sent_twice} câu bấm hai lần hoặc gửi lại ==", file=out)
    print(f"thời gian: {elapsed:.1f} s; thông lượng: {len(lat) / elapsed:.0f} câu trả lời/giây", file=out)
    print(f"độ trễ mỗi câu trả lời: p50 {_pct(lat, .50):.1f} ms, p95 {_pct(lat, .95):.1f} ms, "
          f"p99 {_pct(lat, .99):.1f} ms, tối đa {max(lat) * 1000 if lat else 0:.1f} ms; "
          f"trung bình {statistics.fmean(lat) * 1000 if lat else 0:.1f} ms", file=out)
    print(f"bắt đầu lượt thi: p50 {_pct(run.starts, .50):.1f} ms, p95 {_pct(run.starts, .95):.1f} ms", file=out)
    print(f"số dòng: {counts['answers']} câu trả lời (mong đợi {expected}), {counts['answered_events']} sự kiện "
          f"quiz_answered, {counts['attempts']} lượt thi / {counts['finished']} đã kết thúc / "
          f"{counts['finished_events']} sự kiện quiz_finished; tổng điểm {counts['score_sum']} = "
          f"{counts['correct']} câu đúng; {counts['late']} câu muộn; lỗi {run.errors}", file=out)
    print("KẾT LUẬN: " + ("không mất, không tính trùng câu trả lời nào" if ok else
                          f"SAI LỆCH SỐ LIỆU: {counts}, {len(lat)} câu đã gửi, {run.unfinished} chưa xong"), file=out)
    return ok


def run_cli(args, settings: Settings) -> int:
    if args.backend in ("both", "postgres") and not args.postgres_url:
        print("PostgreSQL: thêm --postgres-url postgresql+asyncpg://… (một cơ sở dữ liệu riêng để đo)",
              file=sys.stderr)
        if args.backend == "postgres":
            return 2
    load = Load(args.cadres, args.questions, args.think, args.duplicates, args.ramp, args.in_flight,
                args.processes)

    async def main() -> bool:
        ok = True
        if args.backend in ("both", "sqlite"):
            # SQLite has one writer: one bot process, as in the embedded default.
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
                ok &= await bench_backend("SQLite", url, settings, replace(load, processes=1))
        if args.backend in ("both", "postgres") and args.postgres_url:
            ok &= await bench_backend("PostgreSQL", args.postgres_url, settings, load)
        return ok

    return 0 if asyncio.run(main()) else 1
