"""Signing in to the staff console: one-time codes from the command line, from chat and from
an admin; cookies; the rate limit; expiry, sign-out and revocation; the audit log."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import staff
from bot.cli import main
from bot.conversation.conversation import Conversation
from bot.db.models import Role, User
from bot.db.models_staff import ConsoleSession, StaffAction
from bot.kernel.clock import utcnow
from bot.staff import sessions
from bot.web.admin.context import COOKIE, PRE_COOKIE
from tests.conftest import Chat
from tests.console_support import console_client, make_staff, signed_in_client

CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\b")


@pytest.fixture
def cli(db_url, shared_content):
    return lambda *args: main(["--database-url", db_url, *args])


async def sign_in(client, code: str, next_: str = ""):
    """Open the sign-in page (which sets the form's token) and send the code."""
    page = await client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    return await client.post("/admin/login", data={"csrf_token": token, "code": code, "next": next_},
                             allow_redirects=False)


async def count(services, model) -> int:
    async with services.db.session() as db:
        return (await db.execute(select(func.count()).select_from(model))).scalar_one()


async def test_an_invite_from_the_cli_signs_a_new_staff_member_in_once(cli, capsys, services):
    assert await asyncio.to_thread(cli, "staff", "invite", "feedback", "--name", "Lê Thị Mai") == 0
    out = capsys.readouterr().out
    code = CODE.search(out).group(0)
    assert f"/admin/login?code={code}" in out
    async with console_client(services) as client:
        filled = await client.get(f"/admin/login?code={code}")  # a link preview fetches this: no use
        assert code in await filled.text() and filled.headers["Referrer-Policy"] == "no-referrer"
        response = await sign_in(client, code, "/admin/")
        assert response.status == 303 and response.headers["Location"] == "/admin/"
        cookie = response.cookies[COOKIE]
        assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Strict"
        assert cookie["path"] == "/admin"
        dashboard = await client.get("/admin/")
        text = await dashboard.text()
        assert dashboard.status == 200 and "Lê Thị Mai" in text and "Cán bộ tiếp nhận phản ánh" in text
        again = await client.get("/admin/login?next=/admin/audit", allow_redirects=False)
        assert again.status == 303 and again.headers["Location"] == "/admin/audit"  # signed in already
    async with console_client(services) as again:
        reused = await sign_in(again, code)
        assert reused.status == 400 and "đã được dùng" in await reused.text()
    async with services.db.session() as db:
        person = (await db.execute(select(User).where(User.staff_name == "Lê Thị Mai"))).scalar_one()
        assert person.channel == "console" and person.role == Role.FEEDBACK


async def test_a_staff_member_asks_the_bot_for_a_code_in_chat(services):
    chat = Chat(Conversation(services), channel="telegram", user_id="777")
    await chat.send("/dangnhap")
    assert "chỉ dành cho cán bộ" in chat.text  # not staff yet: no code
    async with services.db.session() as db:
        await staff.grant(db, "telegram", "777", Role.CONTEST, name="Phạm Văn Long")
        await db.commit()
    services.settings.public_url = "https://chat.example.gov.vn"
    await chat.send("/dangnhap")
    code = CODE.search(chat.text).group(0)
    assert f"https://chat.example.gov.vn/admin/login?code={code}" in chat.text and "15 phút" in chat.text
    async with console_client(services) as client:
        response = await sign_in(client, code, "/admin/audit")
        assert response.status == 303 and response.headers["Location"] == "/admin/audit"
        assert (await client.get("/admin/audit", allow_redirects=False)).status == 403  # contest: not admin
        assert (await client.get("/admin/")).status == 200


async def test_cli_signin_code_expires_after_fifteen_minutes(cli, capsys, services):
    await make_staff(services, Role.EDITOR, channel="zalo", user_id="z-1")
    assert await asyncio.to_thread(cli, "staff", "signin", "zalo:z-1") == 0
    code = CODE.search(capsys.readouterr().out).group(0)
    assert await asyncio.to_thread(cli, "staff", "signin", "zalo:khong-co") == 1
    real = services.clock
    services.clock = lambda: real() + timedelta(minutes=16)
    original = staff.utcnow
    staff.utcnow = services.clock  # the code's own expiry reads the server clock
    try:
        async with console_client(services) as client:
            assert (await sign_in(client, code)).status == 400
    finally:
        staff.utcnow = original


async def test_sign_in_attempts_are_limited_per_address_and_per_code(services):
    async with console_client(services) as client:
        for n in range(sessions.PER_ADDRESS):
            response = await sign_in(client, f"AAAA-{n:04d}".replace("0", "2").replace("1", "3"))
            assert response.status == 400
        refused = await sign_in(client, "BBBB-CCCC")
        assert refused.status == 429
        assert "quá nhiều lần" in await refused.text() and "15 phút" in await refused.text()
    # A code tried again and again from many addresses is refused too, even when it becomes right.
    services.settings.console_trust_forwarded = True
    user = await make_staff(services, Role.ADMIN)
    async with services.db.session() as db:
        code = await staff.create_sign_in_code(db, user)
        await db.commit()
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    async with console_client(services) as client:
        for n in range(sessions.PER_CODE):
            page = await client.get("/admin/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
            response = await client.post("/admin/login", data={"csrf_token": token, "code": wrong},
                                         headers={"X-Forwarded-For": f"203.0.113.{n}"}, allow_redirects=False)
            assert response.status == 400
        page = await client.get("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
        blocked = await client.post("/admin/login", data={"csrf_token": token, "code": wrong},
                                    headers={"X-Forwarded-For": "198.51.100.9"}, allow_redirects=False)
        assert blocked.status == 429
        fine = await client.post("/admin/login", data={"csrf_token": token, "code": code},
                                 headers={"X-Forwarded-For": "198.51.100.9"}, allow_redirects=False)
        assert fine.status == 303  # the right code was never tried: its own counter is clean


async def test_the_sign_in_form_needs_its_own_token(services):
    user = await make_staff(services)
    async with services.db.session() as db:
        code = await staff.create_sign_in_code(db, user)
        await db.commit()
    async with console_client(services) as client:
        forged = await client.post("/admin/login", data={"code": code, "csrf_token": "x"}, allow_redirects=False)
        assert forged.status == 400 and "Trang đăng nhập đã cũ" in await forged.text()
        assert PRE_COOKIE in forged.cookies  # a fresh form token to try again with
        assert (await sign_in(client, code)).status == 303  # the code was not used up


async def test_sign_in_goes_only_to_console_addresses(services):
    user = await make_staff(services)
    async with services.db.session() as db:
        codes = [await staff.create_sign_in_code(db, user) for _ in range(3)]
        await db.commit()
    for code, target in zip(codes, ["https://evil.example/", "//evil.example/admin/", "/admin/staff"], strict=True):
        async with console_client(services) as client:
            response = await sign_in(client, code, target)
            assert response.headers["Location"] == (target if target == "/admin/staff" else "/admin/")


async def test_sign_out_and_revocation_from_console_and_cli_end_sessions(cli, capsys, services):
    async with signed_in_client(services, Role.EDITOR, "Võ Minh Tâm") as editor:
        async with signed_in_client(services, Role.ADMIN, "Đặng Thu Trang") as admin:
            staff_page = await (await admin.get("/admin/staff")).text()
            assert "Võ Minh Tâm" in staff_page and "Đặng Thu Trang" in staff_page
            async with services.db.session() as db:
                row = (await db.execute(select(ConsoleSession).where(
                    ConsoleSession.user_id == editor.user.id))).scalar_one()
            response = await admin.post_form(f"/admin/sessions/{row.id}/revoke")
            assert response.status == 303
            refused = await editor.get("/admin/", allow_redirects=False)
            assert refused.status == 303 and refused.headers["Location"].startswith("/admin/login")
            assert (await admin.post_form(f"/admin/sessions/{row.id}/revoke")).status == 404  # already ended

            assert await asyncio.to_thread(cli, "staff", "sessions") == 0
            listed = capsys.readouterr().out
            assert "Đặng Thu Trang" in listed and "Võ Minh Tâm" not in listed
            identity = f"console:{admin.user.channel_user_id}"
            assert await asyncio.to_thread(cli, "staff", "signout", identity) == 0
            assert "Đã kết thúc 1 phiên" in capsys.readouterr().out
            assert (await admin.get("/admin/", allow_redirects=False)).status == 303

    async with signed_in_client(services, Role.ADMIN) as admin:
        bye = await admin.post_form("/admin/logout")
        assert bye.status == 303 and bye.headers["Location"] == "/admin/login?bye=1"
        assert (await admin.get("/admin/", allow_redirects=False)).status == 303
        assert "Bạn đã đăng xuất" in await (await admin.get("/admin/login?bye=1")).text()


async def test_revoking_a_role_ends_the_persons_sessions_and_is_in_the_audit_log(services):
    async with signed_in_client(services, Role.FEEDBACK, "Hồ Văn Nam") as desk:
        async with signed_in_client(services, Role.ADMIN, "Đặng Thu Trang") as admin:
            assert (await admin.post_form(f"/admin/staff/{desk.user.id}/revoke")).status == 303
            assert (await desk.get("/admin/", allow_redirects=False)).status == 303
            code_page = await admin.post_form(f"/admin/staff/{admin.user.id}/code")
            assert "Mã đăng nhập" in await code_page.text()
            assert (await admin.post_form("/admin/staff/999999999/code")).status == 404
            audit = await (await admin.get("/admin/audit")).text()
            assert "Thu hồi quyền" in audit and "Cấp mã đăng nhập" in audit and "Đặng Thu Trang" in audit
    async with services.db.session() as db:
        actions = [a.action for a in (await db.execute(select(StaffAction).order_by(StaffAction.id))).scalars()]
    assert actions == ["role_revoked", "sign_in_code"]


async def test_a_session_ends_when_unused_for_the_idle_time_and_lives_on_when_used(services):
    async with signed_in_client(services, Role.EDITOR) as client:
        start = utcnow()
        step = timedelta(minutes=services.settings.console_idle_minutes * 0.8)
        for n in range(1, 4):  # used every 48 minutes: still signed in after 2.4 hours
            services.clock = lambda n=n: start + n * step
            assert (await client.get("/admin/", allow_redirects=False)).status == 200
        services.clock = lambda: start + 3 * step + timedelta(minutes=services.settings.console_idle_minutes + 1)
        assert (await client.get("/admin/", allow_redirects=False)).status == 303
