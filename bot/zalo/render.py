"""Replies in Zalo's idiom: the `message` objects of the OA API's reply endpoint.

Zalo takes at most five buttons per message and 2,000 characters of text. Buttons that
fit become template buttons (`oa.query.show` for choices, `oa.open.url` for links,
`oa.open.phone` to call); the rest become numbered lines the person types — numbered
exactly as the core numbers the options it remembers, so typing "7" picks the seventh.
Long texts are split at paragraph, then sentence boundaries; buttons go on the last part."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.kernel.choices import Choices
from bot.kernel.limits import MAX_TEXT, split_text
from bot.kernel.messages import Button, Reply, is_web_url
from bot.zalo.webhook import BUTTON_MARK

log = logging.getLogger(__name__)

MAX_BUTTONS = 5
MAX_TITLE = 100
MAX_PAYLOAD = 1000

Text = Callable[..., str]  # a message catalogue lookup: text(key, **values)


def _title(label: str) -> str:
    return label if len(label) <= MAX_TITLE else label[: MAX_TITLE - 1] + "…"


def zalo_button(button: Button, action: str) -> dict | None:
    if button.url:
        return {
            "title": _title(button.label),
            "type": "oa.open.url",
            "payload": {"url": button.url},
        }
    if button.phone:
        return {
            "title": _title(button.label),
            "type": "oa.open.phone",
            "payload": {"phone_code": button.phone},
        }
    if button.payload and len(button.payload) + len(BUTTON_MARK) <= MAX_PAYLOAD:
        return {
            "title": _title(button.label),
            "type": action,
            "payload": BUTTON_MARK + button.payload,
        }
    return None


def _quiz_block(reply: Reply, text: Text) -> tuple[str, list[Button]]:
    quiz = reply.quiz
    assert quiz is not None  # called only for a reply that carries a question
    lines = [reply.text.strip()] if reply.text.strip() else []
    if quiz.number and quiz.total:
        lines.append(text("zalo_quiz_question", number=quiz.number, total=quiz.total, question=quiz.question))
    else:
        lines.append(quiz.question)
    lines += [f"{i}. {option}" for i, option in enumerate(quiz.options, 1)]
    if quiz.seconds:
        lines.append(text("zalo_quiz_time", seconds=quiz.seconds))
    lines.append(text("zalo_quiz_hint"))
    buttons = [
        Button(f"{i}. {option}", payload=payload)
        for i, (option, payload) in enumerate(zip(quiz.options, quiz.payloads, strict=False), 1)
    ]
    return "\n".join(lines), buttons


class Renderer:
    def __init__(self, text: Text, button_action: str = "oa.query.show") -> None:
        self.text, self.action = text, button_action

    def render(self, replies: list[Reply], *, numbered: bool = True) -> list[dict]:
        """The messages to send, in order. `numbered`: this is the answer to a turn, so the
        core remembers the options and overflow choices can be typed as numbers; a push
        (broadcast) has no such memory, so its overflow choices are left out."""
        choices = Choices.of(replies) if numbered else None
        messages: list[dict] = []
        for index, reply in enumerate(replies):
            # Zalo shows an image by URL only; a Telegram file id (a campaign photo
            # composed in Telegram) is left out and the text goes alone.
            if reply.image_url and is_web_url(reply.image_url):
                messages.append(
                    {
                        "attachment": {
                            "type": "template",
                            "payload": {
                                "template_type": "media",
                                "elements": [{"media_type": "image", "url": reply.image_url}],
                            },
                        }
                    }
                )
            numbers = choices.of_reply(index) if choices else (None,) * len(reply.all_buttons())
            messages += self._reply(reply, numbers)
        return messages

    def _reply(self, reply: Reply, numbers: tuple[int | None, ...]) -> list[dict]:
        """`numbers`: the turn's number of each of the reply's buttons (None: none)."""
        own = list(zip(reply.all_buttons(), numbers, strict=True))
        if reply.quiz:
            body, options = _quiz_block(reply, self.text)
            own = [(b, None) for b in options] + own  # the options are numbered in the text
        else:
            body = reply.text.strip()
        rendered = [(b, n, zalo_button(b, self.action)) for b, n in own]
        rendered = [(b, n, z) for b, n, z in rendered if z is not None]
        shown, rest = rendered[:MAX_BUTTONS], rendered[MAX_BUTTONS:]
        lines = []
        for button, number, _ in rest:
            if button.url:
                lines.append(self.text("zalo_link_line", label=button.label, url=button.url))
            elif button.phone:
                lines.append(self.text("zalo_phone_line", label=button.label, phone=button.phone))
            elif reply.quiz and button.payload in reply.quiz.payloads:
                continue
            elif number is not None:
                lines.append(f"{number}. {button.label}")
            else:
                log.warning("zalo: a choice did not fit in the message and was left out")
        if lines:
            listing = self.text("zalo_more_choices") + "\n" + "\n".join(lines)
            body = f"{body}\n\n{listing}" if body else listing
        parts = split_text(body, MAX_TEXT) or ([self.text("zalo_choose")] if shown else [])
        messages: list[dict] = [{"text": part} for part in parts]
        if shown and messages:
            messages[-1]["attachment"] = {
                "type": "template",
                "payload": {"buttons": [z for _, _, z in shown]},
            }
        return messages


def preview(replies: list[Reply], text: Text) -> list[dict]:
    """The messages a follower gets for a broadcast (`Renderer.render`, unnumbered), as
    plain data for the staff console's preview:
    [{"image", "text", "buttons": [[{"label", "opens": "link" | "reply" | "call"}]]}]."""
    opens = {"oa.open.url": "link", "oa.open.phone": "call"}
    out: list[dict] = []
    for message in Renderer(text).render(replies, numbered=False):
        payload = (message.get("attachment") or {}).get("payload") or {}
        images = [e["url"] for e in payload.get("elements", []) if e.get("media_type") == "image"]
        buttons = [{"label": b["title"], "opens": opens.get(b["type"], "reply")} for b in payload.get("buttons", [])]
        out.append({"image": images[0] if images else None, "text": message.get("text", ""),
                    "buttons": [[b] for b in buttons]})
    return out
