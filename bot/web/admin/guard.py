"""Every request under /admin passes here first: no page or action answers without a live
session of a staff member whose role allows the route's area, and every request that
changes something carries the session's CSRF token.

A route declares who may use it with `@requires(Area.X)` (or `@requires()` for any signed-in
staff member); only the sign-in page and the static files are `@public`. A route that
declares nothing is refused to everyone (so a forgotten declaration fails closed)."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy import update

from bot.db.models_staff import ConsoleSession
from bot.staff import sessions
from bot.staff.access import Area, allows
from bot.web.admin.context import (
    COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    STAFF,
    Staff,
    idle,
    page,
    runtime,
)

log = logging.getLogger(__name__)
ACCESS = "admin_access"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
F = TypeVar("F", bound=Callable[..., Awaitable[web.StreamResponse]])


@dataclass(frozen=True)
class Rule:
    area: Area | None  # None: any signed-in staff member
    public: bool = False


def requires(area: Area | None = None) -> Callable[[F], F]:
    def declare(handler: F) -> F:
        setattr(handler, ACCESS, Rule(area))
        return handler
    return declare


def public(handler: F) -> F:
    setattr(handler, ACCESS, Rule(None, public=True))
    return handler


def rule_of(handler: Any) -> Rule | None:
    rule = getattr(handler, ACCESS, None)
    return rule if isinstance(rule, Rule) else None


async def live_staff(request: web.Request) -> Staff | None:
    """The staff member whose live session this request's cookie opens, or None."""
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    services = runtime(request)
    now = services.clock()
    async with services.db.session() as db:
        found = await sessions.find(db, token, now, idle(request))
    if found is None:
        return None
    row, user = found
    if now - row.last_seen_at > sessions.TOUCH_EVERY:
        async with services.db.serialised(), services.db.session() as db:
            await db.execute(update(ConsoleSession).where(ConsoleSession.id == row.id).values(last_seen_at=now))
            await db.commit()
    return Staff.of(user, row)


def _sign_in_first(request: web.Request) -> web.StreamResponse:
    target = "/admin/login"
    if request.method == "GET" and request.path != "/admin/login":
        target += "?next=" + quote(request.path_qs, safe="")
    if request.headers.get("HX-Request"):  # htmx: a fragment must not be swapped in; go to sign-in
        return web.Response(status=401, headers={"HX-Redirect": target})
    if request.method in SAFE_METHODS:
        raise web.HTTPSeeOther(target)
    return page(request, "error.html", {"problem": "signed_out"}, status=401)


async def _csrf_ok(request: web.Request, staff: Staff) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent.encode(), staff.csrf_token.encode())


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path == "/admin":
        raise web.HTTPMovedPermanently("/admin/")
    matched = request.match_info.handler
    rule = rule_of(matched)
    if rule is not None and rule.public:
        return await handler(request)
    staff = await live_staff(request)
    if staff is None:
        return _sign_in_first(request)
    if getattr(request.match_info, "http_exception", None) is not None:
        return await handler(request)  # a signed-in person at no such page (404) or method (405)
    if rule is None:
        log.error("console route without an access rule", extra={"path": request.path})
        return page(request, "error.html", {"problem": "forbidden"}, status=403)
    if rule.area is not None and not allows(staff.role, rule.area):
        return page(request, "error.html", {"problem": "forbidden"}, status=403, staff=staff)
    if request.method not in SAFE_METHODS and not await _csrf_ok(request, staff):
        return page(request, "error.html", {"problem": "stale_form"}, status=403, staff=staff)
    request[STAFF] = staff
    return await handler(request)
