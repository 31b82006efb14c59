"""The dashboard shows what happened: people reached and questions by channel, the most
asked unanswered questions, open feedback by age, campaigns sending now (the fragment htmx
refreshes follows the outbox), and the contest by unit — over HTTP and in the browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.conversation.conversation import Conversation
from bot.db.models import Role
from bot.db.models_campaigns import OutboxMessage, OutboxStatus
from bot.db.models_feedback import TicketStatus
from bot.feedback import tickets
from bot.kernel.clock import utcnow
from tests.campaigns.helpers import seed_subscribers, start_campaign
from tests.conftest import Chat
from tests.console_support import PHONE, assert_accessible, screenshot, signed_in_client, signed_in_page
from tests.contest_support import answer_rest, person, register

UNANSWERABLE = "công thức nấu phở bò ngon"


@pytest.fixture
def no_delivery(settings):
    """The outbox moves only as the test says: no delivery worker in the running app
    (ask for it before `console_url`)."""
    settings.scheduler_embedded = False


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def file_ticket(services, key: str, age: timedelta, status: str = TicketStatus.NEW) -> None:
    chat = Chat(Conversation(services), "web", f"citizen-{key}")
    await chat.send("/start")
    async with services.db.session() as db:
        from bot.db.users import get_or_create_user

        user = await get_or_create_user(db, "web", f"citizen-{key}")
        draft = tickets.Draft(key=key, category="chung", text="Bộ phận một cửa hẹn trả kết quả nhưng chưa trả.")
        ticket, _ = await tickets.create(db, draft, user=user, user_key=key, channel="web")
        ticket.created_at = utcnow() - age
        ticket.status = status
        await db.commit()


async def sent(services, broadcast_id: int, n: int) -> None:
    """As the delivery worker records them: `n` more rows of the broadcast sent."""
    async with services.db.session() as db:
        ids = (await db.execute(select(OutboxMessage.id).where(
            OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == OutboxStatus.PENDING)
            .limit(n))).scalars().all()
        await db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                         .values(status=OutboxStatus.SENT, sent_at=utcnow()))
        await db.commit()


async def seed(services, content_store) -> int:
    entry = content_store.pack.faq[0]
    for n in range(3):
        chat = Chat(Conversation(services), "telegram" if n else "zalo", f"asker-{n}")
        await chat.send(entry.question)
        await chat.send(UNANSWERABLE)
    await file_ticket(services, "fresh", timedelta(hours=2))
    await file_ticket(services, "old", timedelta(days=10), TicketStatus.TAKEN)
    await file_ticket(services, "done", timedelta(days=5), TicketStatus.RESOLVED)
    await seed_subscribers(services.db, 20)
    _, broadcast_id = await start_campaign(services)
    return broadcast_id


async def test_the_dashboard_shows_today_and_the_quarter(services, content_store):
    broadcast_id = await seed(services, content_store)
    async with signed_in_client(services, Role.FEEDBACK) as client:
        response = await client.get("/admin/")
        assert response.status == 200
        page = text_of(await response.text())
        assert "Zalo 1 1" in page and "Telegram 2 2" in page  # reached today, in the quarter
        assert re.search(r"Câu hỏi 6 6 Được trả lời ngay 3 3 Tỉ lệ trả lời 50,0% 50,0%", page), page
        assert "công thức nấu phở bò ngon 3 3" in page  # as typed, with diacritics; three people asked
        assert "Mới 1 0 0 0" in page and "Đang xử lý 0 0 0 1" in page  # by age; the resolved one is not there
        assert "Tuần lễ dịch vụ công" in page and "Đã xử lý 0/20" in page
        await sent(services, broadcast_id, 12)
        fragment = text_of(await (await client.get("/admin/dashboard/campaigns")).text())
        assert "Đã xử lý 12/20" in fragment and "đã gửi 12" in fragment
        assert "<html" not in await (await client.get("/admin/dashboard/campaigns")).text()


async def test_an_empty_dashboard_says_so(services):
    async with signed_in_client(services, Role.CONTEST) as client:
        page = text_of(await (await client.get("/admin/")).text())
    assert "Chưa có ai trò chuyện với trợ lý trong quý này" in page
    assert "Không có phản ánh nào đang chờ" in page and "Không có chiến dịch nào đang gửi" in page


async def test_the_contest_card_counts_registrations_and_participants_by_unit(contest_services, contest_store, clock):
    for i, unit in enumerate(["Sở Tư pháp", "Sở Tư pháp", "Sở Nội vụ"]):
        chat = person(contest_services, f"cadre-{i}")
        await register(chat, name=f"Nguyễn Văn {'ABC'[i]}", unit=unit)
        if i == 0:
            await chat.press("ctgo:thi-mo")
            await answer_rest(chat, contest_store, clock, right=3)
    async with signed_in_client(contest_services, Role.CONTEST) as client:
        page = text_of(await (await client.get("/admin/")).text())
    card = page[page.index("Cuộc thi: tham gia theo đơn vị"):]
    # Both contests running on 15 June; the one they registered for leads with its units.
    assert "Hội thi đang mở Đang mở · 1 người đã làm bài / 3 đăng ký" in card
    assert "Sở Tư pháp 2 1 3,0 Sở Nội vụ 1 0 –" in card
    assert "Hội thi tính lượt cuối Đang mở · 0 người đã làm bài / 0 đăng ký" in card
    assert "Hội thi đã đóng" not in card


@pytest.mark.browser
async def test_campaign_progress_moves_on_the_open_dashboard(no_delivery, chromium, console_url, services,
                                                             content_store):
    broadcast_id = await seed(services, content_store)
    page = await signed_in_page(chromium, console_url, services, Role.EDITOR, viewport=PHONE)
    await page.goto(console_url + "/admin/")
    await page.get_by_text("Đã xử lý 0/20").wait_for()
    await assert_accessible(page)
    await sent(services, broadcast_id, 20)
    await page.get_by_text("Đã xử lý 20/20").wait_for(timeout=30_000)  # htmx swaps the card in
    assert await page.locator("#campaigns-now progress").get_attribute("value") == "20"
    await screenshot(page, "console-dashboard-live-phone")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await screenshot(page, "console-dashboard-live-desktop")
    await page.context.close()
