"""What every channel that can push messages offers the rest of the bot (feedback answers,
broadcasts): `send(user_id, replies)`, with platform failures turned into these errors.

Broadcast delivery (scheduler/delivery/) relies on two more things from a sender:
  * `lane`: "reply" for answers to someone in a conversation, "broadcast" for campaign
    pushes; the sender paces both through its channel's `LaneLimiter`, replies first.
  * `before_send`: awaited once before the first platform call, when the message is next
    in line at the rate limiter (its slot follows; see `LaneLimiter.acquire`). The outbox
    marks the row "sending" there, durably, so a crash can never lead to a second send.
    If it raises, nothing is sent.
And on the errors: `RateLimited` and a transient `DeliveryError` promise the platform did
NOT take the message (safe to retry); `Uncertain` says it may have (never retried)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

from bot.kernel.messages import Reply

# The two lanes a channel's sends are paced in: answers to someone in a conversation go
# first; campaign broadcasts take the slots they leave.
Lane = Literal["reply", "broadcast"]
REPLY: Lane = "reply"
BROADCAST: Lane = "broadcast"

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


# The staff desk: where new feedback tickets are posted for staff to take, forward, answer
# and resolve. On Telegram it is a group chat (`bot/channels/telegram_desk.py`); the rest
# of the bot only knows this port. Errors are the `DeliveryError`s above.
class StaffDesk(Protocol):
    channel: str  # the channel the desk lives on, e.g. "telegram"
    chat_id: str  # the group's id on that channel

    async def post(self, reply: Reply, *, reply_to: str | None = None) -> str:
        """Post a message (with its buttons); returns its id."""
        ...

    async def post_photo(self, photo: str, caption: str, *, reply_to: str | None = None) -> str:
        """Post a photo by file id or URL; returns the message id."""
        ...

    async def edit(self, message_id: str, reply: Reply) -> None: ...

    async def delete(self, message_id: str) -> None: ...
