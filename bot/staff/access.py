"""Who may do what in the staff console: each page and action belongs to an area, and each
staff role is allowed some areas. One table, read by every route (and by the chat, where
it grows to use it)."""

from __future__ import annotations

from enum import StrEnum

from bot.db.models import Role


class Area(StrEnum):
    DASHBOARD = "dashboard"  # today at a glance
    CAMPAIGNS = "campaigns"  # compose, confirm, pause, resend
    FEEDBACK = "feedback"  # the feedback desk
    CONTENT = "content"  # content gaps and entries
    CONTEST = "contest"  # open, close, standings, export
    REPORTS = "reports"  # the periodic report
    STAFF = "staff"  # staff, their sessions, the audit log


ALLOWED: dict[Role, frozenset[Area]] = {
    Role.ADMIN: frozenset(Area),
    Role.EDITOR: frozenset({Area.DASHBOARD, Area.CAMPAIGNS, Area.CONTENT, Area.REPORTS}),
    Role.FEEDBACK: frozenset({Area.DASHBOARD, Area.FEEDBACK}),
    Role.CONTEST: frozenset({Area.DASHBOARD, Area.CONTEST, Area.REPORTS}),
}


def allows(role: str, area: Area) -> bool:
    try:
        return area in ALLOWED.get(Role(role), frozenset())
    except ValueError:  # a role this version does not know
        return False
