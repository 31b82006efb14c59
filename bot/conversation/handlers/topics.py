"""Browsing curated CCHC messages by topic."""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.kernel.messages import Button, Reply


async def list_topics(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    rows = [[Button(f"{t.number}. {t.short_title}", payload=f"topic:{t.id}")] for t in turn.content.topics]
    rows.append([turn.button("btn_menu", "menu")])
    return [Reply(turn.t("topics_title"), buttons=rows)]


async def show_topic(turn: Turn, topic_id: str) -> list[Reply]:
    topic = turn.content.topic(topic_id)
    if topic is None:
        return [Reply(turn.t("topic_unknown")), *await list_topics(turn, "")]
    turn.log(EventKind.TOPIC_VIEWED, topic=topic.id)
    rows = [[Button(m.title, payload=f"msg:{m.id}")] for m in topic.messages]
    rows.append([turn.button("btn_follow_topic", f"sub:{topic.id}")])
    rows.append([turn.button("btn_other_topics", "topics"), turn.button("btn_menu", "menu")])
    text = turn.t("topic_intro", title=topic.title, description=topic.description)
    return [Reply(text, buttons=rows)]


async def show_message(turn: Turn, message_id: str) -> list[Reply]:
    for topic in turn.content.topics:
        for i, message in enumerate(topic.messages):
            if message.id != message_id:
                continue
            turn.log(EventKind.MESSAGE_VIEWED, topic=topic.id, item=message.id)
            parts = [message.title, message.text]
            if message.source:
                parts.append(turn.t("message_source", source=message.source))
            rows = []
            if i + 1 < len(topic.messages):
                rows.append([turn.button("btn_next_message", f"msg:{topic.messages[i + 1].id}")])
            rows.append([turn.button("btn_follow_topic", f"sub:{topic.id}")])
            rows.append([turn.button("btn_other_topics", "topics"), turn.button("btn_menu", "menu")])
            link = [[Button(message.link, url=message.link)]] if message.link else []
            return [Reply("\n\n".join(parts), buttons=link + rows)]
    return [Reply(turn.t("message_unknown")), *await list_topics(turn, "")]


def register(router: Router) -> None:
    router.payload("topics", list_topics)
    router.payload("topic", show_topic)
    router.payload("msg", show_message)
    router.command("tintuc", list_topics)
