"""The campaigns pages in a real browser (Debian's Chromium through Playwright), at a desk
and on a phone, against the whole bot — its Telegram channel talking to the local Bot API
fake, and the embedded scheduler and delivery worker: sign in, compose a campaign to a
small audience on Telegram, preview it, confirm it and watch its progress reach 100% as
the fake receives the messages; an empty audience asks a second confirmation. Every page
and state passes axe-core. Screenshots go to tests/.artifacts/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot import staff
from bot.app import BotApp
from bot.db.models import Role
from scheduler import campaigns
from tests.campaigns.helpers import deliveries, seed_subscribers
from tests.console_support import DESKTOP, PHONE, assert_accessible, free_port, screenshot, signed_in_page
from tests.fakes.telegram_api import FakeTelegramAPI

pytestmark = pytest.mark.browser
TITLE = "Tuần lễ dịch vụ công trực tuyến"
TEXT = "Nộp hồ sơ trực tuyến tại Cổng dịch vụ công của tỉnh để tiết kiệm thời gian."
WAIT = 60_000  # ms: generous; the flow itself takes a few seconds


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(strict_chats=False) as api:
        yield api


@pytest.fixture
async def bot_url(services, fake) -> AsyncIterator[str]:
    """The whole bot on a free loopback port: Telegram through the fake, with the embedded
    scheduler and delivery worker (no quiet hours, no daily cap)."""
    services.settings = services.settings.model_copy(update={
        "telegram_bot_token": fake.token, "telegram_api_base_url": fake.base_url,
        "telegram_api_base_file_url": fake.base_file_url, "quiet_hours": "", "broadcast_max_per_day": 0,
        "scheduler_embedded": True})
    app = BotApp(services)
    port = free_port()
    await app.start("127.0.0.1", port)
    yield f"http://127.0.0.1:{port}"
    await app.stop()


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_compose_preview_confirm_and_watch_it_reach_everyone(chromium, bot_url, services, fake, size):
    chats = await seed_subscribers(services.db, 3)
    await seed_subscribers(services.db, 2, channel="zalo", start=900)  # Zalo is not set up here
    async with services.db.session() as db:
        code = await staff.create_invite(db, Role.EDITOR, name="Trần Thị Hồng Nhung")
        await db.commit()
    context = await chromium.new_context(viewport=DESKTOP if size == "desktop" else PHONE, locale="vi-VN")
    page = await context.new_page()
    await page.goto(f"{bot_url}/admin/campaigns")  # not signed in: sign in first, then back here
    await page.get_by_label("Mã đăng nhập").fill(code)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("heading", name="Chiến dịch truyền thông").wait_for()
    await page.get_by_text("Chưa có chiến dịch nào").wait_for()
    await assert_accessible(page)
    await screenshot(page, f"console-campaigns-empty-{size}")

    await page.get_by_role("link", name="Soạn chiến dịch mới").click()
    await page.get_by_role("heading", name="Soạn chiến dịch mới").wait_for()
    await assert_accessible(page)
    await screenshot(page, f"console-campaign-compose-{size}")
    await page.get_by_role("button", name="Lưu bản nháp và xem trước").click()  # nothing filled in
    await page.get_by_label("Tiêu đề").fill(TITLE)
    await page.get_by_label("Nội dung", exact=True).fill(TEXT)
    await page.get_by_label("Gửi qua kênh").select_option("telegram")
    await page.get_by_label("Gửi vào một thời điểm").check()
    await page.get_by_role("button", name="Lưu bản nháp và xem trước").click()
    await page.get_by_text("Chọn ngày và giờ gửi.").wait_for()  # a time was asked for but not given
    await assert_accessible(page)
    await screenshot(page, f"console-campaign-form-errors-{size}")
    await page.get_by_label("Gửi ngay khi xác nhận").check()
    await page.get_by_role("button", name="Lưu bản nháp và xem trước").click()

    await page.get_by_role("heading", name=re.compile(rf"Chiến dịch #\d+: {TITLE}")).wait_for()
    telegram = page.get_by_role("region", name="Xem trước trên Telegram")
    assert "3 người nhận" in await telegram.inner_text()
    assert "📢 " + TITLE in await telegram.inner_text() and "Ngừng nhận tin" in await telegram.inner_text()
    assert "Không gửi qua kênh này" in await page.get_by_role("region", name="Xem trước trên Zalo").inner_text()
    assert await page.get_by_text("Tổng số người nhận hiện nay: 3").is_visible()
    await assert_accessible(page)
    await screenshot(page, f"console-campaign-preview-{size}")

    await page.get_by_role("button", name="Xác nhận gửi").click()
    await page.get_by_text("Đã xác nhận chiến dịch").wait_for()
    progress = page.locator("#progress")
    await progress.get_by_text(re.compile(r"3/3 người nhận — 100%")).wait_for(timeout=WAIT)
    await progress.get_by_text("Đã gửi xong").wait_for(timeout=WAIT)
    assert re.search(r"Đã gửi\s+3", await progress.inner_text())
    await assert_accessible(page)
    await screenshot(page, f"console-campaign-done-{size}")
    got = deliveries(fake, TEXT)
    assert set(got) == set(chats) and set(got.values()) == {1}

    await page.get_by_role("link", name="Danh sách chiến dịch").click()
    await page.get_by_role("link", name=re.compile(TITLE)).wait_for()
    assert "đã gửi xong" in await page.locator("tbody").inner_text()
    await assert_accessible(page)
    await screenshot(page, f"console-campaigns-list-{size}")
    await context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_an_empty_audience_is_confirmed_twice(chromium, bot_url, services, size):
    page = await signed_in_page(chromium, bot_url, services, Role.ADMIN,
                                viewport=DESKTOP if size == "desktop" else PHONE)
    topic = services.content.pack.topics[0]
    await page.goto(f"{bot_url}/admin/campaigns/new")
    await page.get_by_label("Tiêu đề").fill("Thông báo chưa ai đăng ký")
    await page.get_by_label("Nội dung", exact=True).fill("Nội dung thông báo.")
    await page.get_by_label("Người đăng ký một chủ đề").check()
    await page.get_by_label("Chủ đề", exact=True).select_option(topic.id)
    await page.get_by_role("button", name="Lưu bản nháp và xem trước").click()
    await page.get_by_text("Tổng số người nhận hiện nay: 0").wait_for()
    await page.get_by_role("button", name="Xác nhận gửi").click()
    await page.get_by_role("heading", name="Xác nhận lần hai").wait_for()
    assert "không có người nhận nào" in await page.get_by_role("alert").inner_text()
    await assert_accessible(page)
    await screenshot(page, f"console-campaign-second-confirmation-{size}")
    async with services.db.session() as db:
        [draft] = await campaigns.recent(db, 1)
        assert draft.status == "draft"  # the first press changed nothing
    await page.get_by_role("button", name="Vẫn xác nhận").click()
    await page.get_by_text("Đã xác nhận chiến dịch").wait_for()
    await assert_accessible(page)
    async with services.db.session() as db:
        [confirmed] = await campaigns.recent(db, 1)
        assert confirmed.status != "draft"
    await page.context.close()
