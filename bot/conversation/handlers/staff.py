"""Staff in chat: redeeming an invite code, and today's quick figures."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import distinct, func, select

from bot import staff
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.db.models import EngagementEvent
from bot.kernel.clock import VN
from bot.kernel.messages import Reply


async def redeem(turn: Turn, code: str) -> list[Reply]:
    if not code:
        return [Reply(turn.t("invite_usage"))]
    role = await staff.redeem_invite(turn.session, code, turn.user)
    if role is None:
        return [Reply(turn.t("invite_invalid"))]
    turn.log(EventKind.STAFF_JOINED, outcome=role)
    return [Reply(turn.t("invite_ok", role=turn.t(f"role_{role}")))]


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
    router.command("thongke", stats_today, staff_only=True, description_key="cmd_stats")
