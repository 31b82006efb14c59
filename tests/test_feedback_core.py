"""Filing feedback through the conversation core, and the staff desk side with the answer
relayed back to the citizen's channel (the web chat's history here)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from bot.channels.websender import WebSender
from bot.conversation.conversation import Conversation
from bot.db.events import EventKind
from bot.db.models_feedback import TicketStatus
from bot.kernel.clock import VN
from bot.kernel.messages import Incoming
from tests.conftest import Chat
from tests.feedback_helpers import (
    DESK_CHAT,
    RecordingDesk,
    all_tickets,
    events_of,
    group_tap,
    group_text,
    notices,
    payloads,
)

YEAR = datetime.now(VN).year
DESCRIPTION = "Ngày 10/3 tôi nộp hồ sơ đăng ký hộ kinh doanh tại bộ phận một cửa nhưng quá hạn vẫn chưa có kết quả."


@pytest.fixture
def desk(services) -> RecordingDesk:
    services.staff_desk = RecordingDesk()
    return services.staff_desk


@pytest.fixture
def inbox(services) -> WebSender:
    services.senders["web"] = WebSender.build(services)
    return services.senders["web"]


async def file_ticket(chat: Chat, text: str = DESCRIPTION, contact: str | None = None) -> str:
    """The whole flow by buttons; returns the tracking code."""
    await chat.press("fb")
    await chat.press("fbc:thu-tuc-hanh-chinh")
    await chat.press("fbu:phuong-phu-loi")
    await chat.send(text)
    await chat.press("fbd")
    if contact:
        await chat.press("fbo:yes")
        await chat.send(contact)
    else:
        await chat.press("fbo:no")
    await chat.press("fbs")
    match = re.search(r"PA-\d{4}-\d{6}", chat.text)
    assert match, chat.text
    return match.group(0)


async def test_whole_flow_from_the_hotline_menu(chat: Chat, services, desk, content_store):
    await chat.send("/start")
    await chat.tap("Đường dây nóng")
    await chat.tap("Gửi phản ánh")
    assert "Bước 1/4" in chat.text
    await chat.tap("Thủ tục hành chính")
    assert "Bước 2/4" in chat.text
    await chat.tap("Xã, phường (gõ tên)")  # ~100 wards: typed, never listed
    assert "gõ tên xã, phường" in chat.text
    await chat.send("phuong 2 tp soc trang")  # its name before 1 July 2025
    assert "Phường 2, Thành phố Sóc Trăng, Tỉnh Sóc Trăng nay thuộc Phường Phú Lợi." in chat.text
    await chat.tap("Phường Phú Lợi")
    assert "Bước 3/4" in chat.text
    await chat.send(DESCRIPTION)
    assert "Đã ghi nhận" in chat.text
    await chat.send("Tôi đề nghị cơ quan kiểm tra và trả lời.")
    await chat.tap("Xong")
    assert "Bước 4/4" in chat.text and "/xoadulieu" in chat.text
    await chat.tap("Đồng ý")
    await chat.send("Nguyễn Văn An 0912 345 678")
    summary = chat.text
    assert "Phường Phú Lợi" in summary and "Nguyễn Văn An" in summary
    assert "0912 *** 678" in summary and "0912345678" not in summary  # masked in the chat
    await chat.tap("Gửi phản ánh")
    assert f"PA-{YEAR}-000001" in chat.text and "Tiếp theo" in chat.text

    [ticket] = await all_tickets(services)
    assert ticket.code == f"PA-{YEAR}-000001" and ticket.status == TicketStatus.NEW
    assert ticket.category == "thu-tuc-hanh-chinh" and ticket.unit_id == "phuong-phu-loi"
    assert ticket.description.startswith(DESCRIPTION) and "đề nghị cơ quan" in ticket.description
    assert (ticket.contact_name, ticket.contact_phone) == ("Nguyễn Văn An", "0912345678")
    assert ticket.contact_consent_at is not None and ticket.channel == "web"
    # Posted to the staff desk, with the full contact for staff and the buttons to act.
    card = desk.messages[ticket.desk_message]
    assert ticket.code in card.text and "0912345678" in card.text and DESCRIPTION in card.text
    assert payloads([card]) == [f"fbtake:{ticket.id}", f"fbfwd:{ticket.id}", f"fbres:{ticket.id}"]
    [filed] = await events_of(services, EventKind.FEEDBACK_FILED)
    assert (filed.topic, filed.item, filed.outcome) == ("thu-tuc-hanh-chinh", "phuong-phu-loi", "with_contact")
    # The flow is over: free text is a question again.
    assert (await chat.send("cảm ơn"))[0].text != summary


async def test_typed_place_subject_shortcut_and_no_contact_without_consent(chat: Chat, services):
    await chat.press("fb:dich-vu-cong-truc-tuyen")  # from a hotline subject: category chosen
    assert "Bước 2/4" in chat.text
    await chat.send("Bộ phận một cửa UBND xã An Hiệp")
    # A former commune's name: the commune it is part of now is offered, the text kept on request.
    assert "Xã An Hiệp, Huyện Châu Thành, Tỉnh Sóc Trăng nay thuộc Xã An Ninh." in chat.text
    assert chat.labels()[:2] == ["Xã An Ninh", "✍️ Giữ như đã gõ"]
    await chat.tap("Giữ như đã gõ")
    assert "Bước 3/4" in chat.text
    await chat.send("Cổng dịch vụ công báo lỗi khi tôi thanh toán lệ phí trực tuyến.")
    await chat.press("fbd")
    await chat.send("không")  # typed answer to the consent question
    assert "không để lại" in chat.text
    await chat.send("gửi")
    [ticket] = await all_tickets(services)
    assert ticket.place == "Bộ phận một cửa UBND xã An Hiệp" and ticket.unit_id is None
    assert ticket.category == "dich-vu-cong-truc-tuyen"
    assert ticket.contact_name is None and ticket.contact_phone is None and ticket.contact_consent_at is None


async def test_invalid_contact_is_asked_again_and_can_be_skipped(chat: Chat, services):
    await chat.press("fb:chung")
    await chat.press("fbu:")
    await chat.send(DESCRIPTION)
    await chat.press("fbd")
    await chat.press("fbo:yes")
    await chat.send("Nguyễn Văn An, số 123")
    assert "chưa thấy số điện thoại" in chat.text
    await chat.tap("Bỏ qua")
    assert "không để lại" in chat.text
    await chat.press("fbs")
    [ticket] = await all_tickets(services)
    assert ticket.contact_phone is None and ticket.place is None and ticket.unit_id is None


@pytest.mark.parametrize("step", ["category", "place", "text", "consent", "contact", "confirm"])
@pytest.mark.parametrize("how", ["button", "typed", "command"])
async def test_cancel_at_any_step(chat: Chat, services, step, how):
    steps = {
        "category": [("press", "fb")],
        "place": [("press", "fb:chung")],
        "text": [("press", "fb:chung"), ("press", "fbu:")],
        "consent": [("press", "fb:chung"), ("press", "fbu:"), ("send", DESCRIPTION), ("press", "fbd")],
        "contact": [("press", "fb:chung"), ("press", "fbu:"), ("send", DESCRIPTION), ("press", "fbd"),
                    ("press", "fbo:yes")],
        "confirm": [("press", "fb:chung"), ("press", "fbu:"), ("send", DESCRIPTION), ("press", "fbd"),
                    ("press", "fbo:no")],
    }
    for action, value in steps[step]:
        await getattr(chat, action)(value)
    if how == "button":
        await chat.tap("Hủy")
    elif how == "typed":
        await chat.send("Hủy")
    else:
        await chat.send("/huy")
    assert "Đã hủy" in chat.text
    await chat.press("fbs")  # nothing is left to send
    assert "Không có phản ánh nào đang chờ gửi" in chat.text
    assert await all_tickets(services) == []
    [cancelled] = await events_of(services, EventKind.FEEDBACK_CANCELLED)
    assert cancelled.outcome == step


async def test_double_tap_on_send_files_once(conversation: Conversation, services):
    chat = Chat(conversation)
    await file_ticket(chat)
    again = await chat.press("fbs")
    assert "Không có phản ánh nào đang chờ gửi" in again[0].text
    assert len(await all_tickets(services)) == 1


async def test_empty_short_and_very_long_descriptions_are_handled_politely(chat: Chat, services):
    await chat.press("fb:chung")
    await chat.press("fbu:")
    await chat.press("fbd")
    assert "chưa nhập nội dung" in chat.text
    await chat.send("chậm quá")
    await chat.press("fbd")
    assert "còn khá ngắn" in chat.text
    await chat.send("x" * 6000)
    await chat.send("y" * 6000)  # over the 10,000-character limit in total
    assert "tối đa 10000 ký tự" in chat.text.replace(".", "")
    await chat.send("😀" * 10)  # nothing more fits; still polite
    assert "tối đa" in chat.text
    await chat.press("fbd")
    await chat.press("fbo:no")
    assert "…" in chat.text  # the summary shows a preview, not 10,000 characters
    assert len(chat.text) < 1000
    await chat.press("fbs")
    [ticket] = await all_tickets(services)
    assert len(ticket.description) == 10_000 and ticket.description.startswith("chậm quá")


async def test_photos_are_kept_where_the_channel_sends_them(conversation: Conversation, services, desk):
    user = "telegram-photo-user"

    async def send(**kw) -> str:
        replies = await conversation.handle(Incoming("telegram", user, **kw))
        return "\n".join(r.text for r in replies)

    assert "chỉ đọc được tin nhắn chữ" in await send(kind="image", attachments=("file-0",))  # not in the flow
    await conversation.handle(Incoming.button("telegram", user, "fb:chung"))
    await conversation.handle(Incoming.button("telegram", user, "fbu:"))
    for i in range(6):
        text = await send(kind="image", text="ảnh hiện trường" if i == 0 else None, attachments=(f"file-{i}",))
    assert "tối đa 5 ảnh" in text
    await conversation.handle(Incoming.button("telegram", user, "fbd"))
    await conversation.handle(Incoming.button("telegram", user, "fbo:no"))
    await conversation.handle(Incoming.button("telegram", user, "fbs"))
    [ticket] = await all_tickets(services)
    assert ticket.attachments == [f"file-{i}" for i in range(5)] and ticket.description == "ảnh hiện trường"
    photos = sorted(desk.photos.values())
    assert [p for p, _ in photos] == [f"file-{i}" for i in range(5)]
    assert all(ticket.code in caption for _, caption in photos)


async def test_daily_limit_per_person(conversation: Conversation, services):
    services.settings.feedback_daily_limit = 2
    alice, bob = Chat(conversation, user_id="citizen-alice"), Chat(conversation, user_id="citizen-bob")
    codes = [await file_ticket(alice), await file_ticket(alice)]
    assert codes == [f"PA-{YEAR}-000001", f"PA-{YEAR}-000002"]
    await alice.press("fb")
    assert "mức tối đa trong một ngày" in alice.text and "Bước 1/4" not in alice.text
    assert await file_ticket(bob) == f"PA-{YEAR}-000003"  # others are not affected
    assert len(await events_of(services, EventKind.FEEDBACK_LIMITED)) == 1


async def test_lookup_by_command_and_typed_code_for_the_owner_only(conversation: Conversation, services):
    owner, stranger = Chat(conversation, user_id="citizen-owner"), Chat(conversation, user_id="citizen-other")
    code = await file_ticket(owner)
    for asked in (f"/tracuu {code}", code, code.lower().replace("-", " "), f"PA-{YEAR}-1"):
        replies = await owner.send(asked)
        assert code in replies[0].text and "đang chờ cán bộ xử lý" in replies[0].text, asked
    await owner.send("/tracuu")
    assert any(code in label for label in owner.labels())
    await owner.tap(code)
    assert "Tình trạng" in owner.text
    for asked in (f"/tracuu {code}", code, f"PA-{YEAR}-999999"):
        replies = await stranger.send(asked)
        assert "Không tìm thấy" in replies[0].text and DESCRIPTION[:20] not in replies[0].text
    await stranger.press(f"fbt:{code}")
    assert "Không tìm thấy" in stranger.text
    await owner.send("/tracuu abc")
    assert "/tracuu kèm mã" in owner.text


async def test_staff_group_takes_forwards_answers_and_resolves(conversation: Conversation, services, desk, inbox):
    citizen = Chat(conversation, user_id="citizen-web-01")
    code = await file_ticket(citizen, contact="Trần Thị Bình 0987 654 321")
    [ticket] = await all_tickets(services)
    card_id = ticket.desk_message

    replies = await conversation.handle(group_tap(f"fbtake:{ticket.id}"))
    assert replies[0].text == f"👤 Hà đã nhận xử lý {code}."
    again = await conversation.handle(group_tap(f"fbtake:{ticket.id}", staff_id="5002", name="Minh"))
    assert "đã có người nhận xử lý (Hà)" in again[0].text
    assert "Người xử lý: Hà" in desk.messages[card_id].text
    assert f"fbtake:{ticket.id}" not in payloads([desk.messages[card_id]])

    kinds = await conversation.handle(group_tap(f"fbfwd:{ticket.id}"))
    assert f"fbfk:{ticket.id}:so" in payloads(kinds)
    units = await conversation.handle(group_tap(f"fbfk:{ticket.id}:so"))
    assert f"fbfu:{ticket.id}:so-tu-phap" in payloads(units)
    done = await conversation.handle(group_tap(f"fbfu:{ticket.id}:so-tu-phap"))
    assert "Sở Tư pháp" in done[0].text

    answer = "Sở Tư pháp đã kiểm tra; hồ sơ của bà được trả kết quả ngày 20/3."
    replies = await conversation.handle(group_text(answer, quoted=desk.messages[card_id].text))
    assert "Đã ghi nhận trả lời của Hà" in replies[0].text
    resolved = await conversation.handle(group_tap(f"fbres:{ticket.id}"))
    assert "đã giải quyết xong" in resolved[0].text
    twice = await conversation.handle(group_tap(f"fbres:{ticket.id}"))
    assert "trước đó" in twice[0].text
    assert payloads([desk.messages[card_id]]) == []  # nothing left to do on the card

    # Everything reached the citizen's web chat, in order, once.
    received = [m["replies"][0]["text"] for m in await inbox.history.outside_after("citizen-web-01", 0)]
    assert len(received) == 4
    assert "tiếp nhận" in received[0] and "Sở Tư pháp" in received[1]
    assert answer in received[2] and code in received[2] and "giải quyết xong" in received[3]
    assert all(n.delivered_at for n in await notices(services))
    [ticket] = await all_tickets(services)
    assert ticket.status == TicketStatus.RESOLVED and ticket.forwarded_to == "so-tu-phap"
    # The citizen's status view shows the answer.
    await citizen.send(code)
    assert answer in citizen.text and "đã giải quyết xong" in citizen.text
    # Engagement: time to first answer and to resolution are logged.
    [answered] = await events_of(services, EventKind.FEEDBACK_ANSWERED)
    [resolved_event] = await events_of(services, EventKind.FEEDBACK_RESOLVED)
    assert answered.outcome == "first" and 0 <= answered.value < 1
    assert 0 <= resolved_event.value < 1 and resolved_event.channel == "web"
    assert len(await events_of(services, EventKind.FEEDBACK_FORWARDED)) == 1
    assert len(await events_of(services, EventKind.FEEDBACK_TAKEN)) == 1


async def test_staff_answer_by_command_and_errors(conversation: Conversation, services, desk, inbox):
    citizen = Chat(conversation, user_id="citizen-web-02")
    code = await file_ticket(citizen)
    usage = await conversation.handle(group_text("/traloi"))
    assert "/traloi <mã phản ánh>" in usage[0].text
    missing = await conversation.handle(group_text(f"/traloi PA-{YEAR}-000777 Đã xử lý."))
    assert f"PA-{YEAR}-000777" in missing[0].text and "Không tìm thấy" in missing[0].text
    await conversation.handle(group_text(f"/traloi@cchc_test_bot {code.lower()} Cảm ơn bạn, chúng tôi đang xác minh."))
    no_code = await conversation.handle(group_text("Đã xử lý", quoted="Một tin nhắn không có mã"))
    assert "không biết tin nhắn này trả lời cho phản ánh nào" in no_code[0].text
    received = [m["replies"][0]["text"] for m in await inbox.history.outside_after("citizen-web-02", 0)]
    assert len(received) == 1 and received[0].endswith("Cảm ơn bạn, chúng tôi đang xác minh.")


async def test_outsiders_cannot_act_on_tickets(conversation: Conversation, services, desk):
    citizen = Chat(conversation, user_id="citizen-web-03")
    code = await file_ticket(citizen)
    [ticket] = await all_tickets(services)
    # Another group the bot is in: silence, nothing changes.
    assert await conversation.handle(group_tap(f"fbres:{ticket.id}", chat="-100999")) == []
    assert await conversation.handle(group_text(f"/traloi {code} xin chào", chat="-100999")) == []
    assert await conversation.handle(group_text(f"/tracuu {code}", chat="-100999")) == []
    assert await conversation.handle(group_text("/start", chat=DESK_CHAT)) == []  # not a group command
    # A citizen forging a staff payload or command in a private chat: refused politely.
    for attempt in (citizen.press(f"fbres:{ticket.id}"), citizen.send(f"/traloi {code} xong"),
                    citizen.send("/dsphananh")):
        replies = await attempt
        assert "chỉ dành cho cán bộ" in replies[0].text
    [ticket] = await all_tickets(services)
    assert ticket.status == TicketStatus.NEW and ticket.answered_at is None


async def test_staff_role_works_in_private_chat_too(conversation: Conversation, services):
    from bot import staff as staff_roles
    from bot.db.models import Role

    citizen = Chat(conversation, user_id="citizen-web-04")
    code = await file_ticket(citizen)
    async with services.db.session() as s:
        await staff_roles.grant(s, "web", "editor-0001", Role.EDITOR)
        await s.commit()
    editor = Chat(conversation, user_id="editor-0001")
    await editor.send("/dsphananh")
    assert code in editor.text or any(code in label for label in editor.labels())
    await editor.tap(code)
    assert "Nhận xử lý" in " ".join(editor.labels())
    await editor.send(f"/tracuu {code}")  # staff see any ticket's card
    assert DESCRIPTION[:30] in editor.text
    await editor.send(f"/traloi {code} Đã chuyển bộ phận chuyên môn.")
    assert "Đã ghi nhận trả lời của cán bộ" in editor.text


async def test_unreachable_citizen_is_reported_to_the_desk(conversation: Conversation, services, desk):
    """The terminal cannot be pushed to: the answer stays readable with /tracuu."""
    citizen = Chat(conversation, channel="terminal", user_id="tester")
    code = await file_ticket(citizen)
    await conversation.handle(group_text(f"/traloi {code} Đã xử lý xong."))
    assert any("Chưa gửi được" in t and code in t for t in desk.texts())
    [notice] = await notices(services)
    assert notice.failed_at is not None and notice.error == "no_push"
    await citizen.send(f"/tracuu {code}")
    assert "Đã xử lý xong." in citizen.text


async def test_desk_down_then_the_worker_posts_once(conversation: Conversation, services, desk):
    from bot.feedback.delivery import FeedbackWorker

    desk.fail_posts = 1
    citizen = Chat(conversation, user_id="citizen-web-05")
    await file_ticket(citizen)
    [ticket] = await all_tickets(services)
    assert ticket.desk_message is None and desk.messages == {}
    worker = FeedbackWorker(services)
    await worker.run_once()
    await worker.run_once()
    [ticket] = await all_tickets(services)
    assert ticket.desk_message is not None and len(desk.messages) == 1


async def test_contact_details_never_reach_the_logs(conversation: Conversation, services, desk, caplog, monkeypatch):
    """Even at LOG_LEVEL=DEBUG, when all goes well and when storing the ticket fails."""
    import logging

    from sqlalchemy import text

    from bot.feedback import tickets as tickets_module
    from bot.logs import JsonFormatter, setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("DEBUG")
    root.addHandler(caplog.handler)
    try:
        chat = Chat(conversation, user_id="citizen-logs")
        await file_ticket(chat, contact="Phạm Thu Trang 0977 111 222")
        original = tickets_module.create

        async def failing_create(session, draft, **kw):  # a database error carrying the phone
            await session.execute(text("INSERT INTO feedback_tickets (id) VALUES (:phone)"),
                                  {"phone": draft.contact_phone})
            return await original(session, draft, **kw)

        monkeypatch.setattr(tickets_module, "create", failing_create)
        await chat.press("fb:chung")
        await chat.press("fbu:")
        await chat.send(DESCRIPTION)
        await chat.press("fbd")
        await chat.press("fbo:yes")
        await chat.send("Phạm Thu Trang 0977 111 222")
        await chat.press("fbs")
        assert "hệ thống đang bận" in chat.text
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    logged = "\n".join(JsonFormatter().format(r) for r in caplog.records)  # what the bot writes
    assert "handler failed" in logged and ("IntegrityError" in logged or "DataError" in logged)
    assert "0977111222" not in logged and "0977 111 222" not in logged and "Phạm Thu Trang" not in logged
