"""Staff compose and steer campaigns in chat (Incoming in, Replies out); recipients tap the
link and the one-tap unsubscribe; everyone else is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import staff
from bot.conversation.conversation import Conversation
from bot.db.events import EventKind
from bot.db.models import EngagementEvent, Role, Subscription, User
from bot.db.models_campaigns import Campaign, CampaignWatcher, RecipientStatus
from scheduler import firing
from tests.campaigns.helpers import seed_subscribers, start_campaign, statuses
from tests.conftest import Chat

EDITOR = "900000001"


@pytest.fixture
def services_tg(services):
    services.settings = services.settings.model_copy(update={"telegram_bot_token": "1:x"})
    return services


@pytest.fixture
async def editor(services_tg) -> Chat:
    async with services_tg.db.session() as s:
        await staff.grant(s, "telegram", EDITOR, Role.EDITOR)
        await s.commit()
    return Chat(Conversation(services_tg), channel="telegram", user_id=EDITOR)


async def compose(editor: Chat, title="Tuần lễ dịch vụ công", text="Mời bà con nộp hồ sơ trực tuyến."):
    await editor.send("/chiendich")
    await editor.tap("Soạn chiến dịch mới")
    await editor.send(title)
    await editor.send(text)


async def test_non_staff_cannot_reach_any_campaign_action(services_tg):
    citizen = Chat(Conversation(services_tg), channel="telegram", user_id="123")
    await citizen.send("/chiendich")
    assert "chỉ dành cho cán bộ quản trị" in citizen.text
    for payload in ("cmpnew", "cmpok:1", "cmppause:1", "cmpstopok:1", "cmpaud:all", "cmpshow:1"):
        await citizen.press(payload)
        assert "chỉ dành cho cán bộ quản trị" in citizen.text, payload
    async with services_tg.db.session() as s:
        assert (await s.execute(select(Campaign))).first() is None


async def test_compose_preview_confirm_now_and_watch_progress(services_tg, editor: Chat):
    await seed_subscribers(services_tg.db, 7)
    await compose(editor)
    assert "Gửi cho ai" in editor.text
    await editor.tap("Tất cả người đăng ký")
    await editor.tap("Gửi ngay")
    preview, summary = editor.last
    # The preview is the broadcast as recipients get it, with inert buttons.
    assert preview.text == "📢 Tuần lễ dịch vụ công\n\nMời bà con nộp hồ sơ trực tuyến."
    assert [b.payload for b in preview.all_buttons()] == ["bcp:unsub"]
    assert "Số người nhận hiện tại: 7" in summary.text
    await editor.tap("Ngừng nhận tin")  # tapping the preview's button does nothing harmful
    assert "bản xem trước" in editor.text
    await editor.press(summary.buttons[0][0].payload)  # ✅ Xác nhận
    confirmed, live = editor.last
    assert "Đã xác nhận chiến dịch" in confirmed.text
    assert live.edit_key and live.edit_key.startswith("campaign-") and "đã gửi 0/0+" in live.text
    await editor.press(summary.buttons[0][0].payload)  # a double tap confirms nothing twice
    assert "đã được xác nhận trước đó" in editor.text
    async with services_tg.db.session() as s:
        campaign = (await s.execute(select(Campaign))).scalar_one()
        assert campaign.status == "scheduled" and campaign.schedule_kind == "now"
        assert (await s.execute(select(CampaignWatcher))).scalar_one().campaign_id == campaign.id


async def test_topic_units_and_channel_audiences_and_a_timed_or_recurring_schedule(services_tg, editor, content_store):
    topic = content_store.pack.topics[0]
    await compose(editor)
    await editor.tap("một chủ đề")
    await editor.tap(topic.short_title)
    await editor.tap("Hẹn giờ")
    await editor.send("31/02/2030 08:00")  # no such day
    assert "không đọc được thời điểm" in editor.text
    await editor.send("01/01/2020 08:00")
    assert "thời điểm gửi đã qua" in editor.text
    await editor.send("25/12/2030 08:00")
    assert "gửi lúc 08:00 25/12/2030" in editor.text and topic.short_title in editor.text

    await compose(editor, title="Cuộc thi")
    await editor.tap("Cán bộ của các đơn vị")
    await editor.tap("Xong")
    assert "chưa chọn đơn vị nào" in editor.text
    units = content_store.pack.units[:2]
    await editor.tap(units[0].name[:30])
    await editor.tap(units[1].name[:30])
    assert "Đã chọn: 2" in editor.text
    await editor.tap("Xong")
    await editor.tap("Định kỳ")
    await editor.send("mỗi thứ hai")
    assert "cron" in editor.text
    await editor.send("0 8 * * mon")
    assert "định kỳ theo lịch «0 8 * * mon»" in editor.text and "2 đơn vị" in editor.text

    await compose(editor, title="Kênh")
    await editor.tap("trên một kênh")
    await editor.tap("Telegram")
    await editor.tap("Gửi ngay")
    assert "kênh telegram" in editor.text


async def test_bad_input_while_composing_gets_polite_answers(services_tg, editor: Chat):
    await editor.send("/chiendich")
    await editor.tap("Soạn chiến dịch mới")
    await editor.send("T" * 300)
    assert "tiêu đề dài quá 120 ký tự" in editor.text
    await editor.send("Tiêu đề 🎉")
    await editor.send("x" * 10_000)
    assert "quá giới hạn 2000 ký tự" in editor.text
    await editor.send_image("Ảnh " + "y" * 1100, "AgACfileid")
    assert "quá giới hạn 1024 ký tự" in editor.text  # a caption under an image is shorter
    await editor.send_image("Ảnh hội nghị", "AgACfileid")
    await editor.send("lung tung")  # typing where a button is expected
    assert "Gửi cho ai" in editor.text
    await editor.tap("Tất cả")
    await editor.tap("Gửi ngay")
    assert editor.last[0].image_url == "AgACfileid"
    await editor.tap("Hủy bản nháp")
    assert "Đã hủy bản nháp" in editor.text
    await editor.press("cmpaud:all")  # a stale button after the draft is gone
    assert "cũ" in editor.text


async def test_list_pause_resume_cancel_from_chat(services_tg, editor: Chat):
    await seed_subscribers(services_tg.db, 3)
    campaign_id, _ = await start_campaign(services_tg, title="Nhắc hạn cuộc thi")
    await editor.send("/chiendich")
    await editor.tap("Nhắc hạn cuộc thi")
    assert "đã gửi 0/3 — lỗi 0" in editor.text
    await editor.tap("Tạm dừng")
    assert "Đã tạm dừng" in editor.text and "tạm dừng" in editor.text
    assert not any("Tạm dừng" in label for label in editor.labels())  # paused: resume or cancel
    await editor.tap("Tiếp tục")
    assert "Đã cho chiến dịch" in editor.text
    await editor.tap("Hủy chiến dịch")
    await editor.tap("Đúng, hủy")
    assert "Đã hủy chiến dịch" in editor.text and "3 không gửi do hủy" in editor.text
    await editor.press(f"cmppause:{campaign_id}")
    assert "Không thể thực hiện" in editor.text


async def test_recipient_taps_link_and_unsubscribes_in_one_tap(services_tg):
    chats = await seed_subscribers(services_tg.db, 2)
    _, broadcast_id = await start_campaign(services_tg, link="https://dichvucong.gov.vn")
    citizen = Chat(Conversation(services_tg), channel="telegram", user_id=str(chats[0]))
    await citizen.press(f"bcl:{broadcast_id}")
    assert citizen.last[0].buttons[0][0].url == "https://dichvucong.gov.vn"
    await citizen.press(f"bcu:{broadcast_id}")
    assert "ngừng nhận tin" in citizen.text
    await citizen.press(f"bcu:{broadcast_id}")  # double tap
    async with services_tg.db.session() as s:
        kinds = list((await s.execute(select(EngagementEvent.kind))).scalars())
        user = (await s.execute(select(User).where(User.channel_user_id == str(chats[0])))).scalar_one()
        assert (await s.execute(select(Subscription).where(Subscription.user_id == user.id))).first() is None
        assert (await s.get(RecipientStatus, user.id)).opted_out_at is not None
    assert kinds.count(EventKind.BROADCAST_CLICKED) == 1 and kinds.count(EventKind.UNSUBSCRIBED) == 1
    # The next campaign leaves them out; subscribing again brings them back.
    _, second = await start_campaign(services_tg, title="Lần hai")
    assert sum((await statuses(services_tg.db, second)).values()) == 1
    await citizen.send("/dangky")
    await citizen.tap("Nhận tất cả")
    _, third = await start_campaign(services_tg, title="Lần ba")
    assert sum((await statuses(services_tg.db, third)).values()) == 2
    assert await firing.expand(services_tg.db, third, ["telegram"]) == 0


async def _statuses(services) -> list[str]:
    async with services.db.session() as s:
        return [c.status for c in (await s.execute(select(Campaign).order_by(Campaign.id))).scalars()]


async def test_typing_xac_nhan_at_the_preview_confirms_the_draft_not_a_guide(services_tg, editor: Chat):
    await seed_subscribers(services_tg.db, 3)
    await compose(editor)
    await editor.tap("Tất cả người đăng ký")
    await editor.tap("Gửi ngay")
    await editor.tap("Ngừng nhận tin")  # the preview's own button: it shows the preview again
    assert "Xác nhận" in " ".join(editor.labels()) and "Đã ngừng" not in editor.text
    await editor.send("Xác nhận")
    assert "Đã xác nhận chiến dịch #1" in editor.text and "hôn nhân" not in editor.text
    assert await _statuses(services_tg) == ["scheduled"]
    # Typed without diacritics, and "hủy" for the discard, on a second draft.
    await compose(editor, title="Lần hai")
    await editor.tap("Tất cả người đăng ký")
    await editor.tap("Gửi ngay")
    await editor.send("huy")
    assert "Đã hủy bản nháp #2" in editor.text
    await compose(editor, title="Lần ba")
    await editor.tap("Tất cả người đăng ký")
    await editor.tap("Gửi ngay")
    await editor.send("xac nhan")
    assert "Đã xác nhận chiến dịch #3" in editor.text
    assert await _statuses(services_tg) == ["scheduled", "cancelled", "scheduled"]


async def test_a_question_at_the_preview_is_answered_and_the_draft_kept(services_tg, editor: Chat, content_store):
    await seed_subscribers(services_tg.db, 3)
    await compose(editor)
    await editor.tap("Tất cả người đăng ký")
    await editor.tap("Gửi ngay")
    entry = content_store.pack.faq[0]
    await editor.send(entry.question)
    assert entry.answer.strip()[:30] in editor.text
    await editor.tap("Tiếp tục")
    assert "Bản nháp #1 đang chờ bạn xác nhận" in editor.text
    await editor.tap("Xác nhận")
    assert "Đã xác nhận chiến dịch #1" in editor.text


async def test_the_draft_card_offers_confirm_and_it_works_from_there(services_tg, editor: Chat):
    await seed_subscribers(services_tg.db, 3)
    await compose(editor)
    await editor.tap("Tất cả người đăng ký")
    await editor.tap("Gửi ngay")
    await editor.send("/chiendich")  # leave the preview; the draft waits in the list
    await editor.tap("#1")
    assert "bản nháp" in editor.text
    assert {"✅ Xác nhận", "👀 Xem trước", "🗑️ Hủy bản nháp"} <= set(editor.labels())
    await editor.tap("Xác nhận")
    assert "Đã xác nhận chiến dịch #1" in editor.text
    assert await _statuses(services_tg) == ["scheduled"]


async def test_an_empty_audience_is_confirmed_only_a_second_time(services_tg, editor: Chat):
    await compose(editor)  # nobody subscribed
    await editor.tap("Tất cả người đăng ký")
    await editor.tap("Gửi ngay")
    await editor.tap("Xác nhận")
    assert "không có người nhận nào" in editor.text and "Đã xác nhận" not in editor.text
    assert await _statuses(services_tg) == ["draft"]
    await editor.tap("Xem lại bản nháp")  # back to the preview: nothing confirmed
    await editor.tap("Xác nhận")
    await editor.tap("Vẫn xác nhận")
    assert "Đã xác nhận chiến dịch #1" in editor.text
    assert await _statuses(services_tg) == ["scheduled"]


async def test_a_very_large_audience_asks_a_second_time(services_tg, editor: Chat):
    services_tg.settings = services_tg.settings.model_copy(update={"campaign_large_audience": 5})
    editor.conversation.services.settings = services_tg.settings
    await seed_subscribers(services_tg.db, 5)
    await compose(editor)
    await editor.tap("Tất cả người đăng ký")
    await editor.tap("Gửi ngay")
    await editor.send("xác nhận")
    assert "sẽ gửi tới 5 người" in editor.text and await _statuses(services_tg) == ["draft"]
    await editor.send("xác nhận")  # typed again: still the warning's question, answered by its button
    assert await _statuses(services_tg) == ["draft"]
    await editor.tap("Vẫn xác nhận")
    assert await _statuses(services_tg) == ["scheduled"]
