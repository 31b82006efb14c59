"""Feedback filed on Zalo: photos arrive as URLs, the staff answer goes back through the
Zalo sender, and a closed reply window is reported to the staff desk."""

from __future__ import annotations

from datetime import timedelta

from bot.kernel.clock import utcnow
from tests.fakes.zalo_api import ZaloChat
from tests.feedback_helpers import RecordingDesk, all_tickets, group_text, notices

DAY = 24 * 3600


async def file_on_zalo(zalo_chat: ZaloChat, zalo_fake) -> str:
    await zalo_chat.send("/phananh")
    await zalo_chat.send("#fbc:dich-vu-cong-truc-tuyen")
    await zalo_chat.send("Cổng dịch vụ công của tỉnh")
    await zalo_chat.send("Tôi không thanh toán được lệ phí trực tuyến, trang báo lỗi liên tục.")
    await zalo_chat._after(zalo_fake.user_sends_image(zalo_chat.user_id, "https://photo.example/loi.jpg", "Ảnh lỗi"))
    assert "1 ảnh" in zalo_chat.text
    await zalo_chat.send("#fbd")
    await zalo_chat.send("#fbo:no")
    await zalo_chat.send("#fbs")
    assert "Mã tra cứu" in zalo_chat.text
    [ticket] = await all_tickets(zalo_chat.channel.services)
    return ticket.code


async def test_answer_reaches_the_zalo_user(zalo_chat: ZaloChat, zalo_bot, zalo_fake, services):
    desk = services.staff_desk = RecordingDesk()
    code = await file_on_zalo(zalo_chat, zalo_fake)
    [ticket] = await all_tickets(services)
    assert ticket.channel == "zalo" and ticket.attachments == ["https://photo.example/loi.jpg"]
    assert [p for p, _ in desk.photos.values()] == ["https://photo.example/loi.jpg"]
    await zalo_bot.conversation.handle(group_text(f"/traloi {code} Sở đã khắc phục lỗi thanh toán."))
    pushed = zalo_fake.messages_to(zalo_chat.user_id)[-1]
    assert "Sở đã khắc phục lỗi thanh toán." in pushed.text and code in pushed.text
    assert all(n.delivered_at for n in await notices(services))


async def test_closed_reply_window_is_reported_to_the_desk(zalo_chat: ZaloChat, zalo_bot, zalo_fake, services):
    desk = services.staff_desk = RecordingDesk()
    code = await file_on_zalo(zalo_chat, zalo_fake)
    zalo_bot.services.senders["zalo"].clock = lambda: utcnow() + timedelta(days=8)
    zalo_fake.advance(8 * DAY)
    await zalo_bot.conversation.handle(group_text(f"/traloi {code} Trả lời muộn."))
    [warning] = [t for t in desk.texts() if "Chưa gửi được" in t]
    assert code in warning and "Zalo" in warning
    [notice] = await notices(services)
    assert notice.failed_at is not None and notice.error == "OutsideReplyWindow"


async def test_erasure_on_zalo_leaves_no_trace_of_the_zalo_id(zalo_chat: ZaloChat, zalo_bot, zalo_fake, services):
    import json

    from bot.db.models_inbox import WebhookInbox
    from tests.test_privacy import dump_database

    services.staff_desk = RecordingDesk()
    await zalo_chat.follow()
    await file_on_zalo(zalo_chat, zalo_fake)
    async with services.db.session() as s:  # an event stored but not handled yet
        s.add(WebhookInbox(channel="zalo", body=json.dumps({"sender": {"id": zalo_chat.user_id}})))
        await s.commit()
    assert zalo_chat.user_id in await dump_database(services)
    await zalo_chat.send("/xoadulieu")
    await zalo_chat.send("#prv:yes")
    assert "Đã xoá dữ liệu cá nhân" in zalo_chat.text
    left = await dump_database(services)
    assert zalo_chat.user_id not in left and "photo.example" not in left
    from sqlalchemy import func, select

    from bot.db.models_zalo import ZaloContact

    async with services.db.session() as s:  # follow state and last contact times are gone
        assert (await s.execute(select(func.count()).select_from(ZaloContact))).scalar_one() == 0
