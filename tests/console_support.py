"""Helpers for the staff console's tests (docs/console.md, "Adding a page"):

- `make_staff(services, role)` — a staff member (a console identity with a name);
- `signed_in_client(services, role)` — an HTTP client to the console, signed in, with
  `client.csrf` and `client.post_form(path, data)` that adds the CSRF token;
- `console_url` — the whole bot app running on a free port (for the browser);
- `chromium` — Debian's Chromium through Playwright (skips locally without it, fails in CI);
- `signed_in_page(chromium, console_url, services, role)` — a browser page signed in;
- `assert_accessible(page)` — axe-core (vendored in tests/vendor/axe-core) finds no serious
  or critical violation on the page as it is now."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer

from bot.app import BotApp
from bot.db.models import Role, User
from bot.runtime import Runtime
from bot.staff import sessions
from bot.web.admin.context import COOKIE, CSRF_FIELD

# The browser's sizes and helpers are the web chat's: one set for every browser test.
from tests.webpage_support import (  # noqa: F401  (re-exported for the console's tests)
    ARTIFACTS,
    DESKTOP,
    PHONE,
    axe_violations,
    free_port,
    require_chromium,
)
from tests.webpage_support import chromium as launch_chromium


async def make_staff(services: Runtime, role: Role | str = Role.ADMIN, name: str = "Nguyễn Thị Thu Hà",
                     channel: str = "console", user_id: str | None = None) -> User:
    async with services.db.session() as db:
        user = User(channel=channel, channel_user_id=user_id or secrets.token_hex(6), role=str(role),
                    staff_name=name)
        db.add(user)
        await db.commit()
    return user


async def open_session(services: Runtime, user: User, hours: float | None = None) -> tuple[str, Any]:
    """A session for `user`, as signing in opens one: (cookie token, row)."""
    async with services.db.session() as db:
        token, row = await sessions.open_session(
            db, user, services.clock(), hours=hours or services.settings.console_session_hours)
        await db.commit()
    return token, row


class ConsoleClient(TestClient):
    csrf: str = ""

    async def post_form(self, path: str, data: dict[str, str] | None = None, **kwargs: Any):  # noqa: ANN201
        return await self.post(path, data={CSRF_FIELD: self.csrf, **(data or {})}, allow_redirects=False,
                               **kwargs)


@contextlib.asynccontextmanager
async def console_client(services: Runtime) -> AsyncIterator[ConsoleClient]:
    """An HTTP client to the bot's web app, signed in as nobody."""
    port = free_port()
    # Session cookies are Secure; the test server is plain HTTP on loopback, which the jar
    # treats as a secure origin (as browsers do for localhost).
    jar = CookieJar(unsafe=True, treat_as_secure_origin=f"http://127.0.0.1:{port}")
    client = ConsoleClient(TestServer(BotApp(services).web, host="127.0.0.1", port=port), cookie_jar=jar)
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@contextlib.asynccontextmanager
async def signed_in_client(services: Runtime, role: Role | str = Role.ADMIN,
                           name: str = "Nguyễn Thị Thu Hà") -> AsyncIterator[ConsoleClient]:
    """An HTTP client signed in as a new staff member with `role` (`client.user` is them)."""
    user = await make_staff(services, role, name)
    token, row = await open_session(services, user)
    async with console_client(services) as client:
        client.session.cookie_jar.update_cookies({COOKIE: token}, client.make_url("/admin/"))
        client.csrf = row.csrf_token
        client.user = user  # type: ignore[attr-defined]
        yield client


@pytest.fixture
async def console_url(services) -> AsyncIterator[str]:
    """The bot's whole web app on a free loopback port: 'http://127.0.0.1:PORT'."""
    app = BotApp(services)
    port = free_port()
    await app.start("127.0.0.1", port)
    yield f"http://127.0.0.1:{port}"
    await app.stop()


@pytest.fixture
async def chromium():
    require_chromium()
    async with launch_chromium() as browser:
        yield browser


async def signed_in_page(chromium, console_url: str, services: Runtime, role: Role | str = Role.ADMIN,
                         viewport: dict[str, int] | None = None, name: str = "Nguyễn Thị Thu Hà"):  # noqa: ANN201
    """A new browser page whose context carries a live session of a new staff member."""
    user = await make_staff(services, role, name)
    token, _ = await open_session(services, user)
    context = await chromium.new_context(viewport=viewport or DESKTOP, locale="vi-VN")
    await context.add_cookies([{"name": COOKIE, "value": token, "url": f"{console_url}/admin/",
                                "httpOnly": True, "secure": True, "sameSite": "Strict"}])
    return await context.new_page()


async def assert_accessible(page) -> None:  # noqa: ANN001
    """axe-core on the page as shown: no serious or critical violation (WCAG 2 A/AA rules)."""
    bad = await axe_violations(page)
    assert not bad, f"{page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} — " + ", ".join(v["targets"][:3]) for v in bad)


async def screenshot(page, name: str) -> Path:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path

