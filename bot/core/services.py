"""The long-lived parts a turn uses: settings, database, content, router."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.channels.base import Sender
from bot.config import Settings
from bot.content.loader import ContentError, ContentIssue, load
from bot.content.schema import ContentPack
from bot.core.answerer import QuestionAnswerer
from bot.core.router import Router
from bot.db.base import utcnow
from bot.db.session import Database

log = logging.getLogger(__name__)


class ContentStore:
    """The pack being served and what is derived from it. `reload` swaps both at once,
    or keeps the old ones and returns the problems when the new pack is invalid."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        loaded = load(self.directory)
        self._install(loaded.pack)
        self.operator_fields = loaded.operator_fields

    def _install(self, pack: ContentPack) -> None:
        self.answerer = QuestionAnswerer(pack)
        self.pack = pack

    def reload(self) -> list[ContentIssue]:
        try:
            loaded = load(self.directory)
        except ContentError as exc:
            log.error("content reload refused", extra={"problems": len(exc.issues)})
            return exc.issues
        self._install(loaded.pack)
        self.operator_fields = loaded.operator_fields
        log.info("content reloaded")
        return []

    def text(self, key: str, **values: object) -> str:
        info = self.pack.info
        defaults = {"bot_name": info.bot_name, "agency": info.agency, "province": info.province}
        try:
            return self.pack.text(key, **(defaults | values))
        except KeyError:
            log.error("message catalogue key missing", extra={"key": key})
            return self.pack.messages.get("error_generic", key)


@dataclass
class Services:
    settings: Settings
    db: Database
    content: ContentStore
    router: Router
    # Channels that can push messages outside a turn, by channel name (filled by BotApp).
    senders: dict[str, Sender] = field(default_factory=dict)
    # The server's clock (aware UTC). Timed features (quiz deadlines, contest windows) read
    # it here, so tests can move time instead of sleeping.
    clock: Callable[[], datetime] = utcnow
