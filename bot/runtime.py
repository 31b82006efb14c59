"""The long-lived parts that domain services use: settings, database, served content, the
channels that can push, the staff desk, the clock. The conversation extends it with its
router (`bot/conversation/services.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Settings
from bot.content.store import ContentStore
from bot.db.session import Database
from bot.kernel.clock import utcnow
from bot.kernel.sending import Sender, StaffDesk


@dataclass
class Runtime:
    settings: Settings
    db: Database
    content: ContentStore
    # Channels that can push messages outside a turn, by channel name (filled by BotApp).
    senders: dict[str, Sender] = field(default_factory=dict)
    # Where new feedback tickets are posted for staff (the Telegram staff group), if any.
    staff_desk: StaffDesk | None = None
    # The server's clock (aware UTC). Timed features (quiz deadlines, contest windows) read
    # it here, so tests can move time instead of sleeping.
    clock: Callable[[], datetime] = utcnow
