"""The numbers a person types to choose a button, one numbering for everything shown in one
turn: the core remembers it, and every channel that shows numbers (the terminal, Zalo's
overflow lines) prints it, so a number on the screen is never used twice.

A quiz question's options come first, 1…k, as its text lists them; then every button with
a payload, in the order the replies show them. A link or call button has no number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.kernel.messages import Reply


@dataclass(frozen=True)
class Choices:
    payloads: tuple[str, ...]  # typing n picks payloads[n - 1]
    labels: tuple[str, ...]  # what the button with that number says (a quiz option: its text)
    # Per reply, per button of `Reply.all_buttons()`: its number, or None (a link, a call).
    numbers: tuple[tuple[int | None, ...], ...]

    @classmethod
    def of(cls, replies: Sequence[Reply]) -> Choices:
        payloads: list[str] = []
        labels: list[str] = []
        quiz = next((r.quiz for r in reversed(replies) if r.quiz), None)
        if quiz is not None:
            for i, payload in enumerate(quiz.payloads):
                payloads.append(payload)
                labels.append(quiz.options[i] if i < len(quiz.options) else "")
        numbers = []
        for reply in replies:
            row: list[int | None] = []
            for button in reply.all_buttons():
                if button.payload:
                    payloads.append(button.payload)
                    labels.append(button.label)
                    row.append(len(payloads))
                else:
                    row.append(None)
            numbers.append(tuple(row))
        return cls(tuple(payloads), tuple(labels), tuple(numbers))

    def of_reply(self, index: int) -> tuple[int | None, ...]:
        return self.numbers[index]
