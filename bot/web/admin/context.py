"""What every console page shares: the signed-in staff member, the runtime, rendering a
template with the common context, writing the audit log, the client's address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.db.models_staff import ConsoleSession
from bot.runtime import Runtime
from bot.staff import audit, display_name
from bot.staff.access import Area, allows

COOKIE = "cchc_admin"  # the session token
PRE_COOKIE = "cchc_admin_pre"  # the sign-in form's CSRF token, before there is a session
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
RUNTIME = web.AppKey("runtime", Runtime)


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member of this request."""

    user_id: int
    role: str
    name: str
    session_id: int
    csrf_token: str

    @classmethod
    def of(cls, user: User, session: ConsoleSession) -> Staff:
        return cls(user.id, user.role, display_name(user), session.id, session.csrf_token)

    def can(self, area: str) -> bool:
        return allows(self.role, Area(area))


STAFF = web.RequestKey("staff", Staff)


def runtime(request: web.Request) -> Runtime:
    return request.config_dict[RUNTIME]


def staff_of(request: web.Request) -> Staff:
    """The signed-in staff member (the guard has checked the session before the handler)."""
    return request[STAFF]


def idle(request: web.Request) -> timedelta:
    return timedelta(minutes=runtime(request).settings.console_idle_minutes)


def now(request: web.Request) -> datetime:
    return runtime(request).clock()


def client_address(request: web.Request) -> str:
    if runtime(request).settings.console_trust_forwarded:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()[:64]
    return request.remote or "?"


def record(request: web.Request, db: AsyncSession, action: str, target: str | None = None,
           **detail: Any) -> None:
    """Write one staff action to the audit log, in `db`'s transaction (commit it with the action)."""
    staff = staff_of(request)
    audit.record(db, actor=staff.name, user_id=staff.user_id, action=action, target=target,
                 surface=audit.CONSOLE, detail=detail)


def page(request: web.Request, template: str, context: dict[str, Any], *, status: int = 200,
         staff: Staff | None = None) -> web.Response:
    """A page rendered from `template` (which extends base.html) with the common context."""
    staff = staff or request.get(STAFF)
    services = runtime(request)
    named = request.app.router.named_resources()
    common = {
        "staff": staff,
        "csrf_token": staff.csrf_token if staff else "",
        "agency": services.content.pack.info.agency,
        "has_page": lambda name: name in named,
        "path": request.path,
    }
    response = aiohttp_jinja2.render_template(template, request, {**common, **context}, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response
