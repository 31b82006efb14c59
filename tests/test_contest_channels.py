"""The quiz on Telegram: the real python-telegram-bot Application against the local Bot
API fake; options as inline number buttons, a double tap counted once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.app import BotApp
from bot.db.models_contest import QuizAnswer
from tests.contest_support import correct_number
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.test_telegram_channel import buttons

CHAT = 6012345679


async def test_quiz_over_telegram(contest_services, contest_store, clock):
    async with FakeTelegramAPI() as fake:
        contest_services.settings = contest_services.settings.model_copy(update={
            "telegram_bot_token": fake.token, "telegram_api_base_url": fake.base_url,
            "telegram_api_base_file_url": fake.base_file_url})
        app = BotApp(contest_services)
        await app.telegram.start()
        try:
            seen = 0

            async def say(text: str | None = None, data: str | None = None, until=lambda m: True) -> dict:
                """Send, then the first new bot message matching `until` (others, such as a
                survey offer, may come along)."""
                nonlocal seen
                if data is None:
                    fake.push_text(CHAT, text)
                else:
                    fake.push_callback(CHAT, data)
                for _ in range(500):
                    messages = fake.messages_to(CHAT)
                    for i, message in enumerate(messages[seen:], seen):
                        if until(message):
                            seen = i + 1
                            return message
                    await asyncio.sleep(0.02)
                raise AssertionError(f"no such message after {text or data}: {messages[seen:]}")

            def has_button(prefix: str):
                return lambda m: any(b["text"].startswith(prefix) for b in buttons(m))

            await say("/cuocthi", until=has_button("Hội thi đang mở"))
            await say(data="ct:thi-mo", until=has_button("📝 Đăng ký dự thi"))
            await say(data="ctreg:thi-mo")
            await say("Nguyễn Thị Telegram")
            await say("Sở Nội vụ")
            await say("Chuyên viên")
            card = await say(data="ctok", until=has_button("▶️ Bắt đầu thi"))
            start = next(b for b in buttons(card) if b["text"].startswith("▶️ Bắt đầu thi"))
            question = await say(data=start["callback_data"], until=lambda m: "⏱" in m["text"])
            assert "Câu 1/4 · ⏱ 30 giây" in question["text"] and "1. " in question["text"]
            numbers = [b["text"] for b in buttons(question)]
            assert numbers == [str(i) for i in range(1, len(numbers) + 1)] and len(numbers) >= 2
            correct = buttons(question)[correct_number(contest_store, _quiz(question)) - 1]
            before = len(fake.messages_to(CHAT))
            fake.push_callback(CHAT, correct["callback_data"])
            fake.push_callback(CHAT, correct["callback_data"])  # double tap
            replies = await fake.wait_for_messages(CHAT, before + 2)
            texts = [m["text"] for m in replies[before:]]
            assert sum("Câu 2/4" in t for t in texts) == 1
            assert sum("đã được ghi nhận trước đó" in t for t in texts) == 1
            async with contest_services.db.session() as s:
                assert (await s.execute(select(func.count()).select_from(QuizAnswer))).scalar_one() == 1
        finally:
            await app.telegram.stop()


def _quiz(message: dict):
    """The question as the core sent it, read back from the message text."""
    from bot.kernel.messages import QuizQuestion

    lines = message["text"].split("\n")
    options = [line.split(". ", 1)[1] for line in lines if line[:1].isdigit() and ". " in line[:3]]
    header = next(i for i, line in enumerate(lines) if line.startswith("Câu ") and "⏱" in line)
    question = lines[header + 2]
    return QuizQuestion(question=question, options=options, payloads=[])


async def test_quiz_over_the_web_chat_json(contest_services, contest_store, clock):
    from aiohttp.test_utils import TestClient, TestServer

    from tests.contest_support import person, register

    await register(person(contest_services, "browser-quiz-01"))
    app = BotApp(contest_services)
    async with TestClient(TestServer(app.web)) as client:
        async def say(**body):
            resp = await client.post("/api/chat", json={"session": "browser-quiz-01", **body})
            assert resp.status == 200
            return (await resp.json())["replies"]

        [question] = await say(payload="ctgo:thi-mo", id="w1")
        quiz = question["quiz"]
        assert quiz["total"] == 4 and quiz["seconds"] == 30 and len(quiz["payloads"]) == len(quiz["options"])
        first = await say(payload=quiz["payloads"][0], id="w2")
        assert "Câu 2/4" in first[0]["text"]
        assert await say(payload=quiz["payloads"][0], id="w2") == []  # the browser's retry
        again = await say(payload=quiz["payloads"][0], id="w3")  # a second click
        assert "đã được ghi nhận trước đó" in again[0]["text"]


def test_bench_counts_every_answer_once(capsys):
    from bot.cli import main

    assert main(["contest", "bench", "--cadres", "12", "--questions", "3", "--think", "0", "--ramp", "0.5",
                 "--duplicates", "0.5", "--backend", "sqlite"]) == 0
    out = capsys.readouterr().out
    assert "36 câu trả lời (mong đợi 36)" in out and "36 sự kiện quiz_answered" in out
    assert "không mất, không tính trùng" in out and "p95" in out and "câu trả lời/giây" in out
    assert "lượt đi-về cơ sở dữ liệu" in out and "vòng lặp Python 10.000.000 phép cộng mất" in out
