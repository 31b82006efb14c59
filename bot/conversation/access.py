"""Who may act on tickets as staff: anyone in the configured staff group (the group is
the desk; its admins decide who is in it), or a person with a staff role anywhere."""

from __future__ import annotations

from bot.conversation.turn import Turn


def is_staff_desk(turn: Turn) -> bool:
    desk = turn.services.staff_desk
    chat = turn.incoming.chat_id
    if chat is not None:
        return desk is not None and turn.incoming.channel == desk.channel and chat == desk.chat_id
    return turn.role.is_staff


def staff_name(turn: Turn) -> str:
    """How staff see one another in the desk (a first name, not stored elsewhere)."""
    return (turn.incoming.display_name or "").strip()[:64] or turn.t("fb_staff_default_name")
