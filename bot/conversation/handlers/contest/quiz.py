"""Taking the quiz: start or resume an attempt, one question at a time, answers by
button or by typing the option's number, results with explanations and rank.

Questions go out as `Reply.quiz`; each channel shows the numbered options (buttons
where it has them, see `bot/channels/quiz.py`). Timing is decided on the server (see
`bot.contest.attempts`)."""

from __future__ import annotations

from bot.content.schema_quiz import QuestionBank
from bot.contest import attempts, standings
from bot.contest.attempts import CONTEST, PRACTICE, Draw, Shown
from bot.contest.window import window
from bot.conversation.handlers.contest.common import (
    contest_of,
    duration,
    expired_reply,
    now,
    registration_of,
    status_line,
)
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.db.models_contest import QuizAttempt
from bot.kernel.clock import VN
from bot.kernel.ids import parse_id, parse_ids
from bot.kernel.messages import QuizQuestion, Reply

PRACTICE_GRACE = 2
MARKS = {"correct": "✅", "wrong": "❌", "late": "⌛", "timeout": "⌛", None: "⌛"}


def _unit(turn: Turn, attempt: QuizAttempt) -> str | None:
    """The unit an event is counted for (docs/events.md): the cadre's, none in practice."""
    return turn.user.unit_id if attempt.mode == CONTEST else None


def _bank(turn: Turn, attempt: QuizAttempt) -> QuestionBank | None:
    if attempt.mode == PRACTICE:
        return turn.content.bank(attempt.contest_id)
    contest = turn.content.contest(attempt.contest_id)
    return turn.content.bank(contest.bank) if contest else None


def question_reply(turn: Turn, shown: Shown, lead: list[str]) -> Reply:
    """The question as `Reply.quiz`; the text holds only what comes before it. Each
    channel shows the numbered options and the time (see `bot/channels/quiz.py`)."""
    attempt = shown.attempt
    payloads = [f"qa:{attempt.id}:{shown.position}:{i}" for i in range(1, len(shown.options) + 1)]
    quiz = QuizQuestion(question=shown.question.text, options=shown.options, payloads=payloads,
                        seconds=shown.seconds_left, number=shown.position + 1, total=attempt.question_count,
                        until=shown.deadline.astimezone(VN).strftime("%H:%M:%S"))
    return Reply("\n".join(lead), quiz=quiz)


async def proceed(turn: Turn, attempt: QuizAttempt, lead: list[str], position: int | None = None) -> list[Reply]:
    """Show the current question of a running attempt (the first unanswered one, or
    `position` when the caller knows it), or finish the attempt."""
    bank = _bank(turn, attempt)
    if bank is None:
        return [Reply(turn.t("ct_unknown"), buttons=[[turn.button("btn_menu", "menu")]])]
    shown, timed_out = await attempts.current(turn.session, attempt, bank, now(turn), position)
    if timed_out:
        lead = [*lead, turn.t("ct_timed_out", numbers=", ".join(str(p + 1) for p in timed_out))]
    if shown is None:
        return await _finish(turn, attempt, lead)
    return [question_reply(turn, shown, lead)]


async def _finish(turn: Turn, attempt: QuizAttempt, lead: list[str]) -> list[Reply]:
    if await attempts.finish(turn.session, attempt, now(turn)):
        turn.log(EventKind.QUIZ_FINISHED, topic=_unit(turn, attempt), item=attempt.contest_id,
                 outcome=attempt.mode, value=attempt.score)
    return await results(turn, attempt, lead)


async def start_contest(turn: Turn, contest_id: str) -> list[Reply]:
    turn.set_step(None)
    contest = contest_of(turn, contest_id)
    if contest is None:
        return expired_reply(turn)
    moment = now(turn)
    back = [turn.button("btn_back", f"ct:{contest.id}"), turn.button("btn_menu", "menu")]
    running = await attempts.active(turn.session, CONTEST, contest.id, turn.user.id)
    if running is not None:
        if not attempts.expired(running, moment):
            return await proceed(turn, running, [turn.t("ct_resuming")])
        await attempts.finish(turn.session, running, moment)
    w = await window(turn.session, contest)
    if w.status(moment) != "open":
        return [Reply(status_line(turn, w), buttons=[back])]
    reg = await registration_of(turn, contest)
    if reg is None:
        return [Reply(turn.t("ct_must_register"),
                      buttons=[[turn.button("ct_btn_register", f"ctreg:{contest.id}")], back])]
    used = await attempts.attempts_used(turn.session, CONTEST, contest.id, turn.user.id)
    if used >= contest.attempts_allowed:
        return [Reply(turn.t("ct_no_attempts_left", allowed=contest.attempts_allowed),
                      buttons=[[turn.button("ct_btn_ranking", f"ctrank:{contest.id}")], back])]
    bank = turn.content.bank(contest.bank)
    assert bank is not None  # the loader checks that a contest's bank exists
    draw = Draw(CONTEST, contest.id, bank, contest.questions_per_attempt, contest.seconds_per_question,
                contest.grace_seconds, contest.shuffle_questions, contest.shuffle_options)
    attempt = await attempts.start(turn.session, draw, user_id=turn.user.id, registration_id=reg.id,
                                   number=used + 1, now=moment)
    if attempt is None:  # a second tap started it a moment ago
        attempt = await attempts.active(turn.session, CONTEST, contest.id, turn.user.id)
        if attempt is None:
            return expired_reply(turn)
        return await proceed(turn, attempt, [])
    turn.log(EventKind.QUIZ_STARTED, topic=reg.unit_id, item=contest.id, outcome=CONTEST, value=attempt.number)
    intro = turn.t("ct_attempt_intro", number=attempt.number, questions=attempt.question_count,
                   seconds=attempt.seconds_per_question)
    return await proceed(turn, attempt, [intro], position=0)


async def start_practice(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    practice = turn.content.practice
    bank = turn.content.bank(practice.bank) if practice else None
    if practice is None or bank is None:
        return [Reply(turn.t("pr_unavailable"), buttons=[[turn.button("btn_menu", "menu")]])]
    moment = now(turn)
    running = await attempts.active(turn.session, PRACTICE, bank.id, turn.user.id)
    if running is not None:
        if not attempts.expired(running, moment):
            return await proceed(turn, running, [turn.t("ct_resuming")])
        await attempts.finish(turn.session, running, moment)
    used = await attempts.attempts_used(turn.session, PRACTICE, bank.id, turn.user.id)
    draw = Draw(PRACTICE, bank.id, bank, practice.questions_per_attempt, practice.seconds_per_question,
                PRACTICE_GRACE, True, True)
    attempt = await attempts.start(turn.session, draw, user_id=turn.user.id, registration_id=None,
                                   number=used + 1, now=moment)
    if attempt is None:
        attempt = await attempts.active(turn.session, PRACTICE, bank.id, turn.user.id)
        if attempt is None:
            return expired_reply(turn)
        return await proceed(turn, attempt, [])
    turn.log(EventKind.QUIZ_STARTED, item=bank.id, outcome=PRACTICE, value=attempt.number)
    intro = turn.t("pr_intro", questions=attempt.question_count, seconds=attempt.seconds_per_question)
    return await proceed(turn, attempt, [intro], position=0)


async def _own_attempt(turn: Turn, attempt_id: str) -> QuizAttempt | None:
    number = parse_id(attempt_id)
    if number is None:
        return None
    attempt = await turn.session.get(QuizAttempt, number)
    return attempt if attempt is not None and attempt.user_id == turn.user.id else None


def _feedback(turn: Turn, attempt: QuizAttempt, result: attempts.AnswerResult, number: int) -> list[str]:
    seconds = round((result.elapsed_ms or 0) / 1000)
    if result.outcome == "late":
        lines = [turn.t("ct_answer_late", number=number, elapsed=seconds, limit=attempt.seconds_per_question)]
    elif attempt.mode == CONTEST:
        return [turn.t("ct_answer_recorded", number=number)]
    elif result.outcome == "correct":
        lines = [turn.t("pr_correct", number=number)]
    else:
        lines = [turn.t("pr_wrong", number=number)]
    if attempt.mode == PRACTICE and result.question is not None:
        q = result.question
        if result.outcome != "correct":
            lines.append(turn.t("ct_review_correct", answer=q.options[q.correct - 1]))
        lines.append(turn.t("ct_review_explanation", explanation=q.explanation, source=q.source))
    return lines


async def take_answer(turn: Turn, arg: str) -> list[Reply]:
    turn.quiet = True
    numbers = parse_ids(arg, ":", 3)
    if numbers is None:
        return expired_reply(turn)
    attempt_id, position, choice = numbers
    if position >= attempts.POSITIONS:  # beyond any attempt (and the 32-bit column)
        return expired_reply(turn)
    attempt = await attempts.for_answer(turn.session, attempt_id, position)
    if attempt is None or attempt.user_id != turn.user.id or position >= attempt.question_count:
        return expired_reply(turn)
    bank = _bank(turn, attempt)
    if bank is None:
        return expired_reply(turn)
    result = await attempts.answer(turn.session, attempt, position, choice, bank, now(turn))
    if result.status == "finished":
        return [Reply(turn.t("ct_attempt_over"), buttons=[[turn.button("ct_btn_results", f"ctres:{attempt.id}")],
                                                          [turn.button("btn_menu", "menu")]])]
    if result.status == "not_shown":
        return expired_reply(turn)
    if result.status == "duplicate":
        return [Reply(turn.t("ct_answer_duplicate", number=position + 1),
                      buttons=[[turn.button("ct_btn_current", f"qnext:{attempt.id}")]])]
    turn.log(EventKind.QUIZ_ANSWERED, topic=_unit(turn, attempt), item=attempt.contest_id,
             outcome=result.outcome, value=round((result.elapsed_ms or 0) / 1000, 3))
    return await proceed(turn, attempt, _feedback(turn, attempt, result, position + 1), position + 1)


async def continue_attempt(turn: Turn, attempt_id: str) -> list[Reply]:
    turn.set_step(None)
    attempt = await _own_attempt(turn, attempt_id)
    if attempt is None:
        return expired_reply(turn)
    if attempt.finished_at is not None:
        return await results(turn, attempt, [])
    return await proceed(turn, attempt, [turn.t("ct_resuming")])


async def show_results(turn: Turn, attempt_id: str) -> list[Reply]:
    attempt = await _own_attempt(turn, attempt_id)
    if attempt is None:
        return expired_reply(turn)
    if attempt.finished_at is None:
        return await proceed(turn, attempt, [])
    return await results(turn, attempt, [])


async def results(turn: Turn, attempt: QuizAttempt, lead: list[str]) -> list[Reply]:
    """Score, time and rank; then the answers with explanations (in a contest that keeps
    them until it closes, only once it has closed)."""
    lines = [*lead, *([""] if lead else [])]
    rows = []
    reveal = True
    if attempt.mode == CONTEST:
        contest = turn.content.contest(attempt.contest_id)
        name = contest.name if contest else attempt.contest_id
        lines.append(turn.t("ct_result_title", number=attempt.number, name=name))
    else:
        contest = None
        lines.append(turn.t("pr_result_title"))
    lines.append(turn.t("ct_result_score", score=attempt.score, total=attempt.question_count))
    lines.append(turn.t("ct_result_time", time=duration(turn, attempt.total_ms)))
    if contest is not None:
        ranked = (await standings.standing_of(turn.session, contest, attempt.registration_id)
                  if attempt.registration_id is not None else None)
        if ranked is not None:
            standing, total = ranked
            lines.append(turn.t("ct_result_rank", rank=standing.rank, total=total,
                                counts=turn.t(f"ct_counts_{contest.counts}")))
        w = await window(turn.session, contest)
        status = w.status(now(turn))
        reveal = contest.reveal_answers == "end" or status == "closed"
        used = await attempts.attempts_used(turn.session, CONTEST, contest.id, turn.user.id)
        if status == "open" and used < contest.attempts_allowed:
            rows.append([turn.button("ct_btn_start", f"ctgo:{contest.id}", number=used + 1)])
        rows.append([turn.button("ct_btn_ranking", f"ctrank:{contest.id}"),
                     turn.button("ct_btn_unit_ranking", f"ctu:{contest.id}")])
        rows.append([turn.button("btn_back", f"ct:{contest.id}"), turn.button("btn_menu", "menu")])
    else:
        rows.append([turn.button("pr_btn_again", "practice"), turn.button("btn_menu", "menu")])
    if not reveal:
        lines.append(turn.t("ct_review_later"))
        return [Reply("\n".join(lines), buttons=rows)]
    # The summary first; the (long) review last, carrying the buttons.
    return [Reply("\n".join(lines)), Reply(await _review(turn, attempt), buttons=rows)]


async def _review(turn: Turn, attempt: QuizAttempt) -> str:
    bank = _bank(turn, attempt)
    blocks = [turn.t("ct_review_title")]
    for item, answer in await attempts.review(turn.session, attempt):
        q = bank.question(item.question_id) if bank else None
        if q is None:
            continue
        outcome = answer.outcome if answer else None
        lines = [turn.t("ct_review_question", number=item.position + 1, mark=MARKS[outcome], text=q.text)]
        if answer is None or answer.chosen is None:
            lines.append(turn.t("ct_review_none"))
        else:
            key = "ct_review_late" if outcome == "late" else "ct_review_chosen"
            lines.append(turn.t(key, answer=q.options[answer.chosen - 1]))
        if outcome != "correct":
            lines.append(turn.t("ct_review_correct", answer=q.options[q.correct - 1]))
        lines.append(turn.t("ct_review_explanation", explanation=q.explanation, source=q.source))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def register(router: Router) -> None:
    router.payload("ctgo", start_contest)
    router.payload("qa", take_answer)
    router.payload("qnext", continue_attempt)
    router.payload("ctres", show_results)
    router.payload("practice", start_practice)
    router.command("thithu", start_practice, description_key="cmd_practice")
