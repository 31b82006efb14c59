"""The feedback desk: the queue of citizens' tickets (filters by status, category, unit and
age; pages), a ticket with its thread and photos, and the staff actions — take, forward to
a unit, answer, resolve — through `bot.feedback.actions`, as on the Telegram desk and the
command line. What the citizen is told goes out on their channel after the commit, by the
same delivery as from the Telegram desk."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from bot.content.schema import SUBJECTS, Unit
from bot.conversation import places
from bot.db.models import User
from bot.db.models_feedback import FeedbackTicket
from bot.feedback import actions, codes, delivery, photos, queue, tickets, views
from bot.feedback.tickets import Outcome
from bot.staff import display_name
from bot.staff.access import Area
from bot.web.admin.context import now, page, record, runtime, staff_of
from bot.web.admin.guard import requires

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
ID = r"{id:\d{1,18}}"
FORM_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_QUERY_PAGE = 100_000


def _filters(request: web.Request) -> tuple[queue.Filters, bool]:
    """The queue's filters from the address; False when a value was not one offered."""
    query = request.query
    status, category = query.get("status", queue.OPEN), query.get("category", "")
    unit, age = query.get("unit", ""), query.get("age", "")
    content = runtime(request).content
    valid = True
    if status not in queue.STATUSES:
        status, valid = queue.OPEN, False
    if category and category not in SUBJECTS:
        category, valid = "", False
    if unit and content.pack.unit(unit) is None:
        unit, valid = "", False
    if age and age not in queue.AGES:
        age, valid = "", False
    return queue.Filters(status, category, unit, age), valid


def _page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return min(int(raw), MAX_QUERY_PAGE) if raw.isdigit() and len(raw) < 7 else 1


def _unit_groups(request: web.Request) -> list[tuple[str, list[Unit]]]:
    """The units to pick from, by kind (agencies first, then wards and communes)."""
    content = runtime(request).content
    groups: dict[str, list[Unit]] = {}
    units = content.pack.units
    for unit in [*places.agencies(units), *(u for u in units if u.is_ward)]:
        groups.setdefault(unit.kind, []).append(unit)
    return [(content.text(f"unit_kind_{kind}"), members) for kind, members in groups.items()]


def _waited(ticket: FeedbackTicket, moment: datetime) -> dict[str, int]:
    end = ticket.resolved_at or moment
    hours = max(0, int((end - ticket.created_at).total_seconds() // 3600))
    return {"days": hours // 24, "hours": hours}


def _labels(request: web.Request) -> dict[str, Any]:
    """Names the pages show, read from the content (categories, units, channels)."""
    content = runtime(request).content
    return {
        "categories": [(s, views.category(content, s)) for s in SUBJECTS],
        "category_name": lambda slug: views.category(content, slug),
        "unit_name": lambda unit_id: views.unit_name(content, unit_id),
        "place": lambda t: views.place(content, t.unit_id, t.place),
        "channel_name": lambda ch: views.channel_name(content, ch),
    }


@routes.get("/feedback", name="feedback")
@requires(Area.FEEDBACK)
async def queue_page(request: web.Request) -> web.StreamResponse:
    filters, valid = _filters(request)
    services = runtime(request)
    typed = request.query.get("code", "").strip()[:40]
    code = codes.find_code(typed) if typed else None
    async with services.db.session() as db:
        if code:
            found = await tickets.by_code(db, code)
            if found is not None:
                raise web.HTTPSeeOther(f"/admin/feedback/{found.id}")
        listing = await queue.find(db, filters, now(request), _page_number(request))
    chosen = {k: v for k, v in vars(filters).items() if v and not (k == "status" and v == queue.OPEN)}

    def page_url(number: int) -> str:
        return "/admin/feedback?" + urlencode({**chosen, "page": number})

    return page(request, "feedback_queue.html", {
        **_labels(request), "filters": filters, "filtered": bool(chosen), "valid": valid,
        "listing": listing, "page_url": page_url, "unit_groups": _unit_groups(request),
        "ages": list(queue.AGES), "statuses": queue.STATUSES, "now": now(request),
        "waited": lambda t: _waited(t, now(request)), "code_typed": typed, "code_missing": bool(typed),
    })


async def _ticket(db: Any, request: web.Request) -> FeedbackTicket | None:
    return await tickets.by_id(db, int(request.match_info["id"]))


def _not_found(request: web.Request) -> web.Response:
    return page(request, "error.html", {"problem": "not_found"}, status=404)


async def _ticket_page(request: web.Request, ticket_id: int, *, status: int = 200,
                       **context: Any) -> web.StreamResponse:
    services = runtime(request)
    async with services.db.session() as db:
        ticket = await tickets.by_id(db, ticket_id)
        if ticket is None:
            return _not_found(request)
        thread = await queue.thread(db, ticket.id)
    content = services.content
    reasons = {key[len("fb_reason_"):]: content.text(key) for key in content.pack.messages
               if key.startswith("fb_reason_")}
    return page(request, "feedback_ticket.html", {
        **_labels(request), "t": ticket, "thread": thread, "author_name": display_name,
        "reasons": reasons, "unit_groups": _unit_groups(request),
        "waited": _waited(ticket, now(request)), "form_key": secrets.token_urlsafe(24),
        "max_answer": actions.MAX_ANSWER, "done": request.query.get("done", ""),
        "problem": request.query.get("problem", ""), **context,
    }, status=status)


@routes.get(f"/feedback/{ID}", name="feedback_ticket")
@requires(Area.FEEDBACK)
async def ticket_page(request: web.Request) -> web.StreamResponse:
    return await _ticket_page(request, int(request.match_info["id"]))


@routes.get(f"/feedback/{ID}/photos/{{number:\\d{{1,2}}}}", name="feedback_photo")
@requires(Area.FEEDBACK)
async def photo(request: web.Request) -> web.StreamResponse:
    """One photo of a ticket, fetched from the citizen's channel; for signed-in staff only
    (the guard), never cached by the browser or a proxy."""
    services = runtime(request)
    async with services.db.session() as db:
        ticket = await _ticket(db, request)
    number = int(request.match_info["number"])
    if ticket is None or not 1 <= number <= len(ticket.attachments or []):
        raise web.HTTPNotFound(text="Không có ảnh này.")
    found = await photos.fetch(services, ticket, number)
    if found is None:
        return web.Response(status=503, text="Chưa tải được ảnh từ kênh người dân đã gửi; bạn thử lại sau.",
                            headers={"Cache-Control": "no-store", "Retry-After": "60"})
    return web.Response(body=found.data, content_type=found.content_type, headers={
        "Cache-Control": "private, no-store", "Content-Disposition": f'inline; filename="{ticket.code}-{number}"'})


async def _act(request: web.Request, action: str, **detail: Any) -> web.StreamResponse:
    """Run one staff action on the ticket in the path: change, audit line and commit
    together; then tell the citizen (after the commit, as the Telegram desk does)."""
    services = runtime(request)
    form = await request.post()
    content = services.content
    ticket_id = int(request.match_info["id"])
    async with services.db.serialised(), services.db.session() as db:
        ticket = await tickets.by_id(db, ticket_id)
        if ticket is None:
            return _not_found(request)
        staff = await db.get(User, staff_of(request).user_id)
        assert staff is not None  # the guard has just read them
        if action == "take":
            outcome = await actions.take(db, content, ticket, staff, staff.staff_name or display_name(staff))
        elif action == "forward":
            unit = content.pack.unit(str(form.get("unit", ""))[:64])
            if unit is None:
                return await _ticket_page(request, ticket_id, status=400, problem="unknown_unit")
            detail["unit"] = unit.id
            outcome = await actions.forward(db, content, ticket, staff, unit)
        elif action == "answer":
            text, key = str(form.get("text", "")).strip(), str(form.get("form_key", ""))
            if not FORM_KEY.fullmatch(key):
                return await _ticket_page(request, ticket_id, status=400, problem="stale_form", typed=text)
            if not text or len(text) > actions.MAX_ANSWER:
                return await _ticket_page(request, ticket_id, status=400, typed=text,
                                          problem="empty_answer" if not text else "long_answer")
            outcome = await actions.answer(db, content, ticket, staff, text, form_key=key)
        else:
            outcome = await actions.resolve(db, content, ticket, staff)
        if outcome is Outcome.DONE:
            record(request, db, f"feedback_{action}", f"ticket:{ticket.id}", code=ticket.code, **detail)
        try:
            await db.commit()
        except IntegrityError:  # the same answer form, posted at once from two tabs: kept once
            await db.rollback()
            outcome = Outcome.ALREADY
    if outcome is Outcome.DONE:
        try:
            await delivery.after_staff_action(services, ticket_id)()
        except Exception:  # the worker retries what is still owed; the action stands
            log.exception("feedback notice delivery failed after a console action")
        raise web.HTTPSeeOther(f"/admin/feedback/{ticket_id}?done={action}")
    raise web.HTTPSeeOther(f"/admin/feedback/{ticket_id}?problem={action}_{outcome.value}")


@routes.post(f"/feedback/{ID}/take", name="feedback_take")
@requires(Area.FEEDBACK)
async def take(request: web.Request) -> web.StreamResponse:
    return await _act(request, "take")


@routes.post(f"/feedback/{ID}/forward", name="feedback_forward")
@requires(Area.FEEDBACK)
async def forward(request: web.Request) -> web.StreamResponse:
    return await _act(request, "forward")


@routes.post(f"/feedback/{ID}/answer", name="feedback_answer")
@requires(Area.FEEDBACK)
async def answer(request: web.Request) -> web.StreamResponse:
    return await _act(request, "answer")


@routes.post(f"/feedback/{ID}/resolve", name="feedback_resolve")
@requires(Area.FEEDBACK)
async def resolve(request: web.Request) -> web.StreamResponse:
    return await _act(request, "resolve")

