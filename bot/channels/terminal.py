"""A chat in the terminal, for a quick look and for testing content in bulk.

Interactive when standard input is a terminal; otherwise one message per line, and with
`--json` one JSON line per reply: text, buttons, answer_id (null when unsure), score."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.channels.quiz import Text, reply_text
from bot.conversation.conversation import Conversation
from bot.kernel.choices import Choices
from bot.kernel.messages import Incoming, Reply

CHANNEL = "terminal"


def render_turn(replies: list[Reply], text: Text | None = None) -> list[str]:
    """Each reply as the person reads it; buttons carry the turn's numbers (`Choices`)."""
    choices = Choices.of(replies)
    return [render_plain(reply, text, choices.of_reply(i)) for i, reply in enumerate(replies)]


def render_plain(reply: Reply, text: Text | None, numbers: tuple[int | None, ...]) -> str:
    lines = [reply_text(reply, text) if text else reply.text]
    for button, number in zip(reply.all_buttons(), numbers, strict=True):
        if number is not None:
            lines.append(f"  [{number}] {button.label}")
    for button in reply.all_buttons():
        if button.url or button.phone:
            lines.append(f"  → {button.label}: {button.url or button.phone}")
    return "\n".join(lines)


def render_json(reply: Reply, text: Text | None = None) -> str:
    line: dict[str, object] = {
        "text": reply_text(reply, text) if text else reply.text,
        "buttons": [b.label for b in reply.all_buttons()],
        "answer_id": reply.answer_id,
        "score": reply.score,
    }
    if reply.quiz:  # the options are numbered in the text; type the number to answer
        line["quiz"] = {"options": reply.quiz.options, "seconds": reply.quiz.seconds}
    return json.dumps(line, ensure_ascii=False)


async def run_chat(conversation: Conversation, user: str, as_json: bool,
                   stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    interactive = stdin.isatty() and not as_json
    as_text = conversation.services.content.text

    def render(replies: list[Reply]) -> list[str]:
        if as_json:
            return [render_json(reply, as_text) for reply in replies]
        return render_turn(replies, as_text)
    if interactive:
        stdout.write("Gõ tin nhắn rồi nhấn Enter; gõ số để chọn nút; Ctrl-D để thoát.\n")
        for shown in render(await conversation.handle(Incoming(CHANNEL, user, text="/start"))):
            stdout.write(shown + "\n\n")
    while True:
        if interactive:
            stdout.write("Bạn: ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.rstrip("\n")
        if not interactive and not text.strip():
            continue
        for shown in render(await conversation.handle(Incoming(CHANNEL, user, text=text))):
            stdout.write(shown + ("\n" if as_json else "\n\n"))
        stdout.flush()
