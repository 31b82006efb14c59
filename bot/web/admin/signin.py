"""Signing in with a one-time code (from `cchc-bot staff invite`/`signin`, or /dangnhap in
chat), and signing out. The sign-in form carries its own CSRF token (a cookie and a hidden
field that must match), since there is no session yet; failed attempts are counted per
address and per code, and refused politely past the limit."""

from __future__ import annotations

import secrets

from aiohttp import web

from bot import staff as staff_codes
from bot.staff import audit, sessions
from bot.web.admin.context import (
    COOKIE,
    CSRF_FIELD,
    PRE_COOKIE,
    client_address,
    now,
    page,
    record,
    runtime,
    staff_of,
)
from bot.web.admin.guard import live_staff, public, requires

routes = web.RouteTableDef()


def _safe_next(target: str | None) -> str:
    """Only a console address of this site (no `//elsewhere`, no scheme)."""
    if target and target.startswith("/admin/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/admin/"


def _cookie_options(request: web.Request) -> dict:
    return {"path": "/admin", "httponly": True, "samesite": "Strict",
            "secure": runtime(request).settings.console_cookie_secure}


def _form(request: web.Request, status: int = 200, **context: object) -> web.Response:
    token = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    context.setdefault("code", "")
    context.setdefault("next", _safe_next(request.query.get("next")))
    response = page(request, "login.html", {"form_token": token, **context}, status=status)
    response.headers["Referrer-Policy"] = "no-referrer"  # the code may be in this page's address
    response.set_cookie(PRE_COOKIE, token, max_age=3600, **_cookie_options(request))
    return response


@routes.get("/login", name="login")
@public
async def sign_in_page(request: web.Request) -> web.StreamResponse:
    # Opening the link only fills the form in: link previews (Telegram fetches links it is
    # sent) must not use the code up.
    code = request.query.get("code", "")[:32]
    if not code and await live_staff(request) is not None:  # signed in already
        raise web.HTTPSeeOther(_safe_next(request.query.get("next")))
    return _form(request, code=code, signed_out="bye" in request.query)


@routes.post("/login")
@public
async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    code = str(form.get("code", "")).strip()[:32]
    target = _safe_next(str(form.get("next", "")))
    sent, expected = str(form.get(CSRF_FIELD, "")), request.cookies.get(PRE_COOKIE, "")
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        return _form(request, 400, error="stale_form", code=code, next=target)
    if not code:
        return _form(request, 400, error="empty", next=target)
    services = runtime(request)
    moment = now(request)
    keys = sessions.attempt_keys(client_address(request), staff_codes.code_key(code))
    async with services.db.serialised(), services.db.session() as db:
        if await sessions.too_many_attempts(db, keys, moment):
            return _form(request, 429, error="too_many", next=target)
        user = await staff_codes.redeem_for_console(db, code)
        if user is None:
            await sessions.record_failure(db, keys, moment)
            await db.commit()
            return _form(request, 400, error="invalid", code=code, next=target)
        token, opened = await sessions.open_session(
            db, user, moment, hours=services.settings.console_session_hours,
            user_agent=request.headers.get("User-Agent"))
        audit.record(db, actor=staff_codes.display_name(user), user_id=user.id, action="sign_in",
                     target=f"session:{opened.id}", surface=audit.CONSOLE)
        await db.commit()
    response = web.HTTPSeeOther(target)
    options = _cookie_options(request)
    response.set_cookie(COOKIE, token, max_age=int(services.settings.console_session_hours * 3600), **options)
    response.del_cookie(PRE_COOKIE, path="/admin")
    raise response


@routes.post("/logout", name="logout")
@requires()
async def sign_out(request: web.Request) -> web.StreamResponse:
    staff = staff_of(request)
    services = runtime(request)
    async with services.db.serialised(), services.db.session() as db:
        await sessions.revoke(db, staff.session_id, now(request))
        record(request, db, "sign_out", f"session:{staff.session_id}")
        await db.commit()
    response = web.HTTPSeeOther("/admin/login?bye=1")
    response.del_cookie(COOKIE, path="/admin")
    raise response

