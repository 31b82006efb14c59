"""Recount a contest after its bank was corrected.

Answers keep the option the cadre chose (its number as written in the bank), so when a
wrong `correct` is found mid-contest, fixing the bank and recounting sets every on-time
answer right or wrong again and recomputes the scores. Late answers and timeouts stay
wrong. Options must not have been reordered in the bank, only `correct` changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.schema_quiz import Contest, QuestionBank
from bot.contest.attempts import CONTEST
from bot.db.models_contest import QuizAnswer, QuizAttempt


@dataclass
class Recount:
    answers_changed: int = 0
    attempts_changed: int = 0
    missing_questions: set[str] = field(default_factory=set)  # no longer in the bank: left as they were


async def rescore(session: AsyncSession, contest: Contest, bank: QuestionBank) -> Recount:
    out = Recount()
    of_contest = select(QuizAttempt.id).where(QuizAttempt.mode == CONTEST, QuizAttempt.contest_id == contest.id)
    answers = (await session.execute(
        select(QuizAnswer).where(QuizAnswer.attempt_id.in_(of_contest),
                                 QuizAnswer.outcome.in_(["correct", "wrong"])))).scalars().all()
    for answer in answers:
        question = bank.question(answer.question_id)
        if question is None:
            out.missing_questions.add(answer.question_id)
            continue
        right = answer.chosen == question.correct
        if right != answer.is_correct:
            answer.is_correct, answer.outcome = right, "correct" if right else "wrong"
            out.answers_changed += 1
    await session.flush()
    scores = dict((await session.execute(
        select(QuizAnswer.attempt_id, func.count().filter(QuizAnswer.is_correct))
        .where(QuizAnswer.attempt_id.in_(of_contest)).group_by(QuizAnswer.attempt_id))).tuples().all())
    finished = (await session.execute(
        select(QuizAttempt.id, QuizAttempt.score).where(QuizAttempt.id.in_(of_contest),
                                                        QuizAttempt.finished_at.is_not(None)))).all()
    for attempt_id, score in finished:
        new = scores.get(attempt_id, 0)
        if new != score:
            await session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt_id).values(score=new))
            out.attempts_changed += 1
    return out
