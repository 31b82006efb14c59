"""The web chat in a real browser: Debian's Chromium driven by Playwright.

Locally without /usr/bin/chromium this skips and says so; in CI it must run."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

from bot.app import BotApp

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM)
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def running_bot(services):
    if not HAVE_CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: Debian's chromium is not installed")
        pytest.skip("Debian's chromium is not installed locally; runs in CI")
    app = BotApp(services)
    port = _free_port()
    await app.start("127.0.0.1", port)
    yield f"http://127.0.0.1:{port}/"
    await app.stop()


async def test_person_uses_the_web_chat(running_bot, content_store):
    from playwright.async_api import async_playwright

    entry = content_store.pack.faq[0]
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        page = await browser.new_page()
        await page.goto(running_bot)
        await page.get_by_role("button", name="Tin CCHC theo chủ đề").click()
        first_topic = content_store.pack.topics[0]
        await page.get_by_role("button", name=f"1. {first_topic.short_title}").wait_for()
        await page.fill("#text", entry.question)
        await page.click("#send")
        await page.locator("#log").get_by_text(entry.answer.strip()[:40]).wait_for(timeout=10_000)
        os.makedirs("tests/.artifacts", exist_ok=True)
        await page.screenshot(path="tests/.artifacts/webchat.png", full_page=True)
        await browser.close()


async def test_feedback_filed_in_the_page_and_the_answer_arrives(running_bot, services):
    """A citizen files feedback in the web chat; a staff answer reaches the open page."""
    from playwright.async_api import async_playwright

    from tests.feedback_helpers import RecordingDesk, all_tickets, group_text

    services.staff_desk = RecordingDesk()
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        page = await browser.new_page()
        await page.goto(running_bot)
        await page.get_by_role("button", name="Đường dây nóng, phản ánh").click()
        await page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
        await page.locator("#log").get_by_text("Bước 1/4").wait_for()
        await page.get_by_role("button", name="Thủ tục hành chính").last.click()
        await page.get_by_role("button", name="Không rõ / bỏ qua").click()
        await page.locator("#log").get_by_text("Bước 3/4").wait_for()
        await page.fill("#text", "Tôi nộp hồ sơ cấp đổi giấy phép lái xe trực tuyến nhưng quá hạn chưa có kết quả.")
        await page.click("#send")
        await page.locator("#log").get_by_text("Đã ghi nhận (").wait_for()
        await page.get_by_role("button", name="Xong, tiếp tục").last.click()
        await page.get_by_role("button", name="Không, gửi không kèm liên hệ").click()
        await page.locator("#log").get_by_text("Bạn kiểm tra lại phản ánh").wait_for()
        await page.get_by_role("button", name="Gửi phản ánh").last.click()
        await page.locator("#log").get_by_text("Mã tra cứu").wait_for()
        [ticket] = await all_tickets(services)
        from bot.conversation.conversation import Conversation

        answer = "Hồ sơ của bạn đã có kết quả, mời bạn nhận qua bưu điện."
        await Conversation(services).handle(group_text(f"/traloi {ticket.code} {answer}"))
        await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # back to the tab
        await page.locator("#log").get_by_text(answer).wait_for(timeout=10_000)
        await page.screenshot(path="tests/.artifacts/webchat-feedback.png", full_page=True)
        await browser.close()
