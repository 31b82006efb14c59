"""The feedback desk in the console over HTTP, signed in: the queue and its filters, a
ticket's page with its thread, take (two at once: one wins), forward, answer (relayed to
the citizen's web chat once, even when the form is sent twice), resolve; bad input gets a
clear message; every action is in the audit log."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select, update

from bot.channels.webhistory import WebHistory
from bot.db.models import Role
from bot.db.models_feedback import FeedbackTicket, TicketStatus
from bot.db.models_staff import StaffAction
from bot.feedback import photos
from bot.web.admin.context import COOKIE
from bot.zalo.sender import ZaloSender
from tests.conftest import Chat
from tests.console_support import make_staff, open_session, signed_in_client
from tests.fakes.telegram_api import JPEG_BYTES
from tests.feedback_helpers import all_tickets, notices
from tests.test_feedback_core import file_ticket
from tests.test_feedback_telegram import CITIZEN as CITIZEN_TG
from tests.test_feedback_telegram import after, file_by_telegram

CITIZEN = "citizen-web-desk"


@pytest.fixture
async def aiohttp_server_factory():
    """Start a small web site on loopback (a stand-in for Zalo's photo servers)."""
    servers: list[TestServer] = []

    async def start(app: web.Application) -> TestServer:
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


async def received(services, user: str = CITIZEN) -> list[str]:
    """What reached the citizen's web chat, in order."""
    history = WebHistory(services.db, services.settings.webchat_history_days)
    return [m["replies"][0]["text"] for m in await history.outside_after(user, 0)]


async def filed(conversation, user: str = CITIZEN, contact: str | None = None) -> FeedbackTicket:
    """A ticket filed by a citizen through the conversation, on the web chat."""
    code = await file_ticket(Chat(conversation, user_id=user), contact=contact)
    return next(t for t in await all_tickets(conversation.services) if t.code == code)


async def audit_actions(services) -> list[tuple[str, str | None]]:
    async with services.db.session() as db:
        rows = await db.execute(select(StaffAction.action, StaffAction.target).order_by(StaffAction.id))
        return [(a, t) for a, t in rows]


def csrf_of(html: str) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', html).group(1)


async def test_the_queue_lists_filters_and_pages(conversation, services):
    first = await filed(conversation, "citizen-a")
    second = await filed(conversation, "citizen-b")
    async with services.db.session() as db:  # one filed long ago, about something else
        await db.execute(update(FeedbackTicket).where(FeedbackTicket.id == second.id).values(
            created_at=second.created_at - timedelta(days=5), category="thai-do-can-bo", unit_id="so-noi-vu"))
        await db.commit()
    async with signed_in_client(services, Role.FEEDBACK) as client:
        page = await (await client.get("/admin/feedback")).text()
        assert first.code in page and second.code in page and "2 phản ánh" in page
        assert page.index(second.code) < page.index(first.code)  # the longest waiting first
        assert "5 ngày" in page and "Phường Phú Lợi" in page

        async def codes_for(query: str) -> list[str]:
            response = await client.get("/admin/feedback?" + query)
            assert response.status == 200
            return re.findall(r">(PA-\d{4}-\d{6})<", await response.text())

        assert await codes_for("category=thai-do-can-bo") == [second.code]
        assert await codes_for("unit=phuong-phu-loi") == [first.code]
        assert await codes_for("age=3to7") == [second.code]
        assert await codes_for("age=lt1") == [first.code]
        assert await codes_for("status=resolved") == []
        assert "Không có phản ánh nào khớp" in await (await client.get("/admin/feedback?status=resolved")).text()
        assert await codes_for("status=all") == [first.code, second.code]  # newest first

        # Made-up filter values are dropped with a word; a page past the end shows the last.
        odd = await client.get("/admin/feedback?status=<b>&unit=nowhere&age=99&category=x&page=99999999999")
        text = await odd.text()
        assert odd.status == 200 and "không hợp lệ nên đã được bỏ qua" in text and first.code in text
        assert "<b>" not in text

        # A code typed (as it comes) opens the ticket; an unknown one says so.
        found = await client.get(f"/admin/feedback?code={first.code.lower()}", allow_redirects=False)
        assert found.status == 303 and found.headers["Location"] == f"/admin/feedback/{first.id}"
        missing = await client.get("/admin/feedback?code=PA-2020-999999")
        assert "Không tìm thấy phản ánh có mã" in await missing.text()


async def test_the_queue_pages_and_its_empty_state(conversation, services):
    async with signed_in_client(services, Role.FEEDBACK) as client:
        assert "Hiện không có phản ánh nào đang chờ giải quyết" in await (await client.get("/admin/feedback")).text()
    for i in range(27):
        await filed(conversation, f"citizen-{i:02d}")
    async with signed_in_client(services, Role.ADMIN) as client:
        one = await (await client.get("/admin/feedback")).text()
        two = await (await client.get("/admin/feedback?page=2")).text()
    assert "27 phản ánh · trang 1/2" in one and "Trang sau" in one
    assert len(re.findall(r">PA-\d{4}-\d{6}<", one)) == 25 and len(re.findall(r">PA-\d{4}-\d{6}<", two)) == 2
    assert "Trang trước" in two


async def test_take_answer_forward_resolve_reach_the_citizen_once(conversation, services):
    ticket = await filed(conversation, contact="Trần Thị Bình 0987 654 321")
    async with signed_in_client(services, Role.FEEDBACK, name="Lê Thị Mai") as client:
        page = await (await client.get(f"/admin/feedback/{ticket.id}")).text()
        assert ticket.code in page and "0987654321" in page and "Chưa ai nhận" in page
        assert "Chưa có trao đổi nào" in page

        taken = await client.post_form(f"/admin/feedback/{ticket.id}/take")
        assert taken.status == 303 and taken.headers["Location"].endswith("?done=take")
        page = await (await client.get(taken.headers["Location"])).text()
        assert "Bạn đã nhận xử lý phản ánh này" in page and "Lê Thị Mai" in page

        key = csrf_of(page)
        answer = "Chào chị, Phường Phú Lợi đã trả kết quả hồ sơ sáng nay; xin lỗi chị vì sự chậm trễ."
        sent = await client.post_form(f"/admin/feedback/{ticket.id}/answer", {"text": answer, "form_key": key})
        assert sent.headers["Location"].endswith("?done=answer")
        again = await client.post_form(f"/admin/feedback/{ticket.id}/answer", {"text": answer, "form_key": key})
        assert again.headers["Location"].endswith("?problem=answer_already")  # a double click: once

        forwarded = await client.post_form(f"/admin/feedback/{ticket.id}/forward", {"unit": "so-tu-phap"})
        assert forwarded.headers["Location"].endswith("?done=forward")
        twice = await client.post_form(f"/admin/feedback/{ticket.id}/forward", {"unit": "so-tu-phap"})
        page = await (await client.get(twice.headers["Location"])).text()
        assert "đã được chuyển đến Sở Tư pháp trước đó" in page

        resolved = await client.post_form(f"/admin/feedback/{ticket.id}/resolve")
        assert resolved.headers["Location"].endswith("?done=resolve")
        page = await (await client.get(f"/admin/feedback/{ticket.id}?problem=resolve_already")).text()
        assert "Xử lý phản ánh" not in page and "đã được giải quyết xong trước đó" in page
        # The thread: what was sent, by whom, delivered.
        assert page.count("Đã gửi đến người dân lúc") == 4 and answer in page and "Lê Thị Mai" in page

    got = await received(services)
    assert len(got) == 4
    assert "tiếp nhận" in got[0] and answer in got[1] and ticket.code in got[1]
    assert "Sở Tư pháp" in got[2] and "giải quyết xong" in got[3]
    [ticket] = await all_tickets(services)
    assert ticket.status == TicketStatus.RESOLVED and ticket.assignee_label == "Lê Thị Mai"
    assert all(n.delivered_at for n in await notices(services))
    assert await audit_actions(services) == [(a, f"ticket:{ticket.id}") for a in (
        "feedback_take", "feedback_answer", "feedback_forward", "feedback_resolve")]


async def test_two_staff_take_at_once_one_wins_the_other_is_told(conversation, services):
    ticket = await filed(conversation)
    async with (signed_in_client(services, Role.FEEDBACK, name="Lê Thị Mai") as mai,
                signed_in_client(services, Role.FEEDBACK, name="Phạm Văn Nam") as nam):
        first, second = await asyncio.gather(mai.post_form(f"/admin/feedback/{ticket.id}/take"),
                                             nam.post_form(f"/admin/feedback/{ticket.id}/take"))
        outcomes = sorted([first.headers["Location"].rsplit("?", 1)[1], second.headers["Location"].rsplit("?", 1)[1]])
        assert outcomes == ["done=take", "problem=take_already"]
        loser = nam if second.headers["Location"].endswith("take_already") else mai
        page = await (await loser.get(f"/admin/feedback/{ticket.id}?problem=take_already")).text()
    [ticket] = await all_tickets(services)
    assert f"đã được {ticket.assignee_label} nhận xử lý trước bạn" in page
    assert len(await received(services)) == 1  # the citizen is told once
    assert [a for a, _ in await audit_actions(services)] == ["feedback_take"]


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(conversation, services):
    ticket = await filed(conversation)
    async with signed_in_client(services, Role.FEEDBACK) as client:
        page = await (await client.get(f"/admin/feedback/{ticket.id}")).text()
        key = csrf_of(page)
        empty = await client.post_form(f"/admin/feedback/{ticket.id}/answer", {"text": "   ", "form_key": key})
        assert empty.status == 400 and "Bạn chưa nhập nội dung trả lời" in await empty.text()
        long = "Nội dung rất dài. " * 300
        too_long = await client.post_form(f"/admin/feedback/{ticket.id}/answer", {"text": long, "form_key": key})
        text = await too_long.text()
        assert too_long.status == 400 and "quá giới hạn 3.500 ký tự" in text and long.strip()[:200] in text
        forged = await client.post_form(f"/admin/feedback/{ticket.id}/answer", {"text": "Chào anh", "form_key": "x"})
        assert forged.status == 400 and "Biểu mẫu trả lời đã cũ" in await forged.text()
        nowhere = await client.post_form(f"/admin/feedback/{ticket.id}/forward", {"unit": "../../etc"})
        assert nowhere.status == 400 and "chưa chọn đơn vị" in await nowhere.text()
        for path in ("/admin/feedback/999999999", "/admin/feedback/999999999999999999/take"):
            response = await (client.get(path) if path.endswith("9") else client.post_form(path))
            assert response.status == 404 and "Không tìm thấy" in await response.text()
        assert (await client.get("/admin/feedback/1234567890123456789")).status == 404  # past the id pattern
        no_token = await client.post(f"/admin/feedback/{ticket.id}/resolve", allow_redirects=False)
        assert no_token.status == 403
    assert await notices(services) == [] and await audit_actions(services) == []
    [ticket] = await all_tickets(services)
    assert ticket.status == TicketStatus.NEW


async def test_an_erased_citizen_cannot_be_answered(conversation, services):
    ticket = await filed(conversation)
    chat = Chat(conversation, user_id=CITIZEN)
    await chat.send("/xoadulieu")
    await chat.tap("Xoá dữ liệu của tôi")
    [ticket] = await all_tickets(services)
    assert ticket.erased_at is not None
    async with signed_in_client(services, Role.FEEDBACK) as client:
        page = await (await client.get(f"/admin/feedback/{ticket.id}")).text()
        assert "đã yêu cầu xoá dữ liệu cá nhân" in page and "Gửi trả lời" not in page
        key = "k" * 20
        sent = await client.post_form(f"/admin/feedback/{ticket.id}/answer", {"text": "Chào anh", "form_key": key})
        assert sent.headers["Location"].endswith("?problem=answer_erased")


async def test_only_the_feedback_desk_and_admins_see_the_desk(conversation, services):
    ticket = await filed(conversation)
    for role in (Role.EDITOR, Role.CONTEST):
        async with signed_in_client(services, role) as client:
            assert (await client.get("/admin/feedback")).status == 403
            assert (await client.post_form(f"/admin/feedback/{ticket.id}/take")).status == 403
            assert (await client.get(f"/admin/feedback/{ticket.id}/photos/1")).status == 403
    async with signed_in_client(services, Role.ADMIN) as client:
        assert (await client.get("/admin/feedback")).status == 200
        assert 'href="/admin/feedback"' in await (await client.get("/admin/")).text()  # in the menu
    assert await notices(services) == []


async def test_the_same_answer_form_from_two_tabs_at_once_is_kept_once(conversation, services):
    ticket = await filed(conversation)
    async with signed_in_client(services, Role.FEEDBACK) as client:
        key = csrf_of(await (await client.get(f"/admin/feedback/{ticket.id}")).text())
        form = {"text": "Chào anh, hồ sơ đã có kết quả.", "form_key": key}
        results = await asyncio.gather(*(client.post_form(f"/admin/feedback/{ticket.id}/answer", form)
                                         for _ in range(3)))
    ends = sorted(r.headers["Location"].rsplit("?", 1)[1] for r in results)
    assert ends == ["done=answer", "problem=answer_already", "problem=answer_already"]
    assert [n.kind for n in await notices(services)] == ["answer"]
    assert len(await received(services)) == 1


# ---------------------------------------------------------------- photos

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7\x9a\xa0\xa0\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")


async def test_photos_sent_on_telegram_are_served_to_signed_in_staff_only(telegram_desk, services):
    fake = telegram_desk.fake
    code = await file_by_telegram(fake, contact=None)
    [ticket] = await all_tickets(services)
    assert ticket.code == code and len(ticket.attachments) == 1
    photo = f"{telegram_desk.url}/admin/feedback/{ticket.id}/photos/1"
    async with aiohttp.ClientSession() as nobody:  # no session: the sign-in page, never the photo
        async with nobody.get(photo, allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"].startswith("/admin/login")
    user = await make_staff(services, Role.FEEDBACK)
    token, _ = await open_session(services, user)
    async with aiohttp.ClientSession(cookies={COOKIE: token}) as staff:
        async with staff.get(photo) as response:
            assert response.status == 200 and response.content_type == "image/jpeg"
            assert await response.read() == JPEG_BYTES  # the very photo the citizen sent
            assert "no-store" in response.headers["Cache-Control"]
        async with staff.get(photo.replace("/photos/1", "/photos/2")) as response:
            assert response.status == 404
        async with staff.get(f"{telegram_desk.url}/admin/feedback/{ticket.id}") as response:
            assert f'src="/admin/feedback/{ticket.id}/photos/1"' in await response.text()


async def test_a_photo_that_is_not_an_image_or_cannot_be_had_is_not_served(telegram_desk, services):
    fake = telegram_desk.fake
    await after(fake, CITIZEN_TG, lambda: fake.push_text(CITIZEN_TG, "/phananh"))
    await after(fake, CITIZEN_TG, lambda: fake.push_callback(CITIZEN_TG, "fbc:chung"))
    await after(fake, CITIZEN_TG, lambda: fake.push_callback(CITIZEN_TG, "fbu:"))
    await after(fake, CITIZEN_TG, lambda: fake.push_photo(CITIZEN_TG, caption="Ảnh", content=b"<html>not a photo"))
    await after(fake, CITIZEN_TG, lambda: fake.push_callback(CITIZEN_TG, "fbd"))
    await after(fake, CITIZEN_TG, lambda: fake.push_callback(CITIZEN_TG, "fbo:no"))
    await after(fake, CITIZEN_TG, lambda: fake.push_callback(CITIZEN_TG, "fbs"))
    [ticket] = await all_tickets(services)
    async with services.db.session() as db:  # a second "photo" whose file id Telegram does not know
        await db.execute(update(FeedbackTicket).where(FeedbackTicket.id == ticket.id).values(
            attachments=[*ticket.attachments, "AgACAgIAAxkBAAunknown"]))
        await db.commit()
    user = await make_staff(services, Role.FEEDBACK)
    token, _ = await open_session(services, user)
    async with aiohttp.ClientSession(cookies={COOKIE: token}) as staff:
        for number in (1, 2):
            async with staff.get(f"{telegram_desk.url}/admin/feedback/{ticket.id}/photos/{number}") as response:
                assert response.status == 503 and response.content_type == "text/plain"
                assert "Chưa tải được ảnh" in await response.text()


async def test_photos_sent_on_zalo_are_fetched_from_their_address(conversation, services, aiohttp_server_factory):
    async def photo_file(_: web.Request) -> web.Response:
        return web.Response(body=PNG, content_type="application/octet-stream")

    async def web_page(_: web.Request) -> web.Response:
        return web.Response(text="<html></html>", content_type="text/html")

    site = web.Application()
    site.router.add_get("/photo.png", photo_file)
    site.router.add_get("/page", web_page)
    server = await aiohttp_server_factory(site)
    ticket = await filed(conversation)
    async with services.db.session() as db:
        await db.execute(update(FeedbackTicket).where(FeedbackTicket.id == ticket.id).values(
            channel="zalo", attachments=[str(server.make_url("/photo.png")), str(server.make_url("/page")),
                                         "file:///etc/passwd"]))
        await db.commit()
    sender = ZaloSender(services)
    services.senders["zalo"] = sender
    try:
        [ticket] = await all_tickets(services)
        found = await photos.fetch(services, ticket, 1)
        assert found is not None and found.content_type == "image/png" and found.data == PNG
        assert await photos.fetch(services, ticket, 2) is None  # a web page is not a photo
        assert await photos.fetch(services, ticket, 3) is None  # only web addresses are fetched
        assert await photos.fetch(services, ticket, 4) is None  # no such photo
    finally:
        await sender.close()
