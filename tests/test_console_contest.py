"""The contest page (/admin/contest): open and close a contest (asked twice, audited, the
same window the chat and the command line change), the standings by unit and by person,
the organising board's workbook. Over HTTP and in Chromium, on the test contests of
tests/contest_support.py around their clock (15 June 2026)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from bot.contest import window
from bot.db.models import Role
from bot.staff import audit
from tests.console_support import DESKTOP, PHONE, assert_accessible, screenshot, signed_in_client, signed_in_page
from tests.contest_support import answer_rest, person, register

FIELD = [  # name, unit typed, correct answers of 4, seconds per answer
    ("Trần Văn Một", "Sở Tư pháp", 3, 5),
    ("Phạm Văn Ba", "Sở Nội vụ", 4, 3),
    ("Võ Thị Bốn", "Sở Nội vụ", 2, 3),
]


@pytest.fixture
def services(contest_services):
    """The console serves the test contests, on their clock."""
    return contest_services


async def take_part(services, store, clock) -> None:
    for i, (name, unit, right, seconds) in enumerate(FIELD):
        chat = person(services, f"cadre-{i}")
        await register(chat, name=name, unit=unit)
        await chat.press("ctgo:thi-mo")
        await answer_rest(chat, store, clock, right=right, seconds=seconds)


async def status(services, contest_id: str) -> str:
    contest = services.content.pack.contest(contest_id)
    async with services.db.session() as db:
        return (await window.window(db, contest)).status(services.clock())


async def audited(services) -> list[tuple[str, str | None]]:
    async with services.db.session() as db:
        return [(r.action, r.target) for r in await audit.recent(db) if r.action.startswith("contest_")]


def cells(text: str) -> list[str]:
    """The text of each table cell, in order."""
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", text, re.S)]


async def test_standings_by_person_and_by_unit(services, contest_store, clock):
    await take_part(services, contest_store, clock)
    async with signed_in_client(services, Role.CONTEST) as client:
        listed = await (await client.get("/admin/contest")).text()
        assert listed.index("Hội thi đang mở") < listed.index("Hội thi sắp mở") < listed.index("Hội thi đã đóng")
        response = await client.get("/admin/contest/thi-mo")
        text = await response.text()
    assert response.status == 200
    people = text[text.index('id="people-title"'):]
    assert people.index("Phạm Văn Ba") < people.index("Trần Văn Một") < people.index("Võ Thị Bốn")
    row = cells(people)[:7]
    assert row == ["1", "Phạm Văn Ba", "Sở Nội vụ", "Chuyên viên", "4/4", "12 giây", "1"]
    units = cells(text[text.index('id="units-title"'):text.index('id="people-title"')])
    # Sở Nội vụ (4 + 2) / 2 and Sở Tư pháp 3 / 1: both 3,0, both took part in full; then by name.
    assert units[:7] == ["1", "Sở Nội vụ", "2", "2", "100%", "3,0", "4"]
    assert "Sở Tư pháp" in units


async def test_open_and_close_are_asked_twice_and_audited(services):
    async with signed_in_client(services, Role.CONTEST) as client:
        asked = await client.post_form("/admin/contest/thi-sap-mo/open")
        assert asked.status == 200 and "Mở cuộc thi ngay?" in await asked.text()
        assert await status(services, "thi-sap-mo") == "upcoming"  # not yet: asked first
        opened = await client.post_form("/admin/contest/thi-sap-mo/open", {"confirm": "yes"})
        assert opened.status == 303 and opened.headers["Location"] == "/admin/contest/thi-sap-mo?done=opened"
        assert await status(services, "thi-sap-mo") == "open"

        closed = await client.post_form("/admin/contest/thi-mo/close", {"confirm": "yes"})
        assert closed.status == 303 and await status(services, "thi-mo") == "closed"
        shown = await (await client.get(closed.headers["Location"])).text()
        assert "Đã đóng cuộc thi." in shown and "Mở cuộc thi ngay" in shown  # it may be reopened

        late = await client.post_form("/admin/contest/thi-da-dong/open", {"confirm": "yes"})
        assert late.headers["Location"].endswith("?done=too_late") and await status(services, "thi-da-dong") == "closed"
        assert "Không mở lại được" in await (await client.get(late.headers["Location"])).text()
    assert await audited(services) == [("contest_closed", "contest:thi-mo"), ("contest_opened", "contest:thi-sap-mo")]


async def test_export_is_the_boards_workbook_and_audited(services, contest_store, clock):
    await take_part(services, contest_store, clock)
    async with signed_in_client(services, Role.ADMIN) as client:
        response = await client.post_form("/admin/contest/thi-mo/export")
        assert response.status == 200
        assert response.headers["Content-Disposition"].startswith('attachment; filename="ket-qua-thi-mo-')
        book = load_workbook(io.BytesIO(await response.read()))
    people = [row for row in book["Cá nhân"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[2]) for r in people] == [(1, "Phạm Văn Ba"), (2, "Trần Văn Một"), (3, "Võ Thị Bốn")]
    assert await audited(services) == [("contest_exported", "contest:thi-mo")]


async def test_bad_input_and_roles(services):
    async with signed_in_client(services, Role.CONTEST) as client:
        assert (await client.get("/admin/contest/khong-co")).status == 404
        assert (await client.post_form("/admin/contest/khong-co/close", {"confirm": "yes"})).status == 404
        assert (await client.get("/admin/contest/THI-MO")).status == 404
        assert (await client.post_form("/admin/contest/thi-mo/close", {"confirm": "no"})).status == 200
        no_token = await client.post("/admin/contest/thi-mo/close", data={"confirm": "yes"}, allow_redirects=False)
        assert no_token.status == 403
    async with signed_in_client(services, Role.EDITOR) as editor:
        refused = await editor.post_form("/admin/contest/thi-mo/close", {"confirm": "yes"})
        assert refused.status == 403 and "Bạn không có quyền" in await refused.text()
    assert await status(services, "thi-mo") == "open" and await audited(services) == []


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_open_and_close_a_contest_and_see_standings(chromium, console_url, services, contest_store, clock,
                                                          size, tmp_path):
    await take_part(services, contest_store, clock)
    page = await signed_in_page(chromium, console_url, services, Role.CONTEST,
                                viewport=DESKTOP if size == "desktop" else PHONE)
    await page.goto(console_url + "/admin/")
    await page.get_by_role("link", name="Cuộc thi").click()
    await page.get_by_role("heading", name="Cuộc thi trực tuyến").wait_for()
    await assert_accessible(page)
    await screenshot(page, f"console-contests-{size}")

    await page.get_by_role("link", name="Hội thi sắp mở").click()
    await page.get_by_role("button", name="Mở cuộc thi ngay").click()
    await page.get_by_role("heading", name="Mở cuộc thi ngay?").wait_for()
    await assert_accessible(page)
    await page.get_by_role("button", name="Mở cuộc thi", exact=True).click()
    await page.get_by_text("Đã mở cuộc thi.").wait_for()
    assert await status(services, "thi-sap-mo") == "open"
    await page.get_by_role("button", name="Đóng cuộc thi ngay").click()
    await page.get_by_role("button", name="Đóng cuộc thi", exact=True).click()
    await page.get_by_text("Đã đóng cuộc thi.").wait_for()
    assert await status(services, "thi-sap-mo") == "closed"

    await page.get_by_role("link", name="← Các cuộc thi").click()
    await page.get_by_role("link", name="Hội thi đang mở").click()
    await page.get_by_role("heading", name="Xếp hạng cá nhân").wait_for()
    first = page.locator("section[aria-labelledby=people-title] tbody tr").first
    assert "Phạm Văn Ba" in await first.inner_text()
    assert "Sở Nội vụ" in await page.locator("section[aria-labelledby=units-title] tbody tr").first.inner_text()
    await assert_accessible(page)
    await screenshot(page, f"console-contest-{size}")
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Xuất kết quả (.xlsx)").click()
    saved = await download.value
    assert saved.suggested_filename.startswith("ket-qua-thi-mo-") and saved.suggested_filename.endswith(".xlsx")
    await saved.save_as(tmp_path / saved.suggested_filename)
    book = load_workbook(tmp_path / saved.suggested_filename)
    assert book["Cá nhân"]["C2"].value == "Phạm Văn Ba"
    await page.context.close()
