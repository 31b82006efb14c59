"""/xoadulieu: a person's personal data is gone from every table, and the counts reports
are built from still hold."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot.channels.websender import WebSender
from bot.conversation.conversation import Conversation
from bot.db.all_models import Base
from bot.db.events import EventKind
from bot.db.models import EngagementEvent, Subscription, User
from bot.db.models_feedback import FeedbackTicket
from bot.kernel.messages import Incoming
from bot.privacy.erasure import TABLES
from tests.conftest import Chat
from tests.feedback_helpers import RecordingDesk, all_tickets, group_tap, group_text
from tests.test_feedback_core import file_ticket

SESSION = "citizen-erase-me"
NAME, PHONE = "Nguyễn Thị Hồng", "0912345678"
DESCRIPTION = "Tôi ở ấp Hòa Phú, cán bộ tiếp nhận hồ sơ yêu cầu tôi nộp thêm giấy tờ không có trong quy định."
QUESTION = "nha toi o so 12 duong le loi can lam giay to gi"
ANSWER = "Chúng tôi đã làm việc với bộ phận một cửa; đề nghị bà liên hệ lại ngày 15."


def test_every_table_is_covered_by_the_erasure():
    """A new table must say what erasing a person does to it (or that it holds nothing)."""
    assert set(TABLES) == set(Base.metadata.tables), "add the new table to bot/privacy/erasure.py TABLES"
    assert list(TABLES)[-1] == "users"


async def dump_database(services) -> str:
    """Every value in every table, as text."""
    parts = []
    async with services.db.session() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).all():
                parts.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(parts)


async def report_counts(services) -> dict:
    async with services.db.session() as s:
        kinds = Counter(dict((await s.execute(
            select(EngagementEvent.kind, func.count()).group_by(EngagementEvent.kind))).all()))
        people = (await s.execute(select(func.count(func.distinct(EngagementEvent.user_key))))).scalar_one()
        tickets = Counter(dict((await s.execute(
            select(FeedbackTicket.category, func.count()).group_by(FeedbackTicket.category))).all()))
        answered = (await s.execute(select(func.count()).where(FeedbackTicket.answered_at.is_not(None)))).scalar_one()
        users = (await s.execute(select(func.count()).select_from(User))).scalar_one()
    return {"kinds": kinds, "people": people, "tickets": tickets, "answered": answered, "users": users}


@pytest.fixture
def desk(services) -> RecordingDesk:
    services.staff_desk = RecordingDesk()
    services.senders["web"] = WebSender.build(services)
    return services.staff_desk


async def test_erasure_removes_personal_data_everywhere_and_keeps_counts(conversation: Conversation, services, desk):
    person = Chat(conversation, user_id=SESSION)
    other = Chat(conversation, user_id="citizen-keeps-data")
    await person.send("/start")
    await person.press("sub:all")
    await person.send(QUESTION)  # unanswered questions are logged as text for editors
    code = await file_ticket(person, DESCRIPTION + " " + "Chi tiết. " * 400, contact=f"{NAME} {PHONE}")
    await person.press("fb:chung")  # a second ticket, with a photo, left unanswered
    await person.press("fbu:")
    await conversation.handle(Incoming("web", SESSION, "image", text=DESCRIPTION, attachments=("photo-file-1",)))
    await person.press("fbd")
    await person.press("fbo:no")
    await person.press("fbs")
    other_code = await file_ticket(other, "Cổng dịch vụ công không gửi được mã OTP khi đăng nhập.")
    await other.press("sub:all")
    [mine, mine2, theirs] = await all_tickets(services)
    assert mine.desk_extra and mine2.desk_extra  # long text and the photo went to the desk too
    await conversation.handle(group_text(f"/traloi {code} {ANSWER}"))
    await conversation.handle(group_tap(f"fbres:{mine.id}"))
    await conversation.handle(group_tap(f"fbtake:{mine2.id}"))  # a notice waiting is erased too
    before_text = await dump_database(services)
    for secret in (PHONE, NAME, DESCRIPTION[:40], SESSION, "so 12 duong le loi", ANSWER, "photo-file-1"):
        assert secret in before_text, secret

    await person.send("/xoadulieu")
    assert "không thể hoàn tác" in person.text
    before = await report_counts(services)
    await person.tap("Xoá dữ liệu của tôi")
    assert "Đã xoá dữ liệu cá nhân" in person.text

    after_text = await dump_database(services)
    for secret in (PHONE, NAME, DESCRIPTION[:40], SESSION, "so 12 duong le loi", ANSWER, "photo-file-1"):
        assert secret not in after_text, secret
    after = await report_counts(services)
    assert after["kinds"] == before["kinds"] + Counter({EventKind.MESSAGE_IN: 1, EventKind.DATA_ERASED: 1})
    assert after["people"] == before["people"]  # re-keyed, not dropped
    assert after["tickets"] == before["tickets"] and after["answered"] == before["answered"] == 1
    assert after["users"] == before["users"]
    async with services.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Subscription))).scalar_one() == 1
    # The other citizen keeps everything.
    [_, _, theirs] = await all_tickets(services)
    assert theirs.description and theirs.code == other_code and theirs.user_id is not None
    # Staff-desk posts were redacted: the cards say so, the extra messages are gone.
    cards = [desk.messages[t.desk_message].text for t in (mine, mine2)]
    assert all("đã yêu cầu xoá dữ liệu" in card for card in cards)
    assert not any(m in desk.messages or m in desk.photos for m in mine.desk_extra + mine2.desk_extra)
    # Coming back is starting afresh: nothing links to the old tickets.
    await person.send(f"/tracuu {code}")
    assert "Không tìm thấy" in person.text
    await person.send("/tracuu")
    assert "chưa gửi phản ánh nào" in person.text
    # Staff can no longer reach them, and are told why.
    replies = await conversation.handle(group_text(f"/traloi {code} Bổ sung thêm."))
    assert "yêu cầu xoá dữ liệu" in replies[0].text


async def test_staff_member_erasing_themselves_leaves_no_name_on_tickets(conversation: Conversation, services, desk):
    citizen = Chat(conversation, user_id="citizen-web-x")
    await file_ticket(citizen)
    [ticket] = await all_tickets(services)
    await conversation.handle(group_tap(f"fbtake:{ticket.id}", staff_id="5009", name="Quỳnh"))
    staff_chat = Chat(conversation, channel="telegram", user_id="5009")
    await staff_chat.send("/xoadulieu")
    await staff_chat.press("prv:yes")
    [ticket] = await all_tickets(services)
    assert ticket.assignee_label is None and ticket.assignee_id is not None
    assert "Quỳnh" not in await dump_database(services)


async def test_confirmation_is_required(conversation: Conversation, services, desk):
    person = Chat(conversation, user_id=SESSION)
    await file_ticket(person, contact=f"{NAME} {PHONE}")
    await person.send("/xoadulieu")
    await person.send("vâng")  # typing is not confirming
    assert "giữ nguyên" in person.text
    await person.press("prv:yes")  # a stale button after that
    assert "hết hiệu lực" in person.text
    await person.send("/xoadulieu")
    await person.tap("Không")
    [ticket] = await all_tickets(services)
    assert ticket.contact_phone == PHONE and ticket.user_id is not None
