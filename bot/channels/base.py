"""What every channel that can push messages offers the rest of the bot (feedback answers,
broadcasts): `send(user_id, replies)`, with platform failures turned into these errors.

Broadcast delivery (scheduler/delivery.py) relies on two more things from a sender:
  * `lane`: "reply" for answers to someone in a conversation, "broadcast" for campaign
    pushes; the sender paces both through its channel's `LaneLimiter`, replies first.
  * `before_send`: awaited once, after the rate limiter admitted the message and right
    before the first platform call. The outbox marks the row "sending" there, durably, so
    a crash can never lead to a second send. If it raises, nothing is sent.
And on the errors: `RateLimited` and a transient `DeliveryError` promise the platform did
NOT take the message (safe to retry); `Uncertain` says it may have (never retried)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.channels.ratelimit import REPLY, Lane
from bot.core.types import Reply

BeforeSend = Callable[[], Awaitable[None]]


class DeliveryError(Exception):
    """A send failed; `transient` ones were not delivered and may be retried later."""

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


class Uncertain(DeliveryError):
    """The request may have reached the platform (timeout, connection lost mid-request, or
    part of a multi-part message went out): retrying could deliver it twice."""

    transient = False


class ChannelUnavailable(DeliveryError):
    """The channel itself cannot send now (bad token, quota exhausted): nothing was sent;
    try the whole channel again later."""

    def __init__(self, message: str, retry_after: float = 60.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Sender(Protocol):
    channel: str

    async def send(
        self, user_id: str, replies: list[Reply], *, lane: Lane = REPLY,
        before_send: BeforeSend | None = None,
    ) -> None: ...
