"""Quiz attempts with server-decided timing.

The clock for a question starts when the server first shows it (`shown_at`) and never
restarts: re-showing it after a restart shows the time left. An answer is on time when
it reaches the server within the limit plus a small grace for delivery; a later answer
is recorded as late and scored wrong; a question left unanswered past its deadline is
recorded as a timeout when the cadre comes back or the attempt expires.

Exactly once: every answer is an INSERT … ON CONFLICT DO NOTHING on the unique
(attempt, position) pair; a second insert for the same question (double tap, replayed
callback, a second bot process) inserts nothing and is reported as a duplicate."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.content.schema_quiz import BankQuestion, QuestionBank
from bot.db import prepared
from bot.db.models_contest import QuizAnswer, QuizAttempt, QuizAttemptQuestion
from bot.db.once import insert_once
from bot.db.results import rowcount

CONTEST, PRACTICE = "contest", "practice"
POSITIONS = 2**31 - 1  # question positions are 32-bit: a position and the next one fit below this


@dataclass(frozen=True)
class Draw:
    """What an attempt is made of; copied into the attempt when it starts."""

    mode: str
    contest_id: str  # the bank id in practice
    bank: QuestionBank
    count: int
    seconds: int
    grace: int
    shuffle_questions: bool
    shuffle_options: bool


@dataclass(frozen=True)
class Shown:
    """The question to show now, and how long is left for it."""

    attempt: QuizAttempt
    position: int
    question: BankQuestion
    option_order: list[int]  # original option numbers, in display order
    seconds_left: int
    deadline: datetime  # the limit the cadre is told (grace not included)

    @property
    def options(self) -> list[str]:
        return [self.question.options[n - 1] for n in self.option_order]


AnswerStatus = Literal["recorded", "duplicate", "finished", "not_shown"]


@dataclass(frozen=True)
class AnswerResult:
    status: AnswerStatus
    outcome: str | None = None  # correct | wrong | late, when recorded
    question: BankQuestion | None = None
    chosen: int | None = None  # original option number
    elapsed_ms: int | None = None


def limit_ms(attempt: QuizAttempt) -> int:
    return attempt.seconds_per_question * 1000


def _deadline(attempt: QuizAttempt, shown_at: datetime) -> datetime:
    """The last moment an answer counts as on time (grace included)."""
    return shown_at + timedelta(seconds=attempt.seconds_per_question + attempt.grace_seconds)


async def active(session: AsyncSession, mode: str, contest_id: str, user_id: int) -> QuizAttempt | None:
    query = (
        select(QuizAttempt)
        .where(QuizAttempt.mode == mode, QuizAttempt.contest_id == contest_id,
               QuizAttempt.user_id == user_id, QuizAttempt.finished_at.is_(None))
        .order_by(QuizAttempt.number.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def attempts_used(session: AsyncSession, mode: str, contest_id: str, user_id: int) -> int:
    query = select(func.coalesce(func.max(QuizAttempt.number), 0)).where(
        QuizAttempt.mode == mode, QuizAttempt.contest_id == contest_id, QuizAttempt.user_id == user_id)
    return (await session.execute(query)).scalar_one()


def _draw_questions(draw: Draw, rng: random.Random) -> list[tuple[str, list[int]]]:
    pool = list(draw.bank.questions)
    chosen = rng.sample(pool, draw.count) if draw.shuffle_questions else pool[: draw.count]
    out = []
    for q in chosen:
        order = list(range(1, len(q.options) + 1))
        if draw.shuffle_options and not q.fixed_order:
            rng.shuffle(order)
        out.append((q.id, order))
    return out


async def start(session: AsyncSession, draw: Draw, *, user_id: int, registration_id: int | None,
                number: int, now: datetime, rng: random.Random | None = None) -> QuizAttempt | None:
    """Create attempt `number` with its draw; None when that number already exists (a
    double tap on "start" creates one attempt, whichever process gets there first)."""
    count = min(draw.count, len(draw.bank.questions))
    draw = replace(draw, count=count)
    slot = timedelta(seconds=draw.seconds + draw.grace)
    attempt = QuizAttempt(
        mode=draw.mode, contest_id=draw.contest_id, user_id=user_id, registration_id=registration_id,
        number=number, question_count=count, seconds_per_question=draw.seconds,
        grace_seconds=draw.grace, started_at=now, expires_at=now + slot * count,
    )
    try:
        async with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        return None
    # The first question is shown in this same turn: it is stamped here, in the insert.
    items = [
        QuizAttemptQuestion(attempt_id=attempt.id, position=i, question_id=qid, option_order=order,
                            shown_at=now if i == 0 else None)
        for i, (qid, order) in enumerate(_draw_questions(draw, rng or random.Random()))
    ]
    session.add_all(items)
    await session.flush()  # now in the identity map, which holds them weakly: keep them
    session.info["quiz_items"] = items
    return attempt


async def answered_count(session: AsyncSession, attempt_id: int) -> int:
    query = select(func.count()).select_from(QuizAnswer).where(QuizAnswer.attempt_id == attempt_id)
    return (await session.execute(query)).scalar_one()


async def _record(session: AsyncSession, attempt: QuizAttempt, position: int, question_id: str, *,
                  chosen: int | None, outcome: str, elapsed_ms: int, now: datetime) -> bool:
    """Insert the one answer for a position; False when it was already there."""
    return await insert_once(
        session, QuizAnswer, ["attempt_id", "position"],
        attempt_id=attempt.id, position=position, question_id=question_id, chosen=chosen,
        outcome=outcome, is_correct=outcome == "correct", answered_at=now,
        elapsed_ms=min(max(elapsed_ms, 0), limit_ms(attempt)),
    )


async def _item(session: AsyncSession, attempt_id: int, position: int) -> QuizAttemptQuestion | None:
    held = prepared.held(session, QuizAttemptQuestion, (attempt_id, position))  # no greenlet switch
    return held if held is not None else await session.get(QuizAttemptQuestion, (attempt_id, position))


async def current(session: AsyncSession, attempt: QuizAttempt, bank: QuestionBank, now: datetime,
                  position: int | None = None) -> tuple[Shown | None, list[int]]:
    """The question to show now, marking it shown the first time, and the positions
    whose deadline passed unanswered (recorded as timeouts on the way). The question is
    None when the attempt has nothing left to show (the caller then finishes it).
    `position`, when the caller knows it, is the first unanswered one.

    Turns of one person never run at once (their conversation row is locked on
    PostgreSQL, turns are queued on SQLite), so `shown_at` is set once."""
    timed_out: list[int] = []
    if attempt.finished_at is not None:
        return None, timed_out
    if position is None:
        position = await answered_count(session, attempt.id)
    while position < attempt.question_count:
        item = await _item(session, attempt.id, position)
        assert item is not None  # start() drew question_count questions
        if item.shown_at is None:
            if now >= attempt.expires_at:
                break
            item.shown_at = now
        question = bank.question(item.question_id)
        if now <= _deadline(attempt, item.shown_at) and question is not None:
            limit_at = item.shown_at + timedelta(seconds=attempt.seconds_per_question)
            left = max(0, math.ceil((limit_at - now).total_seconds()))
            return Shown(attempt, position, question, list(item.option_order), left, limit_at), timed_out
        # Run out unanswered (or removed from the bank mid-contest): scored wrong.
        if await _record(session, attempt, position, item.question_id, chosen=None, outcome="timeout",
                         elapsed_ms=limit_ms(attempt), now=now):
            timed_out.append(position)
        position += 1
    return None, timed_out


# The attempt with the question being answered and the next one; built once.
_FOR_ANSWER = (
    select(QuizAttempt, QuizAttemptQuestion)
    .outerjoin(QuizAttemptQuestion, and_(
        QuizAttemptQuestion.attempt_id == QuizAttempt.id,
        QuizAttemptQuestion.position.in_([bindparam("position"), bindparam("next")])))
    .where(QuizAttempt.id == bindparam("attempt_id"))
)
# The same on PostgreSQL, sent by asyncpg itself (bot.db.prepared).
_ITEM = ("position", "question_id", "option_order", "shown_at")
_FOR_ANSWER_PG = f"""SELECT {prepared.columns(QuizAttempt, "a")}, {", ".join(f"q.{c} AS q_{c}" for c in _ITEM)}
FROM quiz_attempts a LEFT JOIN quiz_attempt_questions q ON q.attempt_id = a.id AND q.position IN ($2, $3)
WHERE a.id = $1"""


async def for_answer(session: AsyncSession, attempt_id: int, position: int) -> QuizAttempt | None:
    """The attempt with the question being answered and the next one (shown right after),
    in one query. The session's identity map holds objects weakly: keep them for the turn."""
    if session.get_bind().dialect.name == "postgresql":
        rows = await prepared.fetch(session, _FOR_ANSWER_PG, attempt_id, position, position + 1)
        if not rows:
            return None
        attempt = prepared.as_loaded(session, QuizAttempt, rows[0])
        items = [{"attempt_id": attempt_id, **{c: r[f"q_{c}"] for c in _ITEM}} for r in rows]
        session.info["quiz_items"] = [prepared.as_loaded(session, QuizAttemptQuestion, item)
                                      for item in items if item["position"] is not None]
        return attempt
    found = (await session.execute(
        _FOR_ANSWER, {"attempt_id": attempt_id, "position": position, "next": position + 1})).all()
    if not found:
        return None
    session.info["quiz_items"] = [item for _, item in found if item is not None]
    return found[0][0]  # type: ignore[no-any-return]


async def answer(session: AsyncSession, attempt: QuizAttempt, position: int, shown_choice: int,
                 bank: QuestionBank, now: datetime) -> AnswerResult:
    """Take the answer `shown_choice` (1-based, as displayed) to question `position`, and
    start the next question's clock (it is shown in the same reply). Load the attempt with
    `for_answer` first, so both questions are at hand."""
    if attempt.finished_at is not None:
        return AnswerResult("finished")
    item = await _item(session, attempt.id, position)
    if item is None or item.shown_at is None or not 1 <= shown_choice <= len(item.option_order):
        return AnswerResult("not_shown")
    question = bank.question(item.question_id)
    chosen = item.option_order[shown_choice - 1]
    elapsed_ms = int((now - item.shown_at).total_seconds() * 1000)
    if now > _deadline(attempt, item.shown_at):
        outcome = "late"
    else:
        outcome = "correct" if question is not None and chosen == question.correct else "wrong"
    following = await _item(session, attempt.id, position + 1) if position + 1 < attempt.question_count else None
    # As `current` decides: a question not shown yet is shown only before the attempt expires.
    show_next = following if following is not None and following.shown_at is None and now < attempt.expires_at else None
    if not await _record_and_show(session, attempt, position, item.question_id, chosen, outcome, elapsed_ms,
                                  now, show_next):
        return AnswerResult("duplicate", question=question)
    return AnswerResult("recorded", outcome, question, chosen, elapsed_ms)


# PostgreSQL: the answer and the next question's clock in one statement, the clock started
# only if the answer was the first for its question (a double tap starts nothing). Sent by
# asyncpg itself: the busiest path (bot.db.prepared).
_RECORD_AND_SHOW = """WITH answer AS (
    INSERT INTO quiz_answers (attempt_id, position, question_id, chosen, outcome, is_correct,
                              answered_at, elapsed_ms)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (attempt_id, position) DO NOTHING
    RETURNING position
), shown AS (
    UPDATE quiz_attempt_questions SET shown_at = $7
    WHERE attempt_id = $1 AND position = $9 AND shown_at IS NULL
      AND EXISTS (SELECT 1 FROM answer)
    RETURNING position
)
SELECT (SELECT count(*) FROM answer) AS recorded, (SELECT count(*) FROM shown) AS shown"""


async def _record_and_show(session: AsyncSession, attempt: QuizAttempt, position: int, question_id: str,
                           chosen: int, outcome: str, elapsed_ms: int, now: datetime,
                           following: QuizAttemptQuestion | None) -> bool:
    """Record the answer; when it is the first for its question, mark `following` shown now.
    False for a duplicate answer."""
    if session.get_bind().dialect.name != "postgresql":
        recorded = await _record(session, attempt, position, question_id, chosen=chosen, outcome=outcome,
                                 elapsed_ms=elapsed_ms, now=now)
        if recorded and following is not None:
            following.shown_at = now
        return recorded
    row = await prepared.fetchrow(
        session, _RECORD_AND_SHOW, attempt.id, position, question_id, chosen, outcome, outcome == "correct",
        now, min(max(elapsed_ms, 0), limit_ms(attempt)), following.position if following is not None else -1)
    assert row is not None  # the SELECT returns one row
    if row["shown"]:
        set_committed_value(following, "shown_at", now)  # written already: not flushed again
    return bool(row["recorded"])


async def finish(session: AsyncSession, attempt: QuizAttempt, now: datetime) -> bool:
    """Score a finished attempt: correct answers, and total time for breaking ties.
    True when this call finished it (so its "finished" event is logged once): standings
    may close an abandoned attempt from another person's turn at the same moment."""
    score, total, answered = (await session.execute(
        select(func.count().filter(QuizAnswer.is_correct), func.coalesce(func.sum(QuizAnswer.elapsed_ms), 0),
               func.count())
        .where(QuizAnswer.attempt_id == attempt.id)
    )).one()
    # Unanswered questions (an expired attempt) count the full limit each.
    total += max(attempt.question_count - answered, 0) * limit_ms(attempt)
    result = await session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.finished_at.is_(None))
        .values(finished_at=now, score=score, total_ms=total)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        await session.refresh(attempt)
        return False
    for name, value in (("finished_at", now), ("score", score), ("total_ms", total)):
        set_committed_value(attempt, name, value)
    return True


def expired(attempt: QuizAttempt, now: datetime) -> bool:
    """Past the point where it could still be going: no new question may be shown and
    the last one shown has run out."""
    slot = timedelta(seconds=attempt.seconds_per_question + attempt.grace_seconds)
    return attempt.finished_at is None and now > attempt.expires_at + slot


async def close_expired(session: AsyncSession, now: datetime, *, mode: str = CONTEST,
                        contest_id: str | None = None) -> list[QuizAttempt]:
    """Finish attempts abandoned halfway, so standings and exports count them. Their
    unanswered questions score nothing and count the full time."""
    query = select(QuizAttempt).where(QuizAttempt.mode == mode, QuizAttempt.finished_at.is_(None),
                                      QuizAttempt.expires_at < now)
    if contest_id is not None:
        query = query.where(QuizAttempt.contest_id == contest_id)
    finished = []
    for attempt in (await session.execute(query)).scalars().all():
        if expired(attempt, now) and await finish(session, attempt, now):
            finished.append(attempt)
    return finished


async def review(session: AsyncSession, attempt: QuizAttempt) -> list[tuple[QuizAttemptQuestion, QuizAnswer | None]]:
    """Every drawn question of an attempt with its answer (None: never answered)."""
    items = (await session.execute(
        select(QuizAttemptQuestion).where(QuizAttemptQuestion.attempt_id == attempt.id)
        .order_by(QuizAttemptQuestion.position)
    )).scalars().all()
    answers = {a.position: a for a in (await session.execute(
        select(QuizAnswer).where(QuizAnswer.attempt_id == attempt.id))).scalars()}
    return [(item, answers.get(item.position)) for item in items]
