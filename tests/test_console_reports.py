"""The reports page (/admin/reports): pick a period, the report is made in the background
by the builder `cchc-bot report` uses (the page says "đang tạo" meanwhile), then the .docx
and .xlsx are downloaded and the charts shown, to signed-in staff only. Over HTTP and in
Chromium."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import datetime, time, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.db import events
from bot.db.events import EventKind as K
from bot.db.models import Role
from bot.kernel.clock import VN
from bot.kernel.periods import Period
from bot.staff import audit
from bot.web.admin import report_jobs
from tests.console_support import (
    DESKTOP,
    PHONE,
    assert_accessible,
    console_client,
    screenshot,
    signed_in_client,
    signed_in_page,
)

WAIT = 120  # seconds a report may take on a busy machine


def last_quarter(services) -> Period:
    """The quarter before today's: the report usually made, complete."""
    return Period.containing(services.clock(), "quarter").previous()


def title(period: Period) -> str:
    return f"Kết quả công tác tuyên truyền cải cách hành chính quý {period.roman} năm {period.start.year}"


def within(period: Period) -> datetime:
    return datetime.combine(period.start + timedelta(days=40), time(15, 30), VN)


@pytest.fixture(autouse=True)
def _reports_dir(settings, tmp_path):
    settings.console_reports_dir = tmp_path / "reports"


async def seed(services, when: datetime | None = None) -> None:
    """People writing in on the web and Zalo, and staff trying the bot in the terminal."""
    when = when or within(last_quarter(services))
    async with services.db.session() as db:
        for who, channel in (("w1", "web"), ("w2", "web"), ("z1", "zalo"), ("c1", "terminal")):
            events.record(db, user_key=who, channel=channel, kind=K.MESSAGE_IN, at=when)
        events.record(db, user_key="w1", channel="web", kind=K.SUBSCRIBED, topic="all", at=when)
        await db.commit()


async def made(client, location: str) -> str:
    """The report's page once it is made (asking as the page does, until it is not running)."""
    job = location.rsplit("/", 1)[1]
    for _ in range(WAIT * 10):
        progress = await client.get(f"/admin/reports/{job}/progress")
        if progress.headers.get("HX-Refresh") == "true":
            return await (await client.get(location)).text()
        assert "Đang tạo báo cáo" in await progress.text()
        await asyncio.sleep(0.1)
    raise AssertionError(f"the report {job} was not made in {WAIT} s")


def links(text: str) -> list[str]:
    return re.findall(r'href="(/admin/reports/[0-9a-f]{16}/[^"]+)"', text)


async def test_a_quarter_is_made_downloaded_and_its_charts_shown(services):
    await seed(services)
    quarter = last_quarter(services)
    async with signed_in_client(services, Role.EDITOR, name="Lê Văn Bình") as client:
        listing = await (await client.get("/admin/reports")).text()
        assert f'value="{quarter.key}" selected' in listing and "Chưa có báo cáo nào" in listing
        response = await client.post_form("/admin/reports", {"period": quarter.key})
        assert response.status == 303
        location = response.headers["Location"]
        text = await made(client, location)
        assert title(quarter) in text and "Tạm tính" not in text
        assert "có tính cả các phiên thử nghiệm" not in text.lower()
        docx_url = next(u for u in links(text) if u.endswith(".docx"))
        xlsx_url = next(u for u in links(text) if u.endswith(".xlsx"))
        charts = re.findall(r'<img src="(/admin/reports/[^"]+\.png)" alt="([^"]+)"', text)
        assert charts and all(alt for _, alt in charts)

        docx = await client.get(docx_url)
        assert docx.status == 200 and docx.headers["Content-Disposition"].startswith("attachment")
        assert title(quarter) in [p.text for p in Document(io.BytesIO(await docx.read())).paragraphs]
        book = load_workbook(io.BytesIO(await (await client.get(xlsx_url)).read()))
        assert book.sheetnames
        chart = await client.get(charts[0][0])
        assert chart.headers["Content-Type"] == "image/png" and (await chart.read()).startswith(b"\x89PNG")
        # Three people wrote in on the public channels; the terminal is test traffic, left out.
        assert re.search(r'<span class="n">3</span><span class="l">người được tiếp cận', text)
        assert "Lê Văn Bình" in await (await client.get("/admin/reports")).text()  # listed, with who made it
    async with services.db.session() as db:
        [row] = [r for r in await audit.recent(db) if r.action == "report_made"]
    assert row.detail == {"period": quarter.key, "include_test": False}
    async with console_client(services) as nobody:  # the files are for signed-in staff only
        for url in (docx_url, charts[0][0]):
            refused = await nobody.get(url, allow_redirects=False)
            assert refused.status == 303 and refused.headers["Location"].startswith("/admin/login")


async def test_test_traffic_on_request_and_a_running_period_is_partial(services):
    running = Period.containing(services.clock(), "quarter")
    await seed(services, services.clock())
    async with signed_in_client(services, Role.CONTEST) as client:  # the contest role makes reports too
        response = await client.post_form("/admin/reports", {"period": running.key, "include_test": "yes"})
        text = await made(client, response.headers["Location"])
    assert "Kỳ báo cáo chưa kết thúc: số liệu tạm tính đến" in text
    assert "Báo cáo có tính cả các phiên thử nghiệm" in text
    assert re.search(r'<span class="n">4</span><span class="l">người được tiếp cận', text)


async def test_from_one_day_to_another(services):
    await seed(services)
    day = within(last_quarter(services)).date()
    start, end = day - timedelta(days=3), day + timedelta(days=3)
    async with signed_in_client(services, Role.ADMIN) as client:
        response = await client.post_form("/admin/reports", {"from": str(start), "to": f"{end:%d/%m/%Y}"})
        text = await made(client, response.headers["Location"])
    assert f"{start:%d/%m/%Y}" in text and f"{end:%d/%m/%Y}" in text and links(text)
    assert re.search(r'<span class="n">3</span><span class="l">người được tiếp cận', text)


async def test_bad_periods_forged_ids_and_roles(services):
    async with signed_in_client(services, Role.EDITOR) as client:
        for form, said in [({"period": "2026Q9"}, "kỳ không hợp lệ"),
                           ({"period": "'; DROP TABLE x"}, "kỳ không hợp lệ"),
                           ({"from": "2026-08-31", "to": "2026-08-01"}, "ngày kết thúc phải sau ngày bắt đầu"),
                           ({"from": "2026-08-01"}, "cần chọn cả từ ngày và đến ngày"),
                           ({"from": "1900-01-01", "to": "1900-12-31"}, "năm 2000–2100"),
                           ({"from": "hôm qua", "to": "x"}, "ngày không hợp lệ")]:
            response = await client.post_form("/admin/reports", form)
            assert response.status == 400 and said in await response.text(), form
        assert (await client.get("/admin/reports/0123456789abcdef")).status == 404
        assert (await client.get("/admin/reports/0123456789abcdef/progress")).status == 404
        assert (await client.get("/admin/reports/0123456789abcdef/bao-cao.docx")).status == 404
        assert (await client.get("/admin/reports/..%2F..%2Fetc/passwd")).status == 404
        await seed(services)
        location = (await client.post_form("/admin/reports", {"period": last_quarter(services).key})).headers[
            "Location"]
        await made(client, location)
        for name in ("request.json", "report.json", "..%2Frequest.json", "khong-co.docx"):
            assert (await client.get(f"{location}/{name}")).status == 404, name
    assert not (services.settings.console_reports_dir / "x").exists()
    async with signed_in_client(services, Role.FEEDBACK) as desk:
        assert (await desk.get("/admin/reports")).status == 403
        assert (await desk.post_form("/admin/reports", {"period": "2025Q3"})).status == 403
        assert (await desk.get(location)).status == 403


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_make_a_report_and_download_the_docx(chromium, console_url, services, size, monkeypatch):
    await seed(services)
    quarter = last_quarter(services)
    # The builder waits for a go, so the page is seen while the report is being made.
    go = asyncio.Event()
    build = report_jobs.generate

    async def held(*args, **kwargs):
        await go.wait()
        return await build(*args, **kwargs)

    monkeypatch.setattr(report_jobs, "generate", held)
    page = await signed_in_page(chromium, console_url, services, Role.EDITOR,
                                viewport=DESKTOP if size == "desktop" else PHONE)
    await page.goto(console_url + "/admin/")
    await page.get_by_role("link", name="Báo cáo").click()
    await page.get_by_role("heading", name="Báo cáo kết quả tuyên truyền").wait_for()
    await assert_accessible(page)
    await screenshot(page, f"console-reports-{size}")
    await page.get_by_label("Kỳ báo cáo").select_option(quarter.key)
    await page.get_by_role("button", name="Lập báo cáo").first.click()
    await page.get_by_text("Đang tạo báo cáo…").wait_for()
    await assert_accessible(page)
    await screenshot(page, f"console-report-making-{size}")
    go.set()  # the page finds out by itself (htmx asks every second) and shows the report
    await page.get_by_role("heading", name=title(quarter)).wait_for(timeout=WAIT * 1000)
    await page.locator(".charts img").first.wait_for()
    # Every chart loads (a broken image is complete with no width: the wait then fails). A
    # function, not an expression: Playwright evaluates an expression anew at each poll, which
    # the console's Content-Security-Policy (no eval) refuses once the first poll is false.
    await page.wait_for_function("() => Array.from(document.querySelectorAll('.charts img'))"
                                 ".every(i => i.complete && i.naturalWidth > 0)", timeout=WAIT * 1000)
    await assert_accessible(page)
    await screenshot(page, f"console-report-{size}")
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Tải báo cáo (.docx)").click()
    saved = await download.value
    assert saved.suggested_filename == f"bao-cao-cchc-{quarter.key}.docx"
    doc = Document(await saved.path())
    assert title(quarter) in [p.text for p in doc.paragraphs]
    await page.context.close()
