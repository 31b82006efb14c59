"""A quiz question as text, for channels that show it as one message.

The core sends a question as `Reply.quiz`, with `Reply.text` holding only what comes
before it (the answer just recorded, a late notice, an intro). Channels that can show
buttons put the option numbers on them; the options are always listed numbered in the
text, because option texts are too long for button labels and because typing the
number works everywhere."""

from __future__ import annotations

from collections.abc import Callable

from bot.kernel.messages import Reply

Text = Callable[..., str]


def quiz_text(reply: Reply, t: Text) -> str:
    quiz = reply.quiz
    assert quiz is not None  # called only for a reply that carries a question
    lines = [reply.text.strip(), ""] if reply.text.strip() else []
    if quiz.number and quiz.total:
        key = "quiz_header_until" if quiz.until else "quiz_header"
        lines += [t(key, number=quiz.number, total=quiz.total, seconds=quiz.seconds, until=quiz.until), ""]
    lines += [quiz.question, ""]
    lines += [f"{i}. {option}" for i, option in enumerate(quiz.options, 1)]
    lines += ["", t("quiz_hint")]
    return "\n".join(lines)


def reply_text(reply: Reply, t: Text) -> str:
    """What the person reads for this reply."""
    return quiz_text(reply, t) if reply.quiz else reply.text
