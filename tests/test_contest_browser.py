"""A practice quiz in the web chat page, in Debian's Chromium (skips locally without it)."""

from __future__ import annotations

import re

import pytest

from tests.test_webchat_browser import CHROMIUM, running_bot  # noqa: F401

pytestmark = pytest.mark.browser


async def test_practice_quiz_in_the_browser(running_bot):  # noqa: F811
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = await browser.new_page()
        await page.goto(running_bot)
        await page.get_by_role("button", name="Cuộc thi CCHC").click()
        await page.get_by_role("button", name="Thi thử").first.click()
        await page.locator("#log").get_by_text(re.compile(r"Câu 1/\d+ ·")).wait_for()
        numbers = page.locator(".buttons").last.get_by_role("button")
        assert [await b.inner_text() for b in await numbers.all()][:2] == ["1", "2"]
        await numbers.first.click()
        await page.locator("#log").get_by_text(re.compile(r"Câu 2/\d+ ·")).wait_for(timeout=10_000)
        await browser.close()
