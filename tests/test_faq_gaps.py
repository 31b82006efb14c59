"""`cchc-bot faq gaps`: the questions the bot could not answer, counted from the log."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.cli import main
from bot.db import events
from bot.db.events import EventKind
from bot.kernel.clock import utcnow
from tests.conftest import Chat


async def gaps(capsys, db_url, pack_dir, *extra) -> list[str]:
    argv = ["--database-url", db_url, "--content-dir", str(pack_dir), "faq", "gaps", *extra]
    assert await asyncio.to_thread(main, argv) == 0
    return capsys.readouterr().out.splitlines()


async def test_gaps_are_counted_grouped_and_ranked(faq_chat: Chat, db_url, faq_store, capsys):
    conversation = faq_chat.conversation
    people = [Chat(conversation, "web", f"citizen-{i}") for i in range(3)]
    # One question, four wordings that differ only in order, particles and numbers.
    await people[0].send("Giá vàng hôm nay?")
    await people[0].send("giá vàng hôm nay")
    await people[1].send("Cho hỏi giá vàng hôm nay ạ")
    await people[2].send("hôm nay giá vàng thế nào, 0912345678")
    # A vague question: the bot offers entries; what people tap is kept as a hint.
    await people[0].send("chi so la gi")
    await people[0].tap("SIPAS")
    await people[1].send("chỉ số là gì")
    await people[1].tap("PAR INDEX")
    await people[2].send("cchc la gi")  # answered: not a gap
    assert people[2].last[-1].answer_id == "cchc-la-gi"

    lines = await gaps(capsys, db_url, faq_store.directory)
    rows = [line for line in lines if line.startswith("  ") and line.strip()[0].isdigit()]
    assert len(rows) == 2, lines
    count, persons, suggested, *question = rows[0].split()
    assert (count, persons, suggested) == ("4", "3", "0")
    assert " ".join(question) == "gia vang hom nay"
    count, persons, suggested, *question = rows[1].split()
    assert (count, persons, suggested) == ("2", "2", "2") and " ".join(question) == "chi so la gi"
    text = "\n".join(lines)
    assert "người hỏi đã chọn: " in text and "chi-so-sipas (1)" in text and "chi-so-par-index (1)" in text
    assert "cchc" not in text and "0912345678" not in text


async def test_gaps_period_and_empty_log(faq_chat: Chat, db_url, faq_store, capsys, services):
    lines = await gaps(capsys, db_url, faq_store.directory)
    assert "Không có câu hỏi nào" in lines[0]
    async with services.db.session() as s:
        events.record(s, user_key="k", channel="web", kind=EventKind.QUESTION_UNANSWERED,
                      item="le phi lam so do", outcome="rejected", value=10.0,
                      at=utcnow() - timedelta(days=45))
        await s.commit()
    assert "Không có câu hỏi nào" in (await gaps(capsys, db_url, faq_store.directory))[0]
    lines = await gaps(capsys, db_url, faq_store.directory, "--days", "0")
    assert any(line.endswith("le phi lam so do") for line in lines), lines
