"""The web chat's sender (`services.senders["web"]`): how a message sent outside a turn —
a staff answer to feedback, a campaign from the outbox — reaches a browser. It is stored
in the session's history (the page shows it on its next visit, and at once over its event
stream if it is open), and, where the browser subscribed to Web Push, announced as a
notification.

The push goes first, the history row after it: a push service that answers 429 or 5xx
has delivered nothing, so nothing is stored and the outbox tries again later, pushing and
storing once. A crash between the two leaves the outbox row "sending" (then uncertain,
never sent again): at most that one message is pushed but missing from the history."""

from __future__ import annotations

from bot.channels.webhistory import CHANNEL, WebHistory
from bot.channels.webnotify import Notifier
from bot.channels.webpush import PushOutcome, WebPush
from bot.kernel.messages import Reply
from bot.kernel.sending import REPLY, BeforeSend, DeliveryError, Lane, Uncertain
from bot.runtime import Runtime


class WebSender:
    channel = CHANNEL

    def __init__(self, history: WebHistory, notifier: Notifier, push: WebPush) -> None:
        self.history, self.notifier, self.push = history, notifier, push

    @classmethod
    def build(cls, services: Runtime) -> WebSender:
        settings = services.settings
        history = WebHistory(services.db, settings.webchat_history_days)
        notifier = Notifier(history.since, per_session=settings.webchat_streams_per_session,
                            total=settings.webchat_streams_max)
        push = WebPush(services.db, settings, lambda: services.content.pack.info.bot_name)
        return cls(history, notifier, push)

    async def send(self, user_id: str, replies: list[Reply], *, lane: Lane = REPLY,
                   before_send: BeforeSend | None = None) -> None:
        """As every sender (bot.kernel.sending.Sender); nothing is paced here, so `lane`
        changes nothing."""
        if before_send is not None:
            await before_send()
        rendered = [r.to_dict() for r in replies]
        pushed = await self.push.push(user_id, rendered)  # raises when worth trying again
        try:
            message_id = await self.history.record_outside(user_id, rendered)
        except Exception as exc:
            if pushed is PushOutcome.NONE:
                raise DeliveryError(f"web history not written: {type(exc).__name__}") from exc
            raise Uncertain(f"pushed, but the web history was not written: {type(exc).__name__}") from exc
        self.notifier.notify(user_id, message_id)
        if pushed is PushOutcome.UNCERTAIN:
            raise Uncertain("push request without an answer (the message is in the web history)")

    async def close(self) -> None:
        await self.push.close()
