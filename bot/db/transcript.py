"""A web chat turn's lines in the browser's history (table `web_history`): what the person
sent and the bot's replies, written only while the session belongs to someone (after
`/xoadulieu` the turn that confirmed the erasure is not written back).

The turn writes them as it departs, in the statement that saves its state (one round
trip and one commit fewer per web chat message than a statement of their own); a turn
that failed is written on its own afterwards (`RECORD_TURN`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, exists, insert, literal, null, select, union_all

from bot.db.models import User
from bot.db.models_web import WebMessage
from bot.kernel.messages import Reply

CHANNEL = "web"


@dataclass
class Transcript:
    """Handed to a turn by the web chat: `render` makes the replies the page shows. Once
    the turn has departed, `written` is true and `history_id` is the last line's id (None
    when nothing was written)."""

    session: str
    said: str | None
    render: Callable[[list[Reply]], list[dict]]
    replies: list[dict] | None = None
    written: bool = False
    history_id: int | None = None


def _turn_row(role: str, column: str) -> Select:
    """One line of a turn: the person's words (`text`) or the bot's replies (`replies`)."""
    known = exists().where(User.channel == CHANNEL, User.channel_user_id == bindparam("session"))
    said = bindparam("said", type_=WebMessage.text.type) if column == "text" else null()
    replies = bindparam("replies", type_=WebMessage.replies.type) if column == "replies" else null()
    return select(bindparam("session"), literal(role), said, replies, literal(False),
                  bindparam("now", type_=WebMessage.created_at.type)).where(known)


# Both lines in one statement, their ids returned; built once (compiled once, then cached).
# On the table, not the model: run in a session, an insert of the model is the ORM's bulk
# insert, which takes no INSERT … SELECT.
_HISTORY = WebMessage.metadata.tables[WebMessage.__tablename__]
RECORD_TURN = insert(_HISTORY).from_select(
    ["session", "role", "text", "replies", "outside_turn", "created_at"],
    union_all(_turn_row("user", "text"), _turn_row("bot", "replies"))).returning(_HISTORY.c.id)


def record_turn_pg(session: str, said: str, replies: str, now: str) -> str:
    """The same in PostgreSQL text, for a part of a larger statement, with the asyncpg
    parameters (`$n`) that hold the session, the words, the replies (JSON text) and now."""
    return f"""INSERT INTO web_history (session, role, text, replies, outside_turn, created_at)
    SELECT {session}::text, line.role, line.text, CAST(line.replies AS json), false, {now}
    FROM (VALUES (1, 'user', {said}::text, NULL::text), (2, 'bot', NULL, {replies}::text))
         AS line(n, role, text, replies)
    WHERE EXISTS (SELECT 1 FROM users WHERE channel = '{CHANNEL}' AND channel_user_id = {session}::text)
    ORDER BY line.n
    RETURNING id"""
