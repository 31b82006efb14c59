"""The console's campaigns pages over HTTP, signed in: compose a draft (and the form's
refusals), its preview on each channel with the recipients per channel, confirm (a second
time for an empty audience), pause / resume / cancel, resending uncertain deliveries, the
live progress stream (and its end when the session ends), each action in the audit log —
all through the domain functions chat and the CLI use."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.db.models import Role
from bot.db.models_campaigns import Campaign, OutboxMessage
from bot.db.models_staff import StaffAction
from bot.kernel.clock import VN, utcnow
from bot.staff import sessions
from scheduler import firing
from scheduler.delivery.worker import Worker
from tests.campaigns.helpers import deliveries, seed_subscribers, start_campaign, telegram_sender
from tests.console_support import signed_in_client
from tests.fakes.telegram_api import FakeTelegramAPI

TITLE = "Tuần lễ dịch vụ công trực tuyến"
TEXT = "Nộp hồ sơ trực tuyến tại Cổng dịch vụ công của tỉnh để tiết kiệm thời gian."


@pytest.fixture
def telegram_on(services):
    """Telegram is a channel the bot pushes to (its token set); no quiet hours, no cap."""
    services.settings = services.settings.model_copy(update={
        "telegram_bot_token": "123456:TEST-TOKEN", "quiet_hours": "", "broadcast_max_per_day": 0,
        "scheduler_embedded": False})
    return services


def form(**changes: str) -> dict[str, str]:
    return {"title": TITLE, "text": TEXT, "kind": "all", "channel": "", "when": "now", **changes}


async def audit_actions(services) -> list[tuple[str, str | None]]:
    async with services.db.session() as db:
        return [(a, t) for a, t in (await db.execute(
            select(StaffAction.action, StaffAction.target).order_by(StaffAction.id))).all()]


async def campaign_row(services, campaign_id: int) -> Campaign:
    async with services.db.session() as db:
        found = await db.get(Campaign, campaign_id)
        assert found is not None
        return found


def new_id(response) -> int:
    assert response.status == 303, response.status
    return int(re.fullmatch(r"/admin/campaigns/(\d+)", response.headers["Location"])[1])


async def test_compose_preview_per_channel_and_confirm(telegram_on):
    services = telegram_on
    await seed_subscribers(services.db, 3)
    await seed_subscribers(services.db, 2, channel="zalo", start=900)
    async with signed_in_client(services, Role.EDITOR) as client:
        empty = await (await client.get("/admin/campaigns")).text()
        assert "Chưa có chiến dịch nào" in empty
        page = await (await client.get("/admin/campaigns/new")).text()
        assert "Soạn chiến dịch mới" in page and "Kênh đang gửi được tin: Telegram, khung chat trên web." in page
        created = await client.post_form("/admin/campaigns/new", form(
            link_url="https://dichvucong.gov.vn", link_label="Mở Cổng dịch vụ công"))
        campaign_id = new_id(created)
        draft = await campaign_row(services, campaign_id)
        assert (draft.status, draft.title, draft.link_url) == ("draft", TITLE, "https://dichvucong.gov.vn")
        assert draft.created_by == client.user.id

        page = await (await client.get(f"/admin/campaigns/{campaign_id}")).text()
        # Telegram: the three subscribers there; Zalo is not set up here; the web chat reaches
        # its subscribers too (none here).
        assert "3 người nhận" in page and "Tổng số người nhận hiện nay: 3" in page
        assert "Máy chủ chưa được cấu hình để gửi tin qua kênh này" in page
        assert "0 người nhận" in page and "khi người đó mở lại trang" in page
        assert page.count("📢 " + TITLE) == 3  # the message in each of the three channels
        assert page.count(">Mở Cổng dịch vụ công<") == 3 and page.count("🔕 Ngừng nhận tin") == 3
        assert "Xác nhận gửi" in page and "Xác nhận lần hai" not in page

        confirmed = await client.post_form(f"/admin/campaigns/{campaign_id}/confirm")
        assert confirmed.status == 303 and confirmed.headers["Location"].endswith("?done=confirmed")
        assert (await campaign_row(services, campaign_id)).status == "scheduled"
        again = await client.post_form(f"/admin/campaigns/{campaign_id}/confirm")
        assert again.status == 409 and "đã được xác nhận trước đó" in await again.text()
        listing = await (await client.get("/admin/campaigns")).text()
        assert f"#{campaign_id} {TITLE}" in listing and "đã lên lịch" in listing
    assert await audit_actions(services) == [("campaign_drafted", f"campaign:{campaign_id}"),
                                             ("campaign_confirmed", f"campaign:{campaign_id}")]


async def test_an_empty_audience_is_confirmed_a_second_time(telegram_on):
    services = telegram_on
    async with signed_in_client(services, Role.ADMIN) as client:
        campaign_id = new_id(await client.post_form("/admin/campaigns/new", form()))
        page = await (await client.get(f"/admin/campaigns/{campaign_id}")).text()
        assert "hiện không có người nhận nào" in page  # warned on the preview already
        first = await client.post_form(f"/admin/campaigns/{campaign_id}/confirm")
        body = await first.text()
        assert first.status == 200 and "Xác nhận lần hai" in body and "hiện không có người nhận nào" in body
        assert (await campaign_row(services, campaign_id)).status == "draft"
        forged = await client.post_form(f"/admin/campaigns/{campaign_id}/confirm", {"sure": "maybe"})
        assert "Xác nhận lần hai" in await forged.text()
        assert (await campaign_row(services, campaign_id)).status == "draft"
        sure = await client.post_form(f"/admin/campaigns/{campaign_id}/confirm", {"sure": "yes"})
        assert sure.status == 303
        assert (await campaign_row(services, campaign_id)).status == "scheduled"
    async with services.db.session() as db:
        detail = (await db.execute(select(StaffAction.detail).where(
            StaffAction.action == "campaign_confirmed"))).scalar_one()
    assert detail["recipients"] == 0 and detail["warning"] == "yes"


async def test_a_very_large_audience_is_confirmed_a_second_time(telegram_on):
    services = telegram_on
    services.settings = services.settings.model_copy(update={"campaign_large_audience": 3})
    await seed_subscribers(services.db, 3)
    async with signed_in_client(services, Role.EDITOR) as client:
        campaign_id = new_id(await client.post_form("/admin/campaigns/new", form()))
        first = await client.post_form(f"/admin/campaigns/{campaign_id}/confirm")
        assert "Xác nhận lần hai" in await first.text() and "sẽ gửi tới 3 người" in await first.text()
        assert (await campaign_row(services, campaign_id)).status == "draft"


@pytest.mark.parametrize(("changes", "said"), [
    ({"title": ""}, "tiêu đề đang trống"),
    ({"text": "x" * 5000}, "quá giới hạn"),
    ({"kind": "topic", "topic": "khong-co"}, "không có chủ đề «khong-co»"),
    ({"kind": "topic"}, "Chọn chủ đề cho đối tượng"),
    ({"kind": "units"}, "Chọn ít nhất một đơn vị"),
    ({"channel": "facebook"}, "Kênh đã chọn không có trong danh sách"),
    ({"kind": "everyone"}, "Chọn đối tượng nhận tin"),
    ({"image": "javascript:alert(1)"}, "Địa chỉ ảnh phải là một liên kết web"),
    ({"link_url": "ftp://x"}, "đường dẫn phải bắt đầu bằng http:// hoặc https://"),
    ({"when": "at", "date": "2020-01-01", "time": "08:00"}, "đã qua"),
    ({"when": "at", "date": "31/12", "time": "8h"}, "Chọn ngày và giờ gửi"),
    ({"when": "cron", "repeat": "custom", "cron": "mỗi sáng"}, "cron"),
    ({"when": "cron", "repeat": "monthly", "monthday": "31"}, "từ 1 đến 28"),
    ({"when": "sometime"}, "Chọn thời gian gửi"),
])
async def test_the_form_refuses_what_cannot_go_out_and_keeps_what_was_typed(telegram_on, changes, said):
    services = telegram_on
    async with signed_in_client(services, Role.EDITOR) as client:
        response = await client.post_form("/admin/campaigns/new", form(**changes))
        body = await response.text()
        assert response.status == 422 and "Chưa lưu được" in body and said in body
        if changes.get("title") != "":
            assert f'value="{TITLE}"' in body  # what was typed is shown again
    async with services.db.session() as db:
        assert (await db.execute(select(Campaign))).first() is None
    assert await audit_actions(services) == []


async def test_schedules_at_a_time_and_recurring_read_as_vietnam_time(telegram_on):
    services = telegram_on
    later = (utcnow() + timedelta(days=3)).astimezone(VN)
    async with signed_in_client(services, Role.EDITOR) as client:
        at_id = new_id(await client.post_form("/admin/campaigns/new", form(
            when="at", date=later.strftime("%Y-%m-%d"), time="08:30")))
        weekly = new_id(await client.post_form("/admin/campaigns/new", form(
            when="cron", repeat="weekly", weekday="fri", time="07:15")))
        page = await (await client.get(f"/admin/campaigns/{at_id}")).text()
        assert f"gửi lúc 08:30 {later.strftime('%d/%m/%Y')}" in page.lower()
    at = await campaign_row(services, at_id)
    assert at.send_at.astimezone(VN).strftime("%H:%M") == "08:30"
    assert (await campaign_row(services, weekly)).cron == "15 7 * * fri"


async def test_audience_by_topic_unit_and_channel_counts_per_channel(telegram_on, content_store):
    services = telegram_on
    topic = content_store.pack.topics[0].id
    unit = next(u for u in content_store.pack.units if not u.is_ward)
    await seed_subscribers(services.db, 2, topic=topic)
    await seed_subscribers(services.db, 4, start=800, topic=None, unit=unit.id, role="editor")
    async with signed_in_client(services, Role.EDITOR) as client:
        by_topic = new_id(await client.post_form("/admin/campaigns/new", form(kind="topic", topic=topic)))
        by_unit = new_id(await client.post_form("/admin/campaigns/new", form(kind="units", units=unit.id)))
        zalo_only = new_id(await client.post_form("/admin/campaigns/new", form(channel="zalo")))
        assert "Tổng số người nhận hiện nay: 2" in await (await client.get(f"/admin/campaigns/{by_topic}")).text()
        unit_page = await (await client.get(f"/admin/campaigns/{by_unit}")).text()
        assert "Tổng số người nhận hiện nay: 4" in unit_page and unit.name in unit_page
        zalo_page = await (await client.get(f"/admin/campaigns/{zalo_only}")).text()
        assert "Tổng số người nhận hiện nay: 0" in zalo_page and "Người đăng ký trên kênh zalo" in zalo_page


async def test_edit_a_draft_then_no_more_once_confirmed(telegram_on):
    services = telegram_on
    async with signed_in_client(services, Role.EDITOR) as client:
        campaign_id = new_id(await client.post_form("/admin/campaigns/new", form()))
        page = await (await client.get(f"/admin/campaigns/{campaign_id}/edit")).text()
        assert f'value="{TITLE}"' in page and TEXT in page
        saved = await client.post_form(f"/admin/campaigns/{campaign_id}/edit", form(title="Tiêu đề mới", urgent="yes"))
        assert saved.status == 303
        row = await campaign_row(services, campaign_id)
        assert (row.title, row.urgent) == ("Tiêu đề mới", True)
        await client.post_form(f"/admin/campaigns/{campaign_id}/confirm", {"sure": "yes"})
        late = await client.post_form(f"/admin/campaigns/{campaign_id}/edit", form(title="Quá muộn"))
        assert late.status == 409 and "không còn là bản nháp" in await late.text()
        assert (await campaign_row(services, campaign_id)).title == "Tiêu đề mới"
        assert (await client.get(f"/admin/campaigns/{campaign_id}/edit")).status == 409


async def test_discard_pause_resume_cancel_and_refusals(telegram_on):
    services = telegram_on
    await seed_subscribers(services.db, 3)
    async with signed_in_client(services, Role.EDITOR) as client:
        thrown = new_id(await client.post_form("/admin/campaigns/new", form()))
        gone = await client.post_form(f"/admin/campaigns/{thrown}/discard")
        assert gone.status == 303 and (await campaign_row(services, thrown)).status == "cancelled"

        campaign_id, _ = await start_campaign(services)  # confirmed and fired: sending
        for action, status, done in [("pause", "paused", "paused"), ("resume", "sending", "resumed"),
                                     ("cancel", "cancelled", "cancelled")]:
            response = await client.post_form(f"/admin/campaigns/{campaign_id}/{action}")
            assert response.status == 303 and response.headers["Location"].endswith(f"?done={done}")
            assert (await campaign_row(services, campaign_id)).status == status
        refused = await client.post_form(f"/admin/campaigns/{campaign_id}/resume")
        assert refused.status == 409 and "trạng thái «đã hủy»" in await refused.text()
        async with services.db.session() as db:
            left = (await db.execute(select(OutboxMessage.status))).scalars().all()
        assert set(left) == {"cancelled"}  # nothing queued goes out after a cancel
        for url in ("/admin/campaigns/999999", "/admin/campaigns/999999/edit"):
            assert (await client.get(url)).status == 404
        assert (await client.post_form("/admin/campaigns/999999/pause")).status == 404
        assert (await client.get("/admin/campaigns/99999999999999999999")).status == 404
    assert [a for a, _ in await audit_actions(services)] == [
        "campaign_drafted", "campaign_discarded", "campaign_paused", "campaign_resumed", "campaign_cancelled"]


async def test_resend_uncertain_only_with_the_risk_accepted(telegram_on):
    services = telegram_on
    await seed_subscribers(services.db, 4)
    campaign_id, broadcast_id = await start_campaign(services)
    async with services.db.session() as db:
        ids = (await db.execute(select(OutboxMessage.id).where(
            OutboxMessage.broadcast_id == broadcast_id).order_by(OutboxMessage.id))).scalars().all()
        await db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[:2])).values(status="uncertain"))
        await db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[2:])).values(status="sent"))
        await db.commit()
    await firing.finish(services.db)
    async with signed_in_client(services, Role.EDITOR) as client:
        page = await (await client.get(f"/admin/campaigns/{campaign_id}")).text()
        assert "2 tin chưa rõ đã tới chưa" in page and "có thể nhận tin này hai lần" in page
        refused = await client.post_form(f"/admin/campaigns/{campaign_id}/resend-uncertain")
        assert refused.status == 422 and "Chưa gửi lại" in await refused.text()
        resent = await client.post_form(f"/admin/campaigns/{campaign_id}/resend-uncertain", {"understood": "yes"})
        assert resent.status == 303
        nothing = await client.post_form(f"/admin/campaigns/{campaign_id}/resend-uncertain", {"understood": "yes"})
        assert nothing.status == 409 and "Không còn tin nào chưa rõ" in await nothing.text()
    async with services.db.session() as db:
        statuses = sorted((await db.execute(select(OutboxMessage.status))).scalars().all())
    assert statuses == ["pending", "pending", "sent", "sent"]
    assert (await campaign_row(services, campaign_id)).status == "sending"
    async with services.db.session() as db:
        detail = (await db.execute(select(StaffAction.detail).where(
            StaffAction.action == "campaign_resent_uncertain"))).scalar_one()
    assert detail["queued"] == 2


async def test_other_roles_are_kept_out(telegram_on):
    async with signed_in_client(telegram_on, Role.FEEDBACK) as client:
        assert (await client.get("/admin/campaigns")).status == 403
        assert (await client.post_form("/admin/campaigns/new", form())).status == 403
    async with telegram_on.db.session() as db:
        assert (await db.execute(select(Campaign))).first() is None


async def read_event(stream) -> tuple[str, str]:
    """The next server-sent event: (name, data); generous time for it to come."""
    name, data = "", []
    while True:
        async with asyncio.timeout(30):
            line = (await stream.content.readline()).decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and name:
            return name, "\n".join(data)


async def test_live_progress_follows_the_delivery_to_the_end(telegram_on):
    services = telegram_on
    await seed_subscribers(services.db, 5)
    async with FakeTelegramAPI(strict_chats=False) as fake, signed_in_client(services, Role.EDITOR) as client:
        campaign_id = new_id(await client.post_form("/admin/campaigns/new", form()))
        await client.post_form(f"/admin/campaigns/{campaign_id}/confirm")
        stream = await client.get(f"/admin/campaigns/{campaign_id}/live")
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        name, data = await read_event(stream)
        assert name == "progress" and "Chưa bắt đầu gửi" in data
        broadcast_id = await firing.fire(services.db, campaign_id)
        await firing.expand(services.db, broadcast_id, ["telegram"])
        while "Đang chờ gửi</dt><dd>5<" not in data:
            name, data = await read_event(stream)
        worker = Worker(services.db, services.content, services.settings, {"telegram": await telegram_sender(fake)})
        await worker.register()
        while await worker.run_once():
            pass
        await firing.finish(services.db)
        while name != "end":
            last, (name, data) = data, await read_event(stream)
        assert "100%" in last and "Đã gửi</dt><dd>5<" in last and "Đã gửi xong" in last
        assert len(deliveries(fake, TEXT)) == 5


async def test_live_progress_stops_when_the_session_ends(telegram_on):
    services = telegram_on
    async with signed_in_client(services, Role.EDITOR) as client:
        campaign_id = new_id(await client.post_form("/admin/campaigns/new", form()))
        await client.post_form(f"/admin/campaigns/{campaign_id}/confirm", {"sure": "yes"})
        stream = await client.get(f"/admin/campaigns/{campaign_id}/live")
        assert (await read_event(stream))[0] == "progress"
        async with services.db.session() as db:
            await sessions.revoke_all(db, client.user.id, utcnow())
            await db.commit()
        name, data = await read_event(stream)
        assert name == "progress" and "Phiên làm việc đã kết thúc" in data
        assert (await read_event(stream))[0] == "end"
        again = await client.get(f"/admin/campaigns/{campaign_id}/live", allow_redirects=False)
        assert again.status == 303 and again.headers["Location"].startswith("/admin/login")


async def test_the_telegram_preview_is_what_telegram_receives(telegram_on):
    """The preview's Telegram column and the message the Bot API fake gets carry the same
    text and the same buttons."""
    services = telegram_on
    chats = await seed_subscribers(services.db, 1)
    async with FakeTelegramAPI(strict_chats=False) as fake, signed_in_client(services, Role.EDITOR) as client:
        campaign_id = new_id(await client.post_form("/admin/campaigns/new", form(
            link_url="https://dichvucong.gov.vn", link_label="Mở Cổng")))
        page = await (await client.get(f"/admin/campaigns/{campaign_id}")).text()
        await client.post_form(f"/admin/campaigns/{campaign_id}/confirm")
        broadcast_id = await firing.fire(services.db, campaign_id)
        await firing.expand(services.db, broadcast_id, ["telegram"])
        worker = Worker(services.db, services.content, services.settings, {"telegram": await telegram_sender(fake)})
        await worker.register()
        while await worker.run_once():
            pass
    got = fake.last_message_to(chats[0])
    telegram = page[page.index('class="phone telegram"'):page.index('class="phone zalo"')]
    bubble = re.search(r'<div class="bubble">(.*?)<div class="pv-buttons">', telegram, re.S)[1]
    assert bubble.strip() == got["text"].replace("&", "&amp;")
    labels = re.findall(r'<span class="pv-btn">(.*?)(?: ↗)?</span>', telegram)
    assert labels == [b["text"] for row in got["reply_markup"]["inline_keyboard"] for b in row]


async def test_an_image_shows_as_each_channel_shows_it(telegram_on):
    """Telegram: a photo with the text as its caption; Zalo: the image as a message of its
    own, then the text; the web chat page shows no images."""
    services = telegram_on
    image = "https://example.org/anh-tuan-le.png"
    async with signed_in_client(services, Role.EDITOR) as client:
        campaign_id = new_id(await client.post_form("/admin/campaigns/new", form(image=image)))
        page = await (await client.get(f"/admin/campaigns/{campaign_id}")).text()

    def column(name: str, end: str) -> str:
        return page[page.index(f'class="phone {name}"'):page.index(end)]

    telegram = column("telegram", 'class="phone zalo"')
    zalo = column("zalo", 'class="phone web"')
    web = column("web", "Tổng số người nhận hiện nay")
    assert telegram.count('class="bubble"') == 1 and f"Ảnh: {image}" in telegram and TITLE in telegram
    assert zalo.count('class="bubble"') == 2 and f"Ảnh: {image}" in zalo
    assert zalo.index("Ảnh:") < zalo.index(TITLE)
    assert "Ảnh:" not in web and TITLE in web
