"""Subscribing to campaign news, by topic or to everything."""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EVERY_TOPIC, EventKind
from bot.db.models import Subscription
from bot.db.results import rowcount
from bot.kernel.messages import Button, Reply

ALL = "all"  # the topic id meaning "every CCHC news item"


async def subscribed_topics(turn: Turn) -> set[str]:
    rows = await turn.session.execute(select(Subscription.topic_id).where(Subscription.user_id == turn.user.id))
    return set(rows.scalars())


async def show_subscriptions(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    mine = await subscribed_topics(turn)

    def toggle(topic_id: str, label: str) -> list[Button]:
        on = topic_id in mine
        return [Button(("✅ " if on else "") + label, payload=f"{'unsub' if on else 'sub'}:{topic_id}")]

    rows = [toggle(ALL, turn.t("subscribe_all"))]
    rows += [toggle(t.id, t.short_title) for t in turn.content.topics]
    rows.append([turn.button("btn_menu", "menu")])
    return [Reply(turn.t("subscribe_title"), buttons=rows)]


def _topic_name(turn: Turn, topic_id: str) -> str | None:
    if topic_id == ALL:
        return turn.t("subscribe_topic_all")
    topic = turn.content.topic(topic_id)
    return topic.title if topic else None


async def subscribe(turn: Turn, topic_id: str) -> list[Reply]:
    topic_id = topic_id or ALL
    name = _topic_name(turn, topic_id)
    if name is None:
        return [Reply(turn.t("topic_unknown")), *await show_subscriptions(turn, "")]
    if topic_id not in await subscribed_topics(turn):
        turn.session.add(Subscription(user_id=turn.user.id, topic_id=topic_id))
        turn.log(EventKind.SUBSCRIBED, topic=topic_id)
    return [Reply(turn.t("subscribed", topic=name), buttons=[[turn.button("btn_subscribe", "subs"),
                                                             turn.button("btn_menu", "menu")]])]


async def unsubscribe(turn: Turn, topic_id: str) -> list[Reply]:
    query = delete(Subscription).where(Subscription.user_id == turn.user.id)
    if topic_id:
        name = _topic_name(turn, topic_id) or topic_id
        query = query.where(Subscription.topic_id == topic_id)
    removed = rowcount(await turn.session.execute(query))
    if removed:
        turn.log(EventKind.UNSUBSCRIBED, topic=topic_id or EVERY_TOPIC)
    text = turn.t("unsubscribed", topic=name) if topic_id else turn.t("unsubscribed_all")
    return [Reply(text, buttons=[[turn.button("btn_subscribe", "subs"), turn.button("btn_menu", "menu")]])]


def register(router: Router) -> None:
    router.payload("subs", show_subscriptions)
    router.intent("subscribe", show_subscriptions)
    router.payload("sub", subscribe)
    router.payload("unsub", unsubscribe)
    router.command("dangky", show_subscriptions, description_key="cmd_subscribe")
    router.command("huydangky", unsubscribe, description_key="cmd_unsubscribe")
