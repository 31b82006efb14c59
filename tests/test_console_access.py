"""No page or action under /admin answers anything without a live session of staff whose
role allows it: every route registered under /admin (read from the app's router, so pages
added later are walked too), every method, with no cookie, a forged cookie, an expired, a
revoked or an idle session, a person no longer staff, and a role too low; and no change
without the session's CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import update

from bot.app import BotApp
from bot.db.models import Role, User
from bot.staff.access import ALLOWED, Area
from bot.web.admin.context import COOKIE
from bot.web.admin.guard import rule_of
from tests.console_support import console_client, make_staff, open_session, signed_in_client

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
# The only routes anyone may reach: the sign-in page, the stylesheet and scripts.
PUBLIC = {("GET", "/admin/login"), ("HEAD", "/admin/login"), ("POST", "/admin/login"),
          ("GET", "/admin/static/{name}"), ("HEAD", "/admin/static/{name}")}


def admin_routes(app: web.Application) -> list[tuple[str, str, web.AbstractRoute]]:
    out = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path == "/admin" or path.startswith("/admin/"):
            out.append((route.method, path, route))
    return out


def concrete(path: str) -> str:
    """A URL for a route: each {parameter} filled with an id that exists nowhere."""
    return re.sub(r"\{[^}]+\}", "1", path)


def guarded(services) -> list[tuple[str, str]]:
    """Every (method, URL) under /admin that is not public: each route with its own method
    and with every other method too."""
    app = BotApp(services).web
    paths = sorted({path for _, path, _ in admin_routes(app)})
    return [(m, concrete(p)) for p in paths for m in METHODS if (m, p) not in PUBLIC]


async def test_the_walk_sees_every_console_route_and_each_declares_who_may_use_it(services):
    routes = admin_routes(BotApp(services).web)
    assert len(routes) >= 15  # the pages of this version, at least
    for method, path, route in routes:
        rule = rule_of(route.handler)
        assert rule is not None, f"{method} {path} declares no access rule (@requires or @public)"
        assert rule.public == ((method, path) in PUBLIC), f"{method} {path}: public is only {PUBLIC}"


def _refused_as_signed_out(method: str, url: str, response, body: str) -> None:
    where = f"{method} {url}"
    if response.status == 303:
        assert response.headers["Location"].startswith("/admin/login"), where
    else:
        assert response.status == 401, f"{where}: {response.status}"
    assert "Đăng xuất" not in body and "csrf_token\" value=\"" not in body.replace("value=\"\"", ""), where


async def _walk_refused(client, cookie: str | None) -> int:
    walked = 0
    if cookie is not None:
        client.session.cookie_jar.update_cookies({COOKIE: cookie}, client.make_url("/admin/"))
    for method, url in guarded(client._services):
        response = await client.request(method, url, allow_redirects=False, data={"csrf_token": "x"})
        _refused_as_signed_out(method, url, response, await response.text())
        walked += 1
    return walked


@pytest.fixture
def walk(services):
    async def run(cookie: str | None) -> int:
        async with console_client(services) as client:
            client._services = services  # type: ignore[attr-defined]
            return await _walk_refused(client, cookie)
    return run


async def test_no_cookie_gets_nothing(walk):
    assert await walk(None) > 40


async def test_a_forged_cookie_gets_nothing(walk, services):
    user = await make_staff(services)
    real, _ = await open_session(services, user)
    assert await walk("forged-" + real[7:]) > 40
    assert await walk("x" * 5000) > 40


async def test_an_expired_or_revoked_or_idle_session_or_former_staff_gets_nothing(walk, services):
    user = await make_staff(services)
    expired, row = await open_session(services, user, hours=1)
    services.clock = lambda: row.created_at + timedelta(hours=1, seconds=1)
    assert await walk(expired) > 40

    services.clock = lambda: row.created_at + timedelta(minutes=services.settings.console_idle_minutes + 1)
    idle, _ = await open_session(services, user)
    services.clock = lambda: row.created_at + timedelta(minutes=2 * services.settings.console_idle_minutes + 3)
    assert await walk(idle) > 40

    from bot.kernel.clock import utcnow

    services.clock = utcnow
    revoked, revoked_row = await open_session(services, user)
    from bot.staff import sessions

    async with services.db.session() as db:
        assert await sessions.revoke(db, revoked_row.id, utcnow())
        await db.commit()
    assert await walk(revoked) > 40

    former, _ = await open_session(services, user)
    async with services.db.session() as db:
        await db.execute(update(User).where(User.id == user.id).values(role=Role.CITIZEN))
        await db.commit()
    assert await walk(former) > 40


@pytest.mark.parametrize("role", [Role.EDITOR, Role.FEEDBACK, Role.CONTEST])
async def test_a_role_too_low_is_refused_every_route_of_other_areas(services, role):
    app = BotApp(services).web
    forbidden = [(m, concrete(p)) for m, p, r in admin_routes(app)
                 if (rule := rule_of(r.handler)) and rule.area is not None and rule.area not in ALLOWED[role]]
    assert forbidden, "each of these roles is kept out of some area"
    async with signed_in_client(services, role) as client:
        for method, url in forbidden:
            response = await client.request(method, url, allow_redirects=False, data={"csrf_token": client.csrf})
            body = await response.text()
            assert response.status == 403, f"{role} {method} {url}: {response.status}"
            if method != "HEAD":
                assert "Bạn không có quyền dùng trang này" in body


async def test_every_role_sees_its_own_pages_and_menu(services):
    async with signed_in_client(services, Role.FEEDBACK) as client:
        page = await (await client.get("/admin/")).text()
        assert "Tổng quan" in page and 'href="/admin/staff"' not in page
    async with signed_in_client(services, Role.ADMIN) as client:
        page = await (await client.get("/admin/")).text()
        assert 'href="/admin/staff"' in page and 'href="/admin/audit"' in page
        assert Area.STAFF in ALLOWED[Role.ADMIN]


async def test_no_change_without_the_sessions_csrf_token(services):
    async with signed_in_client(services, Role.ADMIN) as client:
        for data, headers in [({}, {}), ({"csrf_token": "wrong"}, {}), ({}, {"X-CSRF-Token": "wrong"})]:
            response = await client.post("/admin/staff/invite", data={"role": "editor", **data}, headers=headers,
                                         allow_redirects=False)
            assert response.status == 403
            assert "Biểu mẫu đã cũ" in await response.text()
        ok = await client.post_form("/admin/staff/invite", {"role": "editor", "name": "Trần Văn Bình"})
        assert ok.status == 200 and "Mã mời cán bộ mới" in await ok.text()
        by_header = await client.post("/admin/logout", headers={"X-CSRF-Token": client.csrf}, allow_redirects=False)
        assert by_header.status == 303


async def test_signed_in_unknown_page_is_a_polite_404(services):
    async with signed_in_client(services) as client:
        response = await client.get("/admin/khong-co-trang-nay")
        assert response.status == 404 and "Không tìm thấy trang" in await response.text()
        assert (await client.get("/admin", allow_redirects=False)).headers["Location"] == "/admin/"
