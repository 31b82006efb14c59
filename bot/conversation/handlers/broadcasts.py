"""What a recipient can do with a broadcast: tap its link (counted, then the link opens)
and unsubscribe with one tap (every subscription removed and broadcasts to them stopped,
until they subscribe again)."""

from __future__ import annotations

from sqlalchemy import delete

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.db.models import Subscription
from bot.db.models_campaigns import Broadcast, RecipientStatus
from bot.db.results import rowcount
from bot.kernel.clock import utcnow
from bot.kernel.ids import parse_id
from bot.kernel.messages import Button, Reply
from scheduler import message


async def _broadcast(turn: Turn, arg: str) -> Broadcast | None:
    broadcast_id = parse_id(arg)
    return await turn.session.get(Broadcast, broadcast_id) if broadcast_id is not None else None


async def clicked(turn: Turn, arg: str) -> list[Reply]:
    broadcast = await _broadcast(turn, arg)
    link = broadcast.message.get("link_url") if broadcast else None
    if broadcast is None or not link:
        return [Reply(turn.t("broadcast_gone"), buttons=[[turn.button("btn_menu", "menu")]])]
    turn.log(EventKind.BROADCAST_CLICKED, topic=broadcast.message.get("topic"),
             item=f"campaign:{broadcast.campaign_id}")
    label = broadcast.message.get("link_label") or turn.t("broadcast_link")
    return [Reply(turn.t("broadcast_link_open"), buttons=[[Button(label, url=link)]])]


async def unsubscribe(turn: Turn, arg: str) -> list[Reply]:
    broadcast = await _broadcast(turn, arg)
    removed = rowcount(await turn.session.execute(
        delete(Subscription).where(Subscription.user_id == turn.user.id)))
    status = await turn.session.get(RecipientStatus, turn.user.id)
    first_tap = removed or status is None or status.opted_out_at is None
    if status is None:
        turn.session.add(RecipientStatus(user_id=turn.user.id, opted_out_at=utcnow()))
    else:
        status.opted_out_at = utcnow()
    if first_tap:  # a double tap is not a second unsubscription
        turn.log(EventKind.UNSUBSCRIBED, topic="all", outcome="broadcast",
                 item=f"campaign:{broadcast.campaign_id}" if broadcast else None)
    return [Reply(turn.t("broadcast_unsubscribed"), buttons=[[turn.button("btn_resubscribe", "subs")],
                                                            [turn.button("btn_menu", "menu")]])]


async def preview_button(turn: Turn, _: str) -> list[Reply]:
    """A button in a preview does nothing; what was offered with the preview (confirm,
    discard…) is offered again, so the person can go on."""
    offered = [o for o in turn.state.options or []
               if isinstance(o, list) and not o[0].startswith(f"{message.PREVIEW}:")]
    return [Reply(turn.t("broadcast_preview_button"),
                  buttons=[[Button(label, payload=payload)] for payload, label in offered])]


def register(router: Router) -> None:
    router.payload(message.CLICK, clicked)
    router.payload(message.UNSUBSCRIBE, unsubscribe)
    router.payload(message.PREVIEW, preview_button)
