"""The two database steps that frame every turn: arriving and departing.

`arrive` de-duplicates the platform update, finds (or creates) the person and their
conversation state, and locks the state for the turn. `depart` saves the state and writes
the turn's events. On PostgreSQL each is one statement (data-modifying CTEs), so a turn
costs BEGIN, arrive, whatever the handler reads and writes, depart, COMMIT — the turn is
what limits a contest opening with thousands of cadres at once. On SQLite, where a round
trip is a function call, they are the plain statements one after the other.

The state is handed to the turn as a detached object: the handler changes it freely and
`depart` writes it once, so the ORM never flushes it on its own."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from bot.db import events, prepared, transcript
from bot.db.models import ConversationState, ProcessedUpdate, User
from bot.db.once import insert_once
from bot.db.transcript import Transcript
from bot.db.users import get_or_create_user, load_state

_FIRST_DELIVERY = """first_delivery AS (
    INSERT INTO processed_updates (channel, update_key, processed_at)
    VALUES ($1, $4, $3)
    ON CONFLICT DO NOTHING
    RETURNING 1
), """

_PERSON_AND_STATE = """person AS (
    INSERT INTO users (channel, channel_user_id, role, created_at, last_seen_at)
    SELECT $1, $2, 'citizen', $3, $3 {only_first}
    ON CONFLICT (channel, channel_user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at
    RETURNING id, role, unit_id, created_at, last_seen_at
), state AS (
    -- The no-op update on conflict locks an existing row for the turn, like FOR UPDATE:
    -- two processes serving one person take turns instead of overwriting each other.
    INSERT INTO conversation_states (user_id, step, data, options, updated_at)
    SELECT id, NULL, '{{}}', '[]', $3 FROM person
    ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id
    RETURNING user_id, step, data, options, updated_at
)
SELECT person.id, person.role, person.unit_id, person.created_at, person.last_seen_at,
       state.step, state.data, state.options, state.updated_at
FROM person JOIN state ON state.user_id = person.id"""

# PostgreSQL text with asyncpg's `$n` parameters (channel, channel user id, now, update
# key), prepared once per connection; with and without de-duplication.
_ARRIVE = {
    True: "WITH " + _FIRST_DELIVERY + _PERSON_AND_STATE.format(
        only_first="WHERE EXISTS (SELECT 1 FROM first_delivery)"),
    False: "WITH " + _PERSON_AND_STATE.format(only_first=""),
}

# asyncpg's own text: the busiest path (bot.db.prepared). The state ($1–$5) and the
# turn's events ($6); for a web chat turn, its lines in the history too ($7–$9).
_SAVE_STATE = """saved AS (
    UPDATE conversation_states SET step = $2, data = CAST($3 AS json), options = CAST($4 AS json),
           updated_at = $5
    WHERE user_id = $1
)"""
_LOG_EVENTS = """INSERT INTO engagement_events (occurred_at, user_key, channel, kind, topic, item, outcome, value,
                               wording)
SELECT occurred_at, user_key, channel, kind, topic, item, outcome, value, wording
FROM json_to_recordset(CAST($6 AS json)) AS e(
    occurred_at timestamptz, user_key text, channel text, kind text, topic text, item text,
    outcome text, value float8, wording text)"""
_DEPART = f"WITH {_SAVE_STATE}\n{_LOG_EVENTS}"
_DEPART_WITH_TRANSCRIPT = f"""WITH {_SAVE_STATE}, logged AS (
{_LOG_EVENTS}
), written AS (
{transcript.record_turn_pg("$7", "$8", "$9", "$5")}
)
SELECT max(id) AS history_id FROM written"""


async def arrive(session: AsyncSession, channel: str, channel_user_id: str, update_key: str | None,
                 now: datetime) -> tuple[User, ConversationState] | None:
    """The person and their locked state, or None when this update was handled before."""
    if session.get_bind().dialect.name != "postgresql":
        return await _arrive_step_by_step(session, channel, channel_user_id, update_key, now)
    # The turn's first statement: through SQLAlchemy, which sends BEGIN before it. The
    # driver-level call skips the ORM's statement machinery; the rest of the busiest path
    # follows through asyncpg itself (bot.db.prepared).
    args = (channel, channel_user_id, now, *([update_key] if update_key else []))
    row = (await (await session.connection()).exec_driver_sql(_ARRIVE[bool(update_key)], args)).first()
    if row is None:
        return None
    user = User(id=row.id, channel=channel, channel_user_id=channel_user_id, role=row.role,
                unit_id=row.unit_id, created_at=row.created_at, last_seen_at=row.last_seen_at)
    make_transient_to_detached(user)  # as if loaded: changes a handler makes are flushed
    session.add(user)
    state = ConversationState(user_id=row.id, step=row.step, data=row.data, options=row.options,
                              updated_at=row.updated_at)
    return user, state


async def _arrive_step_by_step(session: AsyncSession, channel: str, channel_user_id: str,
                               update_key: str | None, now: datetime) -> tuple[User, ConversationState] | None:
    if update_key and not await insert_once(session, ProcessedUpdate, ["channel", "update_key"],
                                            channel=channel, update_key=update_key, processed_at=now):
        return None
    user = await get_or_create_user(session, channel, channel_user_id)
    loaded = await load_state(session, user, lock=False)
    state = ConversationState(user_id=user.id, step=loaded.step, data=loaded.data, options=loaded.options,
                              updated_at=loaded.updated_at)
    session.expunge(loaded)
    return user, state


async def depart(session: AsyncSession, state: ConversationState, logged: Sequence[dict], now: datetime,
                 lines: Transcript | None = None) -> None:
    """Save the state and write the events logged during the turn (rows of `events.row`)
    and, for a web chat turn with replies, its lines in the history (`lines` then tells
    the last line's id)."""
    history_id: int | None = None
    if session.get_bind().dialect.name != "postgresql":
        await session.execute(update(ConversationState).where(ConversationState.user_id == state.user_id)
                              .values(step=state.step, data=state.data, options=state.options, updated_at=now))
        await events.write_rows(session, logged)
        if lines is not None and lines.replies:
            history_id = max((await session.execute(transcript.RECORD_TURN, {
                "session": lines.session, "said": lines.said, "replies": lines.replies, "now": now})).scalars(),
                default=None)
    else:
        rows = [dict(r, occurred_at=r["occurred_at"].isoformat()) for r in logged]
        args = (state.user_id, state.step, json.dumps(state.data), json.dumps(state.options), now, json.dumps(rows))
        if lines is not None and lines.replies:
            row = await prepared.fetchrow(session, _DEPART_WITH_TRANSCRIPT, *args, lines.session, lines.said,
                                          json.dumps(lines.replies))
            history_id = row["history_id"] if row is not None else None
        else:
            await prepared.fetch(session, _DEPART, *args)
    if lines is not None:
        lines.written, lines.history_id = True, history_id
