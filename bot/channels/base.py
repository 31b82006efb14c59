"""What every channel that can push messages offers the rest of the bot (feedback answers,
broadcasts): `send(user_id, replies)`, with platform failures turned into these errors."""

from __future__ import annotations

from typing import Protocol

from bot.core.types import Reply


class DeliveryError(Exception):
    """A send failed; `transient` ones may be retried later."""

    transient = True


class Unreachable(DeliveryError):
    """The person blocked the bot, unfollowed, or can no longer be messaged."""

    transient = False


class OutsideReplyWindow(Unreachable):
    """The platform allows replies only for a while after the person's last interaction
    (Zalo: 7 days) and that window is closed; a broadcast may reach them another way."""


class RateLimited(DeliveryError):
    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Rejected(DeliveryError):
    """The platform refused this message (bad request): retrying will not help."""

    transient = False


class Sender(Protocol):
    channel: str

    async def send(self, user_id: str, replies: list[Reply]) -> None: ...
