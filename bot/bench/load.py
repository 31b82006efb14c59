"""`cchc-bot contest bench`: the bot under load, measured from outside.

The bot runs as it does in production — `cchc-bot run` processes (one or more) serving the
web chat API — and simulated people talk to it from a driver process of their own over
HTTP, so the figures are the bot's alone: latency as the person sees it, the bot
processes' CPU milliseconds per turn (from /proc), and database round trips per turn (the
bot counts them; /healthz reports them).

Two scenarios:
- **contest**: cadres (registered beforehand) start the contest's attempt at a random
  moment of the ramp-up and answer every question after a random think time; a share of
  the answers is sent twice, as a double tap (a new message id) or a replayed request (the
  same id), to prove it counts once. The rows are counted at the end: nothing lost, nothing
  counted twice.
- **questions**: citizens ask free-text questions (the evaluation sets' wordings) one
  after another, all at once."""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TextIO

import aiohttp
import yaml
from sqlalchemy import delete, func, insert, select

from bot.bench.machine import loop_seconds
from bot.config import ROOT, Settings
from bot.content.schema_quiz import Contest
from bot.db import migrate
from bot.db.events import EventKind
from bot.db.models import ConversationState, EngagementEvent, ProcessedUpdate, User
from bot.db.models_contest import ContestRegistration, QuizAnswer, QuizAttempt
from bot.db.session import Database
from bot.faq.served import AnsweringContent
from bot.kernel.clock import utcnow

CHANNEL = "web"
PREFIX = "bench-"  # the simulated people's web-chat session ids


@dataclass(frozen=True)
class Load:
    scenario: str  # "contest" or "questions"
    people: int
    questions: int  # per person
    think: float  # mean seconds between two messages of one person (0: at once)
    duplicates: float  # contest: share of answers sent twice
    ramp: float  # seconds over which people start
    processes: int  # bot processes serving (PostgreSQL only)


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)  # seconds per answer / reply
    starts: list[float] = field(default_factory=list)
    errors: int = 0
    sent_twice: int = 0
    unfinished: int = 0
    failure: str | None = None
    cpu: float = 0.0  # seconds of CPU the driver (the simulated people) used


# --- the bot processes --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Bots:
    """`cchc-bot run` processes on loopback, with nothing but the web chat (no scheduler,
    no content polling), started in a folder of their own (no `.env` read)."""

    def __init__(self, url: str, content_dir: Path, processes: int, workdir: Path) -> None:
        self.ports = [_free_port() for _ in range(processes)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
        env.update(DATABASE_URL=url, CONTENT_DIR=str(content_dir), SCHEDULER_EMBEDDED="false",
                   CONTENT_POLL_SECONDS="0", PSEUDONYM_SALT="bench", LOG_LEVEL="WARNING",
                   PYTHONPATH=str(ROOT))
        self.procs = [subprocess.Popen([sys.executable, "-m", "bot", "run", "--port", str(port)], cwd=workdir,
                                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                      for port in self.ports]

    async def ready(self, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as http:
            for port, proc in zip(self.ports, self.procs, strict=True):
                while True:
                    if proc.poll() is not None:
                        assert proc.stderr is not None  # piped
                        raise RuntimeError(f"bot process exited: {proc.stderr.read().decode()[-2000:]}")
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                            if r.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError("bot process did not start")
                    await asyncio.sleep(0.2)

    async def load(self) -> tuple[int, int]:
        """Turns handled and database round trips, all processes together."""
        turns = trips = 0
        async with aiohttp.ClientSession() as http:
            for port in self.ports:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                    body = await r.json()
                turns += body["load"]["turns"]
                trips += body["load"]["database_round_trips"]
        return turns, trips

    def cpu_seconds(self) -> float:
        """User + system CPU of the bot processes (Linux /proc; 0 elsewhere)."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for proc in self.procs:
            try:
                fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return 0.0
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


# --- the simulated people (in the driver process) ---------------------------------


def _quiz(replies: list[dict]) -> dict | None:
    return next((r["quiz"] for r in replies if r.get("quiz")), None)


def _finished(replies: list[dict]) -> bool:
    return any("Kết thúc lượt thi" in r["text"] for r in replies)


class Person:
    def __init__(self, http: aiohttp.ClientSession, port: int, session: str) -> None:
        self.http, self.url, self.session, self.serial = http, f"http://127.0.0.1:{port}/api/chat", session, 0

    def next_id(self) -> str:
        self.serial += 1
        return f"m{self.serial}"

    async def send(self, message_id: str, *, payload: str | None = None, text: str | None = None) -> list[dict]:
        body = {"session": self.session, "id": message_id, "payload": payload, "text": text}
        async with self.http.post(self.url, json={k: v for k, v in body.items() if v is not None}) as r:
            if r.status != 200:
                raise RuntimeError(f"HTTP {r.status}")
            replies: list[dict] = (await r.json())["replies"]
            return replies


async def _cadre(person: Person, contest_id: str, load: Load, rng: random.Random, run: Run) -> None:
    await asyncio.sleep(rng.uniform(0, load.ramp))
    began = time.perf_counter()
    replies = await person.send(person.next_id(), payload=f"ctgo:{contest_id}")
    run.starts.append(time.perf_counter() - began)
    quiz = _quiz(replies)
    while quiz is not None:
        await asyncio.sleep(rng.uniform(0.5, 1.5) * load.think if load.think else 0)
        payload, message_id = rng.choice(quiz["payloads"]), person.next_id()
        began = time.perf_counter()
        if rng.random() < load.duplicates:
            run.sent_twice += 1
            again = message_id if rng.random() < 0.5 else person.next_id()  # a replay, or a double tap
            first, second = await asyncio.gather(person.send(message_id, payload=payload),
                                                 person.send(again, payload=payload))
            replies = next((r for r in (first, second) if _quiz(r) or _finished(r)), first)
        else:
            replies = await person.send(message_id, payload=payload)
        run.latencies.append(time.perf_counter() - began)
        next_quiz = _quiz(replies)
        if next_quiz is not None and next_quiz["payloads"] == quiz["payloads"]:
            run.errors += 1  # the same question again: the answer was not taken
        quiz = next_quiz
    if not _finished(replies):
        run.unfinished += 1


async def _citizen(person: Person, questions: list[str], load: Load, rng: random.Random, run: Run) -> None:
    await asyncio.sleep(rng.uniform(0, load.ramp))
    for _ in range(load.questions):
        text = rng.choice(questions)
        began = time.perf_counter()
        replies = await person.send(person.next_id(), text=text)
        run.latencies.append(time.perf_counter() - began)
        if not replies:
            run.errors += 1
        await asyncio.sleep(rng.uniform(0.5, 1.5) * load.think if load.think else 0)


async def _drive(ports: list[int], load: Load, contest_id: str, questions: list[str], seed: int) -> Run:
    run, rng = Run(), random.Random(seed)
    limits = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=limits, timeout=aiohttp.ClientTimeout(total=120)) as http:
        people = [Person(http, ports[n % len(ports)], f"{PREFIX}{n:06d}") for n in range(load.people)]
        if load.scenario == "contest":
            work = [_cadre(p, contest_id, load, random.Random(rng.random()), run) for p in people]
        else:
            work = [_citizen(p, questions, load, random.Random(rng.random()), run) for p in people]
        outcomes = await asyncio.gather(*work, return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    run.errors += len(failures)
    run.failure = repr(failures[0]) if failures else None
    return run


def _driver_main(ports: list[int], load: Load, contest_id: str, questions: list[str], seed: int) -> Run:
    began = time.process_time()
    run = asyncio.run(_drive(ports, load, contest_id, questions, seed))
    run.cpu = time.process_time() - began
    return run


def postgres_cpu_seconds() -> float:
    """User + system CPU of this machine's PostgreSQL server processes (Linux /proc; 0
    where there are none): what the database spends, when it runs on the same machine."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(") ", 1)
        except OSError:
            continue
        if name.endswith("(postgres"):
            fields = rest.split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


# --- setting up and counting ------------------------------------------------------


def _contest(store: AnsweringContent, questions: int) -> Contest:
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


async def _register(db: Database, contest: Contest, cadres: int, unit_ids: list[str]) -> None:
    now = utcnow()
    names = [f"{PREFIX}{n:06d}" for n in range(cadres)]
    async with db.session() as s:
        await s.execute(insert(User), [
            {"channel": CHANNEL, "channel_user_id": name, "role": "cadre", "unit_id": unit_ids[n % len(unit_ids)],
             "created_at": now, "last_seen_at": now} for n, name in enumerate(names)])
        ids = dict((await s.execute(select(User.channel_user_id, User.id).where(
            User.channel == CHANNEL, User.channel_user_id.startswith(PREFIX)))).tuples().all())
        # They registered through the chat, so each already has a conversation state.
        await s.execute(insert(ConversationState), [
            {"user_id": user_id, "step": None, "data": {}, "options": [], "updated_at": now}
            for user_id in ids.values()])
        await s.execute(insert(ContestRegistration), [
            {"contest_id": contest.id, "user_id": ids[name], "full_name": f"Cán Bộ Thử {n}",
             "unit_id": unit_ids[n % len(unit_ids)], "position": "Chuyên viên", "registered_at": now,
             "updated_at": now} for n, name in enumerate(names)])
        await s.commit()


async def _cleanup(db: Database) -> None:
    """Remove every row the benchmark made (its users cascade to their registrations,
    attempts and answers; the events and update keys of the web chat go too: use a
    database of the benchmark's own)."""
    async with db.session() as s:
        await s.execute(delete(User).where(User.channel == CHANNEL, User.channel_user_id.startswith(PREFIX)))
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
            .group_by(EngagementEvent.kind))).tuples().all())
    return {"attempts": attempts, "finished": finished, "score_sum": scored, "answers": answers,
            "correct": correct, "late": late, "answered_events": events.get(EventKind.QUIZ_ANSWERED, 0),
            "finished_events": events.get(EventKind.QUIZ_FINISHED, 0)}


def _questions() -> list[str]:
    data = yaml.safe_load((ROOT / "tests" / "data" / "faq_eval.yaml").read_text(encoding="utf-8"))
    return [q["q"] for q in data["queries"] if q.get("expect")]


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000 if ordered else 0.0


async def bench_backend(label: str, url: str, settings: Settings, load: Load, out: TextIO = sys.stdout) -> bool:
    await asyncio.to_thread(migrate.upgrade, url)
    store = AnsweringContent(settings.content_dir)
    contest = _contest(store, load.questions)
    db = Database(url)
    with tempfile.TemporaryDirectory() as tmp:
        content_dir = _bench_pack(settings.content_dir, Path(tmp) / "content", contest)
        bots: Bots | None = None
        try:
            await _cleanup(db)
            if load.scenario == "contest":
                await _register(db, contest, load.people, [u.id for u in store.pack.units])
            bots = Bots(url, content_dir, load.processes, Path(tmp))
            await bots.ready()
            turns0, trips0 = await bots.load()
            cpu0, pg0 = bots.cpu_seconds(), postgres_cpu_seconds()
            began = time.perf_counter()
            spawn = multiprocessing.get_context("spawn")
            with spawn.Pool(1) as pool:  # the people run in a process of their own
                run = await asyncio.to_thread(pool.apply, _driver_main,
                                              (bots.ports, load, contest.id, _questions(), 20261204))
            elapsed = time.perf_counter() - began
            cpu, pg_cpu = bots.cpu_seconds() - cpu0, postgres_cpu_seconds() - pg0
            turns1, trips1 = await bots.load()
            counts = await _counts(db, contest)
        finally:
            if bots is not None:
                bots.stop()
            await _cleanup(db)
            await db.dispose()
    turns = max(1, turns1 - turns0)
    return _report(label, load, contest, run, counts, elapsed, turns, (cpu, pg_cpu), trips1 - trips0, out)


def _report(label: str, load: Load, contest: Contest, run: Run, counts: dict, elapsed: float, turns: int,
            cpus: tuple[float, float], trips: int, out: TextIO) -> bool:
    lat = run.latencies
    what = "câu trả lời" if load.scenario == "contest" else "câu hỏi"
    if load.scenario == "contest":
        head = (f"{load.people} cán bộ × {contest.questions_per_attempt} câu; {run.sent_twice} câu bấm hai lần "
                f"hoặc gửi lại")
    else:
        head = f"{load.people} người dân × {load.questions} câu hỏi gõ tự do"
    print(f"\n== {label}: {head}; bắt đầu rải trong {load.ramp:g} giây; suy nghĩ ~{load.think:g} giây; "
          f"{load.processes} tiến trình trợ lý; người dùng mô phỏng chạy ở tiến trình riêng, qua API khung chat ==",
          file=out)
    print(f"thời gian: {elapsed:.1f} s; thông lượng: {len(lat) / elapsed:.0f} {what}/giây", file=out)
    print(f"độ trễ mỗi {what}: p50 {_ms(lat, .50):.1f} ms, p95 {_ms(lat, .95):.1f} ms, p99 {_ms(lat, .99):.1f} ms, "
          f"tối đa {max(lat) * 1000 if lat else 0:.1f} ms; "
          f"trung bình {statistics.fmean(lat) * 1000 if lat else 0:.1f} ms", file=out)
    bot_cpu, pg_cpu = cpus
    print(f"mỗi lượt xử lý ({turns} lượt): CPU của tiến trình trợ lý {bot_cpu * 1000 / turns:.2f} ms, "
          f"{trips / turns:.2f} lượt đi-về cơ sở dữ liệu; cũng trên máy này: PostgreSQL "
          f"{pg_cpu * 1000 / turns:.2f} ms, người dùng mô phỏng {run.cpu * 1000 / turns:.2f} ms CPU", file=out)
    print(f"tốc độ máy ngay sau lần đo: vòng lặp Python 10.000.000 phép cộng mất {loop_seconds():.2f} s "
          "(để so số liệu giữa các máy và các lần đo)", file=out)
    if run.failure:
        print(f"lỗi đầu tiên của người dùng mô phỏng: {run.failure}", file=out)
    if load.scenario != "contest":
        print(f"lỗi {run.errors}", file=out)
        return run.errors == 0
    expected = load.people * contest.questions_per_attempt
    ok = (counts["answers"] == expected == counts["answered_events"] == len(lat)
          and counts["attempts"] == counts["finished"] == counts["finished_events"] == load.people
          and counts["score_sum"] == counts["correct"] and run.errors == 0 and run.unfinished == 0)
    print(f"bắt đầu lượt thi: p50 {_ms(run.starts, .50):.1f} ms, p95 {_ms(run.starts, .95):.1f} ms", file=out)
    print(f"số dòng: {counts['answers']} câu trả lời (mong đợi {expected}), {counts['answered_events']} sự kiện "
          f"quiz_answered, {counts['attempts']} lượt thi / {counts['finished']} đã kết thúc / "
          f"{counts['finished_events']} sự kiện quiz_finished; tổng điểm {counts['score_sum']} = "
          f"{counts['correct']} câu đúng; {counts['late']} câu muộn; lỗi {run.errors}", file=out)
    print("KẾT LUẬN: " + ("không mất, không tính trùng câu trả lời nào" if ok else
                          f"SAI LỆCH SỐ LIỆU: {counts}, {len(lat)} câu đã gửi, {run.unfinished} chưa xong"), file=out)
    return ok


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    if args.backend in ("both", "postgres") and not args.postgres_url:
        print("PostgreSQL: thêm --postgres-url postgresql+asyncpg://… (một cơ sở dữ liệu riêng để đo)",
              file=sys.stderr)
        if args.backend == "postgres":
            return 2
    load = Load(args.scenario, args.cadres if args.scenario == "contest" else args.citizens, args.questions,
                args.think, args.duplicates, args.ramp, args.processes)

    async def main() -> bool:
        ok = True
        if args.backend in ("both", "sqlite"):
            # SQLite has one writer: one bot process, as in the embedded default.
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
                ok &= await bench_backend("SQLite", url, settings, Load(**{**load.__dict__, "processes": 1}))
        if args.backend in ("both", "postgres") and args.postgres_url:
            ok &= await bench_backend("PostgreSQL", args.postgres_url, settings, load)
        return ok

    return 0 if asyncio.run(main()) else 1
