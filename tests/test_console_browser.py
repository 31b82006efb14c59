"""The staff console in a real browser (Debian's Chromium through Playwright), at a desk and
on a phone: sign in with an invite code, see the dashboard, sign out; every page passes
axe-core with no serious or critical violation. Screenshots go to tests/.artifacts/."""

from __future__ import annotations

import pytest

from bot import staff
from bot.db.models import Role
from tests.console_support import DESKTOP, PHONE, assert_accessible, screenshot, signed_in_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_sign_in_with_an_invite_see_the_dashboard_sign_out(chromium, console_url, services, size):
    async with services.db.session() as db:
        code = await staff.create_invite(db, Role.ADMIN, name="Trần Thị Hồng Nhung")
        await db.commit()
    context = await chromium.new_context(viewport=DESKTOP if size == "desktop" else PHONE, locale="vi-VN")
    page = await context.new_page()
    await page.goto(f"{console_url}/admin/")  # not signed in: the sign-in page
    await page.get_by_role("heading", name="Đăng nhập trang quản trị").wait_for()
    await assert_accessible(page)
    await screenshot(page, f"console-login-{size}")
    await page.get_by_label("Mã đăng nhập").fill(code.lower())  # typed as it comes: case does not matter
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("heading", name="Tổng quan").wait_for()
    assert await page.get_by_text("Trần Thị Hồng Nhung").is_visible()
    await assert_accessible(page)
    await screenshot(page, f"console-dashboard-{size}")
    await page.get_by_role("button", name="Đăng xuất").click()
    await page.get_by_text("Bạn đã đăng xuất.").wait_for()
    await page.goto(f"{console_url}/admin/")
    await page.get_by_role("heading", name="Đăng nhập trang quản trị").wait_for()  # the session is over
    await context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_every_admin_page_is_accessible(chromium, console_url, services, size):
    page = await signed_in_page(chromium, console_url, services, Role.ADMIN,
                                viewport=DESKTOP if size == "desktop" else PHONE)
    for path, heading in [("/admin/", "Tổng quan"), ("/admin/staff", "Cán bộ và phiên đăng nhập"),
                          ("/admin/audit", "Nhật ký thao tác của cán bộ"),
                          ("/admin/khong-co", "Không tìm thấy trang")]:
        await page.goto(console_url + path)
        await page.get_by_role("heading", name=heading).wait_for()
        await assert_accessible(page)
        await screenshot(page, f"console-{path.strip('/').replace('/', '-') or 'home'}-{size}")
    await page.get_by_role("link", name="Cán bộ").click()
    await page.get_by_label("Họ và tên").fill("Ngô Văn Phúc")
    await page.get_by_role("button", name="Tạo mã mời").click()
    await page.get_by_role("heading", name="Mã mời cán bộ mới").wait_for()
    await assert_accessible(page)
    await page.context.close()


async def test_a_page_outside_ones_role_says_so_accessibly(chromium, console_url, services):
    page = await signed_in_page(chromium, console_url, services, Role.FEEDBACK, viewport=PHONE)
    await page.goto(console_url + "/admin/staff")
    await page.get_by_role("heading", name="Bạn không có quyền dùng trang này").wait_for()
    await assert_accessible(page)
    await page.context.close()


async def test_the_accessibility_check_catches_a_serious_violation(chromium, console_url, services):
    page = await signed_in_page(chromium, console_url, services, Role.ADMIN)
    await page.goto(console_url + "/admin/")
    await page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', "
                        "'<img src=\"/admin/static/admin.css\"><button></button>')")
    with pytest.raises(AssertionError, match="image-alt|button-name"):
        await assert_accessible(page)
    await page.context.close()
