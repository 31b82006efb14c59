"""Admins' pages: the staff and their live sessions (issue a sign-in code or an invite,
end a session or all of a person's, take a role away) and the audit log."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot import staff as staff_roles
from bot.db.models import Role, User
from bot.staff import audit, sessions
from bot.staff.access import Area
from bot.web.admin.context import idle, now, page, record, runtime
from bot.web.admin.guard import requires

routes = web.RouteTableDef()
ID = r"{id:\d{1,18}}"
INVITE_DAYS = 7


def sign_in_link(request: web.Request, code: str) -> str:
    base = runtime(request).settings.public_url
    origin = base.rstrip("/") if base else f"{request.scheme}://{request.host}"
    return f"{origin}/admin/login?code={code}"


@routes.get("/staff", name="staff")
@requires(Area.STAFF)
async def staff_page(request: web.Request) -> web.StreamResponse:
    services = runtime(request)
    async with services.db.session() as db:
        people = await staff_roles.list_staff(db)
        live = await sessions.live(db, now(request), idle(request))
    by_user: dict[int, int] = {}
    for _row, user in live:
        by_user[user.id] = by_user.get(user.id, 0) + 1
    return page(request, "staff.html", {"people": people, "live": live, "by_user": by_user,
                                        "roles": [r.value for r in staff_roles.STAFF_ROLES],
                                        "done": request.query.get("done", "")})


async def _person(db: AsyncSession, request: web.Request) -> User:
    user = await db.get(User, int(request.match_info["id"]))
    if user is None or not Role(user.role).is_console_staff:
        raise web.HTTPNotFound()
    return user


@routes.post("/staff/invite", name="staff_invite")
@requires(Area.STAFF)
async def invite(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    role, name = str(form.get("role", "")), str(form.get("name", "")).strip()[:100]
    if role not in [r.value for r in staff_roles.STAFF_ROLES]:
        raise web.HTTPBadRequest(text="Vai trò không hợp lệ.")
    services = runtime(request)
    async with services.db.serialised(), services.db.session() as db:
        code = await staff_roles.create_invite(db, Role(role), INVITE_DAYS, name=name or None)
        record(request, db, "invite", f"role:{role}", name=name)
        await db.commit()
    return page(request, "code.html", {"kind": "invite", "code": code, "role": role, "name": name,
                                       "link": sign_in_link(request, code), "days": INVITE_DAYS})


@routes.post(f"/staff/{ID}/code", name="staff_code")
@requires(Area.STAFF)
async def sign_in_code(request: web.Request) -> web.StreamResponse:
    services = runtime(request)
    async with services.db.serialised(), services.db.session() as db:
        user = await _person(db, request)
        code = await staff_roles.create_sign_in_code(db, user)
        record(request, db, "sign_in_code", f"user:{user.id}")
        await db.commit()
    return page(request, "code.html", {"kind": "sign_in", "code": code, "name": staff_roles.display_name(user),
                                       "link": sign_in_link(request, code),
                                       "minutes": staff_roles.SIGN_IN_CODE_MINUTES})


@routes.post(f"/staff/{ID}/signout", name="staff_signout")
@requires(Area.STAFF)
async def sign_out_everywhere(request: web.Request) -> web.StreamResponse:
    services = runtime(request)
    async with services.db.serialised(), services.db.session() as db:
        user = await _person(db, request)
        ended = await sessions.revoke_all(db, user.id, now(request))
        record(request, db, "sessions_revoked", f"user:{user.id}", sessions=ended)
        await db.commit()
    raise web.HTTPSeeOther("/admin/staff?done=signed_out")


@routes.post(f"/staff/{ID}/revoke", name="staff_revoke")
@requires(Area.STAFF)
async def take_role_away(request: web.Request) -> web.StreamResponse:
    services = runtime(request)
    async with services.db.serialised(), services.db.session() as db:
        user = await _person(db, request)
        await staff_roles.revoke(db, user.channel, user.channel_user_id)
        await sessions.revoke_all(db, user.id, now(request))
        record(request, db, "role_revoked", f"user:{user.id}", role=user.role)
        await db.commit()
    raise web.HTTPSeeOther("/admin/staff?done=revoked")


@routes.post(f"/sessions/{ID}/revoke", name="session_revoke")
@requires(Area.STAFF)
async def end_session(request: web.Request) -> web.StreamResponse:
    session_id = int(request.match_info["id"])
    services = runtime(request)
    async with services.db.serialised(), services.db.session() as db:
        if not await sessions.revoke(db, session_id, now(request)):
            raise web.HTTPNotFound()
        record(request, db, "session_revoked", f"session:{session_id}")
        await db.commit()
    raise web.HTTPSeeOther("/admin/staff?done=session")


@routes.get("/audit", name="audit")
@requires(Area.STAFF)
async def audit_page(request: web.Request) -> web.StreamResponse:
    before = request.query.get("before", "")
    before_id = int(before) if before.isdigit() and len(before) < 19 else None
    async with runtime(request).db.session() as db:
        rows = await audit.recent(db, limit=100, before_id=before_id)
    return page(request, "audit.html", {"rows": rows, "older": rows[-1].id if len(rows) == 100 else None})
