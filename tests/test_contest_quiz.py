"""Taking the quiz through the conversation: server-decided timing, answers counted once,
resuming after a restart, results with explanations and rank, windows, practice."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.channels.quiz import reply_text
from bot.conversation.conversation import Conversation
from bot.db.models import EngagementEvent
from bot.db.models_contest import QuizAnswer, QuizAttempt, QuizAttemptQuestion
from bot.kernel.messages import Incoming
from tests.conftest import Chat
from tests.contest_support import answer_rest, choose, correct_number, person, quiz_of, register


async def rows(services, model, *where):
    async with services.db.session() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def count(services, model, *where) -> int:
    async with services.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def test_a_full_attempt_on_time(cadre: Chat, contest_services, contest_store, clock):
    await register(cadre)
    await cadre.tap("Bắt đầu thi")
    quiz = quiz_of(cadre)
    assert "Bắt đầu lượt thi thứ 1" in cadre.text and "Câu 1/4" in cadre.text
    assert "30 giây (trước 09:00:30)" in cadre.text  # the limit, in Vietnam time
    assert quiz.seconds == 30 and quiz.total == 4 and len(quiz.options) == len(quiz.payloads) >= 2
    for i, option in enumerate(quiz.options, 1):
        assert f"{i}. {option}" in cadre.text  # numbered in the text for channels without buttons
    await answer_rest(cadre, contest_store, clock, seconds=5)
    summary, review = cadre.last
    assert "Kết thúc lượt thi thứ 1" in summary.text and "4/4" in summary.text
    assert "20 giây" in summary.text and "Xếp hạng hiện tại của bạn: 1/1" in summary.text
    assert "Đáp án và giải thích" in review.text and review.text.count("Giải thích:") == 4
    assert "Nguồn:" in review.text and review.text.count("✅") == 4
    [attempt] = await rows(contest_services, QuizAttempt)
    assert (attempt.score, attempt.total_ms, attempt.finished_at is not None) == (4, 20_000, True)
    logged = [e for e in await rows(contest_services, EngagementEvent) if e.kind.startswith("quiz_")]
    assert [e.kind for e in logged] == ["quiz_started"] + ["quiz_answered"] * 4 + ["quiz_finished"]
    # As docs/events.md says: the unit in `topic`, the contest in `item`.
    assert {(e.topic, e.item) for e in logged} == {("so-tu-phap", "thi-mo")}
    assert [e.outcome for e in logged] == ["contest"] + ["correct"] * 4 + ["contest"]
    assert (logged[0].value, logged[1].value, logged[-1].value) == (1, 5, 4)


async def test_answers_by_typed_number(cadre: Chat, contest_services, contest_store, clock):
    await register(cadre)
    await cadre.press("ctgo:thi-mo")
    while (quiz := quiz_of(cadre)) is not None:
        clock.advance(2)
        await cadre.send(str(correct_number(contest_store, quiz)))
    assert "4/4" in cadre.last[0].text


async def test_a_late_answer_is_told_and_scored_wrong(cadre: Chat, contest_services, contest_store, clock):
    await register(cadre)
    await cadre.press("ctgo:thi-mo")
    clock.advance(31)  # within the 2-second grace: still on time
    await choose(cadre, correct_number(contest_store, quiz_of(cadre)))
    assert "Đã ghi nhận câu trả lời câu 1" in cadre.text and "Câu 2/4" in cadre.text
    clock.advance(33)  # past 30 s + grace
    await choose(cadre, correct_number(contest_store, quiz_of(cadre)))
    assert "Câu 2: câu trả lời đến sau 33 giây, quá thời gian 30 giây" in cadre.text
    assert "Câu 3/4" in cadre.text
    await answer_rest(cadre, contest_store, clock)
    assert "Số câu trả lời đúng: 3/4" in cadre.last[0].text
    outcomes = [a.outcome for a in sorted(await rows(contest_services, QuizAnswer), key=lambda a: a.position)]
    assert outcomes == ["correct", "late", "correct", "correct"]
    assert "⌛" in cadre.last[1].text and "Bạn chọn (muộn, không tính điểm)" in cadre.last[1].text


async def test_unanswered_question_times_out_and_the_next_one_gets_its_full_time(
        cadre: Chat, contest_services, contest_store, clock):
    await register(cadre)
    await cadre.press("ctgo:thi-mo")
    first = quiz_of(cadre)
    clock.advance(120)  # walked away
    await cadre.send("/cuocthi")
    await cadre.tap("Hội thi đang mở")
    await cadre.tap("Tiếp tục lượt thi")
    assert "Hết thời gian trả lời câu 1" in cadre.text and "Câu 2/4 · ⏱ 30 giây" in cadre.text
    await cadre.press(first.payloads[0])  # the old question's button, tapped late
    assert "Câu 1 đã được ghi nhận trước đó" in cadre.text
    await cadre.tap("Câu hỏi hiện tại")
    assert "Câu 2/4" in cadre.text
    await answer_rest(cadre, contest_store, clock)
    assert "3/4" in cadre.last[0].text and "Bạn không trả lời kịp" in cadre.last[1].text
    [attempt] = await rows(contest_services, QuizAttempt)
    assert attempt.total_ms == 30_000 + 3 * 3_000


async def test_double_tap_and_replayed_callback_count_once(cadre: Chat, contest_services, contest_store, clock):
    await register(cadre)
    await cadre.press("ctgo:thi-mo")
    quiz = quiz_of(cadre)
    payload = quiz.payloads[correct_number(contest_store, quiz) - 1]
    conversation = cadre.conversation
    tap = Incoming.button("web", cadre.user_id, payload, update_key="tap-1")
    second_tap = Incoming.button("web", cadre.user_id, payload, update_key="tap-2")
    first, again, replay = await asyncio.gather(conversation.handle(tap), conversation.handle(second_tap),
                                                conversation.handle(tap))
    as_text = contest_services.content.text
    texts = ["\n".join(reply_text(r, as_text) for r in replies) for replies in (first, again, replay)]
    assert sum("Câu 2/4" in t for t in texts) == 1  # the next question is shown once
    assert sum("đã được ghi nhận trước đó" in t for t in texts) == 1
    assert replay == [] or again == [] or first == []  # the redelivered update is ignored
    assert await count(contest_services, QuizAnswer) == 1
    assert await count(contest_services, EngagementEvent, EngagementEvent.kind == "quiz_answered") == 1


async def test_resumes_after_a_restart_with_the_time_left(contest_services, contest_store, clock):
    before = person(contest_services, "cadre-restart")
    await register(before)
    await before.press("ctgo:thi-mo")
    await choose(before, 1)
    shown = quiz_of(before)
    clock.advance(12)
    after = Chat(Conversation(contest_services), before.channel, before.user_id)  # a new process
    await after.send("/cuocthi")
    await after.tap("Hội thi đang mở")
    await after.tap("Tiếp tục lượt thi")
    assert "Tiếp tục lượt thi bạn đang làm" in after.text
    assert "Câu 2/4 · ⏱ 18 giây (trước 09:00:30)" in after.text  # the time left, not a new limit
    assert quiz_of(after).payloads == shown.payloads  # the same question, not a new draw
    await after.send("1")  # typing works after the restart too
    assert "Câu 3/4" in after.text
    assert await count(contest_services, QuizAttempt) == 1
    assert await count(contest_services, QuizAttemptQuestion, QuizAttemptQuestion.shown_at.is_not(None)) == 3


async def test_outside_the_window(cadre: Chat, contest_services, clock):
    await register(cadre, "thi-sap-mo")  # registering early is allowed
    await cadre.press("ctgo:thi-sap-mo")
    assert "Cuộc thi chưa mở" in cadre.text and "08:00 ngày 01/07/2026" in cadre.text
    await cadre.press("ct:thi-da-dong")
    assert "đã kết thúc lúc 17:00 ngày 31/05/2026" in cadre.text
    await cadre.press("ctgo:thi-da-dong")
    assert "đã kết thúc" in cadre.text and quiz_of(cadre) is None
    clock.advance(16 * 86400 + 3600)  # 1 July, 10:00
    await cadre.press("ctgo:thi-sap-mo")
    assert "Câu 1/3" in cadre.text


async def test_attempts_allowed_and_best_counts(cadre: Chat, contest_services, contest_store, clock):
    await register(cadre)
    await cadre.press("ctgo:thi-mo")
    await answer_rest(cadre, contest_store, clock, right=3)
    assert "3/4" in cadre.last[0].text and "Bắt đầu thi (lượt 2)" in " ".join(cadre.labels())
    await cadre.tap("Bắt đầu thi (lượt 2)")
    await answer_rest(cadre, contest_store, clock, right=1)
    assert "1/4" in cadre.last[0].text
    await cadre.press("ctgo:thi-mo")
    assert "đã thi đủ 2 lượt" in cadre.text
    await cadre.press("ctrank:thi-mo")
    assert "1. Nguyễn V. An (Sở Tư pháp) — 3/4 câu" in cadre.text  # the best attempt counts
    assert "Bạn: hạng 1/1 — 3/4 câu" in cadre.text
    assert await count(contest_services, QuizAttempt) == 2


async def test_last_counts_and_answers_revealed_after_close(contest_services, contest_store, clock):
    chat = person(contest_services, "cadre-last")
    await register(chat, "thi-luot-cuoi")
    await chat.press("ctgo:thi-luot-cuoi")
    await answer_rest(chat, contest_store, clock, right=3)
    assert "Đáp án và giải thích sẽ được công bố khi cuộc thi kết thúc" in chat.text
    assert "Giải thích:" not in chat.text
    await chat.tap("Bắt đầu thi (lượt 2)")
    await answer_rest(chat, contest_store, clock, right=0)
    await chat.press("ctrank:thi-luot-cuoi")
    assert "0/3 câu" in chat.text  # the last attempt counts, though worse
    [_, second] = sorted(await rows(contest_services, QuizAttempt), key=lambda a: a.number)
    clock.advance(20 * 86400)  # after the close
    await chat.press(f"ctres:{second.id}")
    assert "Giải thích:" in chat.text


async def test_practice_for_anyone_any_time_never_ranked(contest_services, contest_store, clock):
    citizen = person(contest_services, "citizen-practice")
    clock.advance(365 * 86400)  # every contest closed long ago
    await citizen.send("/thithu")
    assert "Thi thử: 3 câu hỏi, mỗi câu 20 giây" in citizen.text and "Câu 1/3" in citizen.text
    quiz = quiz_of(citizen)
    good = correct_number(contest_store, quiz)
    await choose(citizen, good % len(quiz.options) + 1)
    assert "Câu 1: chưa đúng" in citizen.text and "Đáp án đúng:" in citizen.text and "Giải thích:" in citizen.text
    await answer_rest(citizen, contest_store, clock)
    assert "Kết thúc lượt thi thử" in citizen.text and "2/3" in citizen.text
    assert "Xếp hạng" not in citizen.last[0].text
    await citizen.tap("Thi thử lượt khác")
    assert "Câu 1/3" in citizen.text
    await citizen.press("ctrank:thi-mo")
    assert "Chưa có kết quả nào" in citizen.text


async def test_forged_and_stale_buttons(cadre: Chat, contest_services, contest_store, clock):
    await register(cadre)
    await cadre.press("ctgo:thi-mo")
    other = person(contest_services, "someone-else")
    own = quiz_of(cadre).payloads[0]
    await other.press(own)  # another person's answer button
    assert "Nút này đã cũ" in other.text
    for forged in ["qa:abc", "qa:1:2", "qa:999999:0:1", own.rsplit(":", 1)[0] + ":9",
                   own.replace(":0:", ":3:"), "qnext:x", "ctres:999999", "ctgo:khong-co"]:
        await cadre.press(forged)
        assert cadre.last and "Nút này đã cũ" in cadre.text, forged
    assert await count(contest_services, QuizAnswer) == 0
    await cadre.press(own)
    await answer_rest(cadre, contest_store, clock)
    await cadre.press(own)
    assert "Lượt thi này đã kết thúc" in cadre.text


async def test_abandoned_attempt_is_closed_with_full_time(contest_services, contest_store, clock):
    leaver = person(contest_services, "cadre-leaver")
    await register(leaver)
    await leaver.press("ctgo:thi-mo")
    await choose(leaver, correct_number(contest_store, quiz_of(leaver)))
    clock.advance(3600)
    viewer = person(contest_services, "cadre-viewer")
    await viewer.press("ctrank:thi-mo")
    # Question 1 answered at once; the three never answered count 30 seconds each.
    assert "Nguyễn V. An (Sở Tư pháp) — 1/4 câu, 1 phút 30 giây" in viewer.text
    [attempt] = await rows(contest_services, QuizAttempt)
    assert attempt.finished_at is not None and attempt.score == 1 and attempt.total_ms == 3 * 30_000
    finished = await rows(contest_services, EngagementEvent, EngagementEvent.kind == "quiz_finished")
    assert finished == []  # closed by the server, not a finish by the cadre
