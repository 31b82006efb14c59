"""Feedback on Telegram end to end: the bot's real python-telegram-bot Application against
the local Bot API fake — a citizen files in a private chat, the ticket lands in the staff
group, staff take, answer by replying to the card, resolve, and every step reaches the
citizen's chat."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest

from bot.app import BotApp
from bot.db.models_feedback import TicketStatus
from bot.kernel.clock import utcnow
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.feedback_helpers import all_tickets, notices

CITIZEN = 6012345678
STAFF = 7012345001
GROUP = -1001234567890
OTHER_GROUP = -1009999999999


@pytest.fixture
async def bot(services):
    async with FakeTelegramAPI() as fake:
        services.settings = services.settings.model_copy(update={
            "telegram_bot_token": fake.token,
            "telegram_api_base_url": fake.base_url,
            "telegram_api_base_file_url": fake.base_file_url,
            "feedback_staff_chat_id": str(GROUP),
        })
        app = BotApp(services)
        fake.add_chat(GROUP, title="Tổ tiếp nhận phản ánh", chat_type="supergroup")
        fake.add_chat(OTHER_GROUP, title="Nhóm khác", chat_type="supergroup")
        await app.telegram.start()
        yield fake
        await app.telegram.stop()


def buttons(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]


async def after(fake: FakeTelegramAPI, chat: int, action, count: int = 1) -> list[dict]:
    """Do `action` (a push), then wait for `count` new bot messages in `chat`."""
    seen = len(fake.messages_to(chat))
    action()
    return (await fake.wait_for_messages(chat, seen + count))[seen:]


async def file_by_telegram(fake: FakeTelegramAPI, contact: str | None = "Lê Văn Tâm 0909 123 456") -> str:
    [ask] = await after(fake, CITIZEN, lambda: fake.push_text(CITIZEN, "/phananh"))
    assert "Bước 1/4" in ask["text"] and "fbc:thu-tuc-hanh-chinh" in buttons(ask)
    await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbc:thu-tuc-hanh-chinh"))
    [ask_ward] = await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbk:xa"))
    assert "gõ tên xã, phường" in ask_ward["text"]  # ~100 wards: typed, never listed
    [offer] = await after(fake, CITIZEN, lambda: fake.push_text(CITIZEN, "phuong 2 tp soc trang"))
    assert "fbu:phuong-phu-loi" in buttons(offer) and "nay thuộc Phường Phú Lợi" in offer["text"]
    [text_prompt] = await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbu:phuong-phu-loi"))
    assert "Bước 3/4" in text_prompt["text"]
    await after(fake, CITIZEN, lambda: fake.push_text(
        CITIZEN, "Bộ phận một cửa phường hẹn trả kết quả ngày 5/3 nhưng đến nay chưa trả, cũng không báo lý do."))
    [got_photo] = await after(fake, CITIZEN, lambda: fake.push_photo(CITIZEN, caption="Giấy hẹn trả kết quả"))
    assert "1 ảnh" in got_photo["text"]
    [consent] = await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbd"))
    assert "Bước 4/4" in consent["text"]
    if contact:
        await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbo:yes"))
        [summary] = await after(fake, CITIZEN, lambda: fake.push_text(CITIZEN, contact))
    else:
        [summary] = await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbo:no"))
    assert "Phường Phú Lợi" in summary["text"] and "Ảnh kèm theo: 1" in summary["text"]
    [filed] = await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbs"))
    return re.search(r"PA-\d{4}-\d{6}", filed["text"]).group(0)


async def test_citizen_files_staff_group_handles_and_answer_reaches_the_citizen(bot, services):
    fake = bot
    code = await file_by_telegram(fake)
    # The staff group gets the card with its buttons, and the photo as a reply to it.
    card, photo = await fake.wait_for_messages(GROUP, 2)
    [ticket] = await all_tickets(services)
    assert code in card["text"] and "0909123456" in card["text"] and "chưa trả" in card["text"]
    assert buttons(card) == [f"fbtake:{ticket.id}", f"fbfwd:{ticket.id}", f"fbres:{ticket.id}"]
    assert photo["photo"] and code in photo["caption"]
    assert photo["reply_to_message"]["message_id"] == card["message_id"]
    assert ticket.desk_message == str(card["message_id"])

    # A staff member takes it: the group is told, the card loses its "take" button, the
    # citizen hears it is being handled.
    seen = len(fake.messages_to(CITIZEN))
    [taken] = await after(fake, GROUP, lambda: fake.push_callback(
        GROUP, f"fbtake:{ticket.id}", user_id=STAFF, first_name="Hà"))
    assert taken["text"] == f"👤 Hà đã nhận xử lý {code}."
    notice = await _next(fake, CITIZEN, seen + 1)
    assert code in notice["text"] and "tiếp nhận" in notice["text"]
    card = fake.message(GROUP, card["message_id"])
    assert f"fbtake:{ticket.id}" not in buttons(card) and "Người xử lý: Hà" in card["text"]

    # Staff answer by replying to the card in the group.
    answer = "Chào anh, huyện đã trả kết quả vào sáng nay; xin lỗi anh vì sự chậm trễ."
    [ack] = await after(fake, GROUP, lambda: fake.push_text(
        GROUP, answer, user_id=STAFF, first_name="Hà", reply_to_message_id=card["message_id"]))
    assert "Đã ghi nhận trả lời của Hà" in ack["text"]
    relayed = await _next(fake, CITIZEN, seen + 2)
    assert answer in relayed["text"] and code in relayed["text"]
    assert buttons(relayed) == [f"fbt:{code}"]

    # Resolved: the citizen is told, the card keeps no buttons.
    await after(fake, GROUP, lambda: fake.push_callback(GROUP, f"fbres:{ticket.id}", user_id=STAFF, first_name="Hà"))
    assert "giải quyết xong" in (await _next(fake, CITIZEN, seen + 3))["text"]
    assert buttons(fake.message(GROUP, card["message_id"])) == []

    # The citizen taps the button on the answer: the status, with the answer, owner only.
    [status] = await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, f"fbt:{code}"))
    assert answer in status["text"] and "đã giải quyết xong" in status["text"]
    stranger = 6099999999
    [refused] = await after(fake, stranger, lambda: fake.push_text(stranger, code))
    assert "Không tìm thấy" in refused["text"] and answer not in refused["text"]
    [ticket] = await all_tickets(services)
    assert ticket.status == TicketStatus.RESOLVED and all(n.delivered_at for n in await notices(services))


async def _next(fake: FakeTelegramAPI, chat: int, count: int) -> dict:
    return (await fake.wait_for_messages(chat, count))[count - 1]


async def _settled(fake: FakeTelegramAPI, chat: int, quiet: float = 0.3) -> None:
    """Wait until the bot has stopped writing to `chat` (its last turn fully sent)."""
    seen = -1
    while seen != len(fake.messages_to(chat)):
        seen = len(fake.messages_to(chat))
        await asyncio.sleep(quiet)


async def _told(fake: FakeTelegramAPI, chat: int, text: str) -> list[dict]:
    """Wait until `chat` was sent a message containing `text`; every such message so far.
    (Other messages, such as a survey offer after the citizen's last turn, may interleave.)"""
    await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok and str(c.params.get("chat_id")) == str(chat)
                        and text in c.params.get("text", ""))
    return [m for m in fake.messages_to(chat) if text in m["text"]]


async def test_answer_by_command_reply_to_photo_and_noise_ignored(bot, services):
    fake = bot
    code = await file_by_telegram(fake, contact=None)
    card, photo = await fake.wait_for_messages(GROUP, 2)
    # A reply to the photo (its caption names the ticket) answers too.
    await after(fake, GROUP, lambda: fake.push_text(GROUP, "Đã nhận ảnh, đang xác minh.", user_id=STAFF,
                                                    reply_to_message_id=photo["message_id"]))
    assert len(await _told(fake, CITIZEN, "Đã nhận ảnh, đang xác minh.")) == 1
    # So does the command, addressed to the bot.
    await after(fake, GROUP, lambda: fake.push_text(GROUP, f"/traloi@cchc_test_bot {code} Lần hai.", user_id=STAFF))
    assert len(await _told(fake, CITIZEN, "Lần hai.")) == 1
    seen_citizen = len(fake.messages_to(CITIZEN))
    # Chatter in the group, taps in another group, /start in the group: all ignored.
    group_before = len(fake.messages_to(GROUP))
    fake.push_text(GROUP, "Mọi người họp lúc 14 giờ nhé", user_id=STAFF)
    fake.push_text(GROUP, "/start", user_id=STAFF)
    fake.push_text(OTHER_GROUP, f"/traloi {code} giả mạo", user_id=STAFF)
    await after(fake, GROUP, lambda: fake.push_text(GROUP, f"/tracuu {code}", user_id=STAFF))
    assert len(fake.messages_to(GROUP)) == group_before + 1  # only the /tracuu card
    assert code in fake.last_message_to(GROUP)["text"]
    assert fake.messages_to(OTHER_GROUP) == []
    assert len(fake.messages_to(CITIZEN)) == seen_citizen


async def test_blocked_citizen_is_reported_in_the_group(bot, services):
    fake = bot
    code = await file_by_telegram(fake, contact=None)
    card, _ = await fake.wait_for_messages(GROUP, 2)
    fake.block(CITIZEN)
    messages = await after(fake, GROUP, lambda: fake.push_text(
        GROUP, "Đã xử lý.", user_id=STAFF, reply_to_message_id=card["message_id"]), count=2)
    [warning] = [m for m in messages if "Chưa gửi được" in m["text"]]
    assert any("Đã ghi nhận trả lời" in m["text"] for m in messages)
    assert warning["reply_to_message"]["message_id"] == card["message_id"]
    assert code in warning["text"] and "chặn" in warning["text"]
    [notice] = await notices(services)
    assert notice.failed_at is not None and notice.error == "Unreachable"


async def test_rate_limited_answer_is_retried_by_the_worker(bot, services):
    from bot.feedback.delivery import FeedbackWorker

    fake = bot
    code = await file_by_telegram(fake, contact=None)
    card, _ = await fake.wait_for_messages(GROUP, 2)
    await _settled(fake, CITIZEN)
    # A 429 longer than a reply waits out by itself: the notice is left to the worker.
    fake.fail_next("sendMessage", error_code=429, retry_after=120)
    await after(fake, GROUP, lambda: fake.push_text(GROUP, "Trả lời sau giới hạn.", user_id=STAFF,
                                                    reply_to_message_id=card["message_id"]))
    [notice] = await notices(services)
    assert notice.delivered_at is None and notice.failed_at is None and notice.error == "RateLimited"
    assert "tự gửi lại" in fake.last_message_to(GROUP)["text"] or "tự gửi lại" in fake.messages_to(GROUP)[-2]["text"]
    async with services.db.session() as s:  # the two minutes have passed
        (await s.get(type(notice), notice.id)).next_attempt_at = utcnow() - timedelta(seconds=1)
        await s.commit()
    await FeedbackWorker(services).run_once()
    assert len(await _told(fake, CITIZEN, "Trả lời sau giới hạn.")) == 1
    await FeedbackWorker(services).run_once()
    assert len([m for m in fake.messages_to(CITIZEN) if "Trả lời sau giới hạn." in m["text"]]) == 1  # once
    assert code


async def test_an_album_of_photos_sent_at_once_keeps_every_photo(bot, services):
    """Telegram delivers an album as several updates at once; none may be lost."""
    fake = bot
    await after(fake, CITIZEN, lambda: fake.push_text(CITIZEN, "/phananh"))
    await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbc:chung"))
    await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbu:"))
    seen = len(fake.messages_to(CITIZEN))
    for i in range(4):
        fake.push_photo(CITIZEN, caption=f"Ảnh {i + 1}" if i == 0 else None)
    await fake.wait_for_messages(CITIZEN, seen + 4)
    await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbd"))
    await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbo:no"))
    await after(fake, CITIZEN, lambda: fake.push_callback(CITIZEN, "fbs"))
    [ticket] = await all_tickets(services)
    assert len(ticket.attachments) == 4 and len(set(ticket.attachments)) == 4
