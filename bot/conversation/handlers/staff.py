"""Staff in chat: redeeming an invite code, a sign-in code for the web console, and today's
quick figures."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import distinct, func, select

from bot import staff
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.db.models import EngagementEvent, Role
from bot.kernel.clock import VN
from bot.kernel.messages import Reply
from bot.staff import audit


async def redeem(turn: Turn, code: str) -> list[Reply]:
    if not code:
        return [Reply(turn.t("invite_usage"))]
    role = await staff.redeem_invite(turn.session, code, turn.user)
    if role is None:
        return [Reply(turn.t("invite_invalid"))]
    turn.log(EventKind.STAFF_JOINED, outcome=role)
    return [Reply(turn.t("invite_ok", role=turn.t(f"role_{role}")))]


async def sign_in_code(turn: Turn, _: str) -> list[Reply]:
    """/dangnhap: a one-time code (and link) to sign in to the console, in a private chat."""
    if not Role(turn.user.role).is_console_staff:
        return [Reply(turn.t("staff_only"))]
    code = await staff.create_sign_in_code(turn.session, turn.user)
    audit.record(turn.session, actor=f"{turn.user.channel}:{turn.user.channel_user_id}", user_id=turn.user.id,
                 action="sign_in_code", target=f"user:{turn.user.id}", surface=audit.CHAT)
    base = turn.services.settings.public_url
    where = (turn.t("signin_link", link=f"{base.rstrip('/')}/admin/login?code={code}") if base
             else turn.t("signin_where"))
    return [Reply(turn.t("signin_code", code=code, minutes=staff.SIGN_IN_CODE_MINUTES) + "\n" + where)]


async def stats_today(turn: Turn, _: str) -> list[Reply]:
    since = datetime.combine(datetime.now(VN).date(), time.min, VN)
    kind = EngagementEvent.kind
    query = select(
        func.count().filter(kind == EventKind.MESSAGE_IN),
        func.count(distinct(EngagementEvent.user_key)),
        func.count().filter(kind == EventKind.QUESTION_ANSWERED),
        func.count().filter(kind == EventKind.QUESTION_UNANSWERED),
    ).where(EngagementEvent.occurred_at >= since)
    messages, people, answered, unanswered = (await turn.session.execute(query)).one()
    return [Reply(turn.t("stats_today", messages=messages, people=people, answered=answered,
                         unanswered=unanswered))]


def register(router: Router) -> None:
    router.command("kichhoat", redeem)
    router.command("dangnhap", sign_in_code)
    router.command("thongke", stats_today, staff_only=True, description_key="cmd_stats")
