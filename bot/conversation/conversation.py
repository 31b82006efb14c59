"""The conversation core: turns one `Incoming` into the `Reply`s to send back."""

from __future__ import annotations

import asyncio
import logging
import re

from sqlalchemy.exc import DBAPIError

from bot.conversation.services import Services
from bot.conversation.turn import Turn
from bot.db import arrival, events
from bot.db.events import EventKind
from bot.db.transcript import Transcript
from bot.kernel.choices import Choices
from bot.kernel.clock import utcnow
from bot.kernel.ids import parse_id
from bot.kernel.messages import Incoming, Reply
from bot.kernel.text import fold

log = logging.getLogger(__name__)

MAX_TEXT = 4000  # longer messages are cut before handling (never stored in full)
_COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@\w+)?\s*(.*)$", re.S)


class Conversation:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.router = services.router
        # A few turns at a time: interleaving many turns on one CPU makes each slower
        # (the contest bench: p95 per answer 70–130 ms with 32 at once, 36 ms with 8).
        self._slots = asyncio.Semaphore(services.settings.turn_concurrency)
        self.turns = 0  # handled since start (for /healthz and the load benchmark)

    async def handle(self, incoming: Incoming, lines: Transcript | None = None) -> list[Reply]:
        """Handle one update in one database transaction. A redelivered update (same
        `update_key`) returns no replies, so it is never answered twice. Work a handler
        deferred with `turn.after_commit` runs once the transaction is committed. `lines`
        (the web chat's) are written to the history with the turn."""
        self.turns += 1
        async with self._slots:
            try:
                turn, replies = await self._turn(incoming, lines)
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                # The database restarted since this connection was last used (the pool does
                # not ping before every turn: that would be one more round trip each time).
                log.warning("database connection lost; the turn is tried again once")
                turn, replies = await self._turn(incoming, lines)
        if turn is None:
            return replies
        for task in turn.after_commit:
            try:
                await task()
            except Exception:
                log.exception("after-commit task failed", extra={"channel": incoming.channel})
        return replies

    async def _turn(self, incoming: Incoming, lines: Transcript | None) -> tuple[Turn | None, list[Reply]]:
        """The transaction: arrive, route, depart, commit. (None, []) for a duplicate."""
        db, now = self.services.db, utcnow()
        async with db.serialised(), db.session() as session:
            arrived = await arrival.arrive(session, incoming.channel, incoming.user_id, incoming.update_key, now)
            if arrived is None:
                log.info("duplicate update ignored", extra={"channel": incoming.channel})
                return None, []
            user, state = arrived
            key = events.user_key(self.services.settings.pseudonym_salt, incoming.channel, incoming.user_id)
            turn = Turn(incoming, session, user, state, self.services, key, step_at_start=state.step)
            if incoming.chat_id is None:  # group traffic (staff) is not citizen engagement
                turn.log(EventKind.MESSAGE_IN, outcome=incoming.kind)
            try:
                replies = await (self._route_group(turn) if turn.in_group else self._route(turn))
            except Exception:
                log.exception("handler failed", extra={"channel": incoming.channel})
                await session.rollback()
                return None, [] if turn.in_group else [Reply(self.services.content.text("error_generic"))]
            if not turn.in_group:
                replies = await self._after_turn(turn, replies)
                self._remember_options(turn, replies)
            if lines is not None:
                lines.replies = lines.render(replies)
            await arrival.depart(session, turn.state, turn.events, now, lines)
            await session.commit()
        return turn, replies

    async def _after_turn(self, turn: Turn, replies: list[Reply]) -> list[Reply]:
        """Hooks add to a finished turn (a survey offer). One that fails in Python loses
        only what it added; there is no savepoint around it (two round trips on every
        turn), so one whose statement failed in the database fails the turn."""
        for hook in self.router.after_turn_hooks:
            logged, added = len(turn.events), set(turn.session.new)
            try:
                replies = await hook(turn, replies)
            except DBAPIError:
                raise
            except Exception:
                log.exception("after-turn hook failed", extra={"hook": getattr(hook, "__name__", "?")})
                del turn.events[logged:]
                for obj in set(turn.session.new) - added:
                    turn.session.expunge(obj)
        return replies

    async def _route(self, turn: Turn) -> list[Reply]:
        incoming, router, step = turn.incoming, self.router, turn.state.step
        if incoming.kind in ("image", "sticker", "other"):
            if incoming.kind == "image" and step in router.image_steps:
                return await router.steps[step](turn, incoming.text or "")
            turn.log(EventKind.BAD_INPUT, outcome=incoming.kind)
            return [Reply(turn.t("media_unsupported"), buttons=[[turn.button("btn_menu", "menu")]])]
        if incoming.payload is not None:
            return await self._payload(turn, incoming.payload)

        text = (incoming.text or "").strip()[:MAX_TEXT]
        if not text:
            turn.log(EventKind.BAD_INPUT, outcome="empty")
            return [Reply(turn.t("empty_text"), buttons=[[turn.button("btn_menu", "menu")]])]
        command = _COMMAND.match(text)
        if command:
            return await self._command(turn, command.group(1).lower(), command.group(2).strip())
        chosen = _typed_choice(text, turn.state.options or [])
        if chosen is not None:
            return await self._payload(turn, chosen)
        if step in router.steps:
            return await router.steps[step](turn, text)
        pattern = router.for_pattern(text)
        if pattern is not None:
            return await pattern(turn, text)
        assert router.fallback is not None  # set with the handlers (handlers.ask.register)
        return await router.fallback(turn, text)

    async def _route_group(self, turn: Turn) -> list[Reply]:
        """A group chat: only handlers marked for groups run, and anything else is ignored
        silently (a group is not a conversation with the bot)."""
        incoming, router = turn.incoming, self.router
        if incoming.payload is not None:
            handler, arg = router.for_payload(incoming.payload, in_group=True)
            return await handler(turn, arg) if handler else []
        text = (incoming.text or "").strip()[:MAX_TEXT]
        if incoming.kind != "text" or not text:
            return []
        command = _COMMAND.match(text)
        if command:
            found = router.commands.get(command.group(1).lower())
            if found is None or not found.in_groups:
                return []
            return await found.handler(turn, command.group(2).strip())
        return await router.group_text(turn, text) if router.group_text else []

    async def _payload(self, turn: Turn, payload: str) -> list[Reply]:
        handler, arg = self.router.for_payload(payload)
        if handler is None:
            turn.log(EventKind.BAD_INPUT, outcome="payload")
            return [Reply(turn.t("button_expired"), buttons=[[turn.button("btn_menu", "menu")]])]
        return await handler(turn, arg)

    async def _command(self, turn: Turn, name: str, args: str) -> list[Reply]:
        command = self.router.commands.get(name)
        if command is None:
            turn.log(EventKind.BAD_INPUT, outcome="command")
            return [Reply(turn.t("unknown_command"), buttons=[[turn.button("btn_menu", "menu")]])]
        if command.staff_only and not turn.role.is_staff:
            return [Reply(turn.t("staff_only"))]
        return await command.handler(turn, args)

    @staticmethod
    def _remember_options(turn: Turn, replies: list[Reply]) -> None:
        """Keep the buttons just shown, numbered as the channels show them (`Choices`), so
        typing "2" picks the second and typing a button's label picks that button."""
        choices = Choices.of(replies)
        turn.state.options = [[p, label] for p, label in zip(choices.payloads, choices.labels, strict=True)]


def _typed_choice(text: str, options: list) -> str | None:
    """The payload of the button the text chooses: its number, or its label typed whole
    ("xac nhan" for "✅ Xác nhận": a confirm typed must act on what awaits it, not be taken
    for a question). None when it chooses none, or when the label is not one button's."""
    payloads = [o if isinstance(o, str) else o[0] for o in options]  # rows before labels: payloads
    number = parse_id(text)
    if number is not None:
        return payloads[number - 1] if 1 <= number <= len(payloads) else None
    typed = fold(text)
    if not typed:
        return None
    found = {o[0] for o in options if not isinstance(o, str) and fold(o[1]) == typed}
    return found.pop() if len(found) == 1 else None
