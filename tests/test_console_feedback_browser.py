"""The feedback desk in a real browser (Debian's Chromium through Playwright), at a desk and
on a phone: a citizen files feedback with a photo on Telegram (the local Bot API fake), a
staff member finds it in the queue by filters, opens it and sees the photo, takes it,
answers — and the citizen's chat receives the answer — then resolves it. axe-core checks
every state; screenshots go to tests/.artifacts/."""

from __future__ import annotations

import pytest

from bot.db.models import Role
from tests.console_support import DESKTOP, PHONE, assert_accessible, screenshot, signed_in_page
from tests.test_feedback_telegram import CITIZEN, file_by_telegram

pytestmark = pytest.mark.browser


async def told(fake, seen: int, text: str) -> dict:  # noqa: ANN001
    """Wait until the citizen's chat has a message after the first `seen` containing `text`."""
    messages = await fake.wait_for_messages(CITIZEN, seen + 1)
    while not any(text in m.get("text", "") for m in messages[seen:]):
        messages = await fake.wait_for_messages(CITIZEN, len(messages) + 1)
    return next(m for m in messages[seen:] if text in m.get("text", ""))


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_staff_find_answer_and_resolve_a_ticket_and_the_citizen_receives_it(
        chromium, telegram_desk, services, size):
    fake, url = telegram_desk.fake, telegram_desk.url
    code = await file_by_telegram(fake)
    page = await signed_in_page(chromium, url, services, Role.FEEDBACK,
                                viewport=DESKTOP if size == "desktop" else PHONE, name="Lê Thị Mai")
    await page.goto(f"{url}/admin/")
    await page.get_by_role("link", name="Phản ánh", exact=True).click()
    await page.get_by_role("heading", name="Phản ánh, kiến nghị của người dân").wait_for()
    await assert_accessible(page)
    await screenshot(page, f"console-feedback-queue-{size}")

    await page.get_by_label("Lĩnh vực").select_option(label="Thủ tục hành chính")
    await page.get_by_label("Đơn vị").select_option(label="Phường Phú Lợi")
    await page.get_by_role("button", name="Lọc", exact=True).click()
    await page.get_by_role("heading", name="1 phản ánh").wait_for()
    assert "unit=phuong-phu-loi" in page.url and "category=thu-tuc-hanh-chinh" in page.url
    await assert_accessible(page)
    await page.get_by_role("link", name=code).click()

    await page.get_by_role("heading", name=f"Phản ánh {code}").wait_for()
    photo = page.get_by_role("img", name=f"Ảnh 1 người dân gửi kèm phản ánh {code}")
    await photo.scroll_into_view_if_needed()
    await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await photo.element_handle())
    assert await page.get_by_text("chưa trả, cũng không báo lý do").is_visible()
    await assert_accessible(page)
    await screenshot(page, f"console-feedback-ticket-{size}")

    seen = len(fake.messages_to(CITIZEN))
    await page.get_by_role("button", name="Nhận xử lý").click()
    await page.get_by_text("Bạn đã nhận xử lý phản ánh này").wait_for()
    await told(fake, seen, "đã được cán bộ tiếp nhận")

    answer = "Chào anh, phường đã trả kết quả hồ sơ của anh sáng nay; xin lỗi anh vì sự chậm trễ."
    seen = len(fake.messages_to(CITIZEN))
    await page.get_by_label("Trả lời người dân").fill(answer)
    await page.get_by_role("button", name="Gửi trả lời").click()
    await page.get_by_text("Đã ghi nhận câu trả lời và gửi đến người dân qua Telegram").wait_for()
    relayed = await told(fake, seen, answer)
    assert code in relayed["text"]
    await page.get_by_text("Đã gửi đến người dân lúc").nth(1).wait_for()  # taken, then the answer
    await assert_accessible(page)
    await screenshot(page, f"console-feedback-answered-{size}")

    seen = len(fake.messages_to(CITIZEN))
    await page.get_by_role("button", name="Đánh dấu đã giải quyết").click()
    await page.get_by_text("Đã đánh dấu phản ánh là đã giải quyết xong").wait_for()
    await told(fake, seen, "giải quyết xong")
    assert await page.get_by_role("button", name="Gửi trả lời").count() == 0
    await assert_accessible(page)
    # Each notice reached the citizen once.
    texts = [m.get("text", "") for m in fake.messages_to(CITIZEN)]
    assert sum(answer in t for t in texts) == 1 and sum("giải quyết xong" in t for t in texts) == 1
    await page.context.close()
