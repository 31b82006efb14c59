"""Where an incoming goes: commands, button payloads, the current step, typed shortcuts,
and finally the question answerer as the catch-all.

Features register their handlers here (see `bot/core/features.py`); the conversation
never needs to know what features exist."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.core.turn import Turn
from bot.core.types import Reply

Handler = Callable[[Turn, str], Awaitable[list[Reply]]]
# Runs after the turn was routed and may add replies (e.g. offering a survey). A hook that
# fails is logged and skipped: it never costs the user the answer they came for.
AfterTurn = Callable[[Turn, list[Reply]], Awaitable[list[Reply]]]


@dataclass
class Command:
    handler: Handler
    staff_only: bool = False
    description_key: str | None = None  # catalogue key; shown in the channel's command menu


@dataclass
class Router:
    commands: dict[str, Command] = field(default_factory=dict)
    payloads: dict[str, Handler] = field(default_factory=dict)
    steps: dict[str, Handler] = field(default_factory=dict)
    # Steps that accept images (e.g. a feedback description); others politely refuse them.
    image_steps: set[str] = field(default_factory=set)
    fallback: Handler | None = None
    after_turn_hooks: list[AfterTurn] = field(default_factory=list)

    def command(self, name: str, handler: Handler, *, staff_only=False, description_key=None):
        self.commands[name.lstrip("/").lower()] = Command(handler, staff_only, description_key)

    def payload(self, prefix: str, handler: Handler) -> None:
        """Handle payloads `prefix` and `prefix:arg`."""
        self.payloads[prefix] = handler

    def step(self, name: str, handler: Handler, *, accepts_images: bool = False) -> None:
        self.steps[name] = handler
        if accepts_images:
            self.image_steps.add(name)

    def after_turn(self, hook: AfterTurn) -> None:
        self.after_turn_hooks.append(hook)

    def for_payload(self, payload: str) -> tuple[Handler | None, str]:
        prefix, _, arg = payload.partition(":")
        return self.payloads.get(prefix), arg
