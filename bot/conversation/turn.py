"""One turn of conversation: everything a handler needs, and nothing global."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import events
from bot.db.models import ConversationState, Role, User
from bot.kernel.messages import Button, Incoming, Reply

if TYPE_CHECKING:
    from bot.content.schema import ContentPack
    from bot.conversation.services import Services


@dataclass
class Turn:
    incoming: Incoming
    session: AsyncSession
    user: User
    state: ConversationState
    services: Services
    user_key: str
    replies: list[Reply] = field(default_factory=list)
    # The step the person was in when this turn began (None: not in a flow).
    step_at_start: str | None = None
    # Set by a handler whose reply must stand alone (a quiz answer and its result): nothing,
    # such as a survey offer, is appended after it.
    quiet: bool = False
    # Work to do once the turn is committed (push to other people, post to the staff group):
    # never before, so nothing is sent for a turn that was rolled back.
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # The events logged by this turn, written with its state when it departs (one statement).
    events: list[dict] = field(default_factory=list)

    @property
    def content(self) -> ContentPack:
        return self.services.content.pack

    @property
    def in_group(self) -> bool:
        return self.incoming.chat_id is not None

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    def t(self, key: str, **values: object) -> str:
        """A string from the message catalogue (content/messages.yaml)."""
        return self.services.content.text(key, **values)

    def button(self, key: str, payload: str, **values: object) -> Button:
        return Button(self.t(key, **values), payload=payload)

    def log(self, kind: str, **fields: Any) -> None:
        self.events.append(events.row(user_key=self.user_key, channel=self.incoming.channel, kind=kind, **fields))

    def logged(self, kind: str) -> int:
        """How many events of `kind` this turn has logged so far (not yet written)."""
        return sum(1 for e in self.events if e["kind"] == kind)

    def rekey(self, user_key: str) -> None:
        """The person's data was erased under a new pseudonym: this turn's events too."""
        self.user_key = user_key
        for e in self.events:
            e["user_key"] = user_key

    def set_step(self, step: str | None, **data: Any) -> None:
        self.state.step = step
        self.state.data = dict(data) if step else {}
