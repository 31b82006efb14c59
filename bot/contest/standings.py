"""Scores and standings, computed in SQL.

A person's result is one finished attempt: their best (most correct answers, then least
time) or their last, as the contest says. People are ranked by correct answers, ties
broken by total time; equal on both, equal rank. Units are compared by the average
score of their participants, then by participation rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.schema import Unit
from bot.content.schema_quiz import Contest
from bot.contest.attempts import CONTEST
from bot.db.models_contest import ContestRegistration, QuizAnswer, QuizAttempt


@dataclass(frozen=True)
class Standing:
    rank: int
    registration_id: int
    user_id: int
    full_name: str | None
    unit_id: str
    position: str | None
    score: int
    total_ms: int
    attempts: int
    attempt_id: int


@dataclass(frozen=True)
class UnitStanding:
    unit: Unit
    registered: int
    participants: int
    average: float | None
    best: int | None

    @property
    def participation(self) -> float | None:
        return self.participants / self.registered if self.registered else None


@dataclass(frozen=True)
class Figures:
    registered: int
    participants: int  # people with a finished attempt
    in_progress: int
    finished_attempts: int
    answers_recent: int  # in the last 10 minutes
    average: float | None
    best: int | None


def _ranked(contest: Contest) -> Select:
    """One row per person with a finished attempt: the counted attempt and its rank."""
    a = QuizAttempt
    order: list[ColumnElement[Any]] = ([a.score.desc(), a.total_ms.asc(), a.number.asc()] if contest.counts == "best"
             else [a.number.desc()])
    finished = (
        select(
            a.id.label("attempt_id"), a.registration_id, a.user_id, a.score, a.total_ms,
            func.row_number().over(partition_by=a.registration_id, order_by=order).label("pick"),
            func.count().over(partition_by=a.registration_id).label("attempts"),
        )
        .where(a.mode == CONTEST, a.contest_id == contest.id, a.finished_at.is_not(None),
               a.registration_id.is_not(None))
        .subquery("finished")
    )
    r = ContestRegistration
    return (
        select(
            func.rank().over(order_by=[finished.c.score.desc(), finished.c.total_ms.asc()]).label("rank"),
            finished.c.registration_id, finished.c.user_id, r.full_name, r.unit_id, r.position,
            finished.c.score, finished.c.total_ms, finished.c.attempts, finished.c.attempt_id,
        )
        .join(r, r.id == finished.c.registration_id)
        .where(finished.c.pick == 1)
    )


def _standing(row: Row[Any]) -> Standing:
    return Standing(**row._mapping)


async def leaderboard(session: AsyncSession, contest: Contest, limit: int | None = None) -> list[Standing]:
    ranked = _ranked(contest).subquery("ranked")
    query = select(ranked).order_by(ranked.c.rank, ranked.c.registration_id)
    if limit is not None:
        query = query.limit(limit)
    return [_standing(row) for row in await session.execute(query)]


async def standing_of(session: AsyncSession, contest: Contest, registration_id: int) -> tuple[Standing, int] | None:
    """A person's standing and how many people are ranked, or None before any result."""
    if contest.counts == "last":
        ranked = _ranked(contest).subquery("ranked")
        row = (await session.execute(select(ranked).where(ranked.c.registration_id == registration_id))).first()
        if row is None:
            return None
        total = (await session.execute(select(func.count()).select_from(ranked))).scalar_one()
        return _standing(row), total
    return await _best_standing_of(session, contest, registration_id)


async def _best_standing_of(session: AsyncSession, contest: Contest,
                            registration_id: int) -> tuple[Standing, int] | None:
    """When the best attempt counts, someone is ahead exactly when one of their finished
    attempts beats this person's best: counting those people needs no ranking of everyone,
    which matters when many cadres finish at once and each is shown their rank."""
    a = QuizAttempt
    finished = (a.mode == CONTEST, a.contest_id == contest.id, a.finished_at.is_not(None),
                a.registration_id.is_not(None))
    r = ContestRegistration
    mine = (await session.execute(
        select(a.id, a.user_id, a.score, a.total_ms, r.full_name, r.unit_id, r.position)
        .join(r, r.id == a.registration_id)
        .where(*finished, a.registration_id == registration_id)
        .order_by(a.score.desc(), a.total_ms.asc(), a.number.asc()).limit(1))).first()
    if mine is None:
        return None
    ahead, total, attempts = (await session.execute(select(
        func.count(func.distinct(a.registration_id)).filter(
            a.registration_id != registration_id,
            or_(a.score > mine.score, and_(a.score == mine.score, a.total_ms < mine.total_ms))),
        func.count(func.distinct(a.registration_id)),
        func.count().filter(a.registration_id == registration_id),
    ).where(*finished))).one()
    standing = Standing(rank=ahead + 1, registration_id=registration_id, user_id=mine.user_id,
                        full_name=mine.full_name, unit_id=mine.unit_id, position=mine.position,
                        score=mine.score, total_ms=mine.total_ms, attempts=attempts, attempt_id=mine.id)
    return standing, total


async def unit_standings(session: AsyncSession, contest: Contest, units: list[Unit]) -> list[UnitStanding]:
    """Every unit taking part (or with registrations), best first."""
    r = ContestRegistration
    registered = dict((await session.execute(
        select(r.unit_id, func.count()).where(r.contest_id == contest.id).group_by(r.unit_id))).tuples().all())
    ranked = _ranked(contest).subquery("ranked")
    results = {row.unit_id: row for row in await session.execute(
        select(ranked.c.unit_id, func.count().label("participants"), func.avg(ranked.c.score).label("average"),
               func.max(ranked.c.score).label("best")).group_by(ranked.c.unit_id))}
    out = []
    for unit in units:
        if not contest.takes_part(unit.id) and unit.id not in registered:
            continue
        row = results.get(unit.id)
        out.append(UnitStanding(unit, registered.get(unit.id, 0), row.participants if row else 0,
                                float(row.average) if row else None, row.best if row else None))

    def key(u: UnitStanding) -> tuple[float, float, str]:
        return (-(u.average if u.average is not None else -1), -(u.participation or 0), u.unit.name)

    return sorted(out, key=key)


async def figures(session: AsyncSession, contest: Contest, now: datetime) -> Figures:
    a, r = QuizAttempt, ContestRegistration
    registered = (await session.execute(
        select(func.count()).select_from(r).where(r.contest_id == contest.id))).scalar_one()
    of_contest = (a.mode == CONTEST, a.contest_id == contest.id)
    participants, in_progress, finished_attempts = (await session.execute(
        select(func.count(func.distinct(a.registration_id)).filter(a.finished_at.is_not(None)),
               func.count().filter(a.finished_at.is_(None), a.expires_at > now),
               func.count().filter(a.finished_at.is_not(None)))
        .where(*of_contest))).one()
    answers_recent = (await session.execute(
        select(func.count()).select_from(QuizAnswer).join(a, a.id == QuizAnswer.attempt_id)
        .where(*of_contest, QuizAnswer.answered_at >= now - timedelta(minutes=10)))).scalar_one()
    ranked = _ranked(contest).subquery("ranked")
    average, best = (await session.execute(select(func.avg(ranked.c.score), func.max(ranked.c.score)))).one()
    return Figures(registered, participants, in_progress, finished_attempts, answers_recent,
                   float(average) if average is not None else None, best)
