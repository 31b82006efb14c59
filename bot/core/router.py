"""Where an incoming goes: commands, button payloads, the current step, typed shortcuts,
and finally the question answerer as the catch-all.

Features register their handlers here (see `bot/core/features.py`); the conversation
never needs to know what features exist."""

from __future__ import annotations

import re
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
    in_groups: bool = False  # also runs in group chats (the handler checks who may use it)


@dataclass
class Router:
    commands: dict[str, Command] = field(default_factory=dict)
    payloads: dict[str, Handler] = field(default_factory=dict)
    steps: dict[str, Handler] = field(default_factory=dict)
    # Steps that accept images (e.g. a feedback description); others politely refuse them.
    image_steps: set[str] = field(default_factory=set)
    # Whole-message patterns (e.g. a tracking code typed on its own), tried after the
    # current step and before the catch-all.
    patterns: list[tuple[re.Pattern, Handler]] = field(default_factory=list)
    # Payload prefixes that also work in group chats.
    group_payloads: set[str] = field(default_factory=set)
    # Plain text in a group chat (a reply to one of the bot's messages); None: ignored.
    group_text: Handler | None = None
    fallback: Handler | None = None
    after_turn_hooks: list[AfterTurn] = field(default_factory=list)

    def command(self, name: str, handler: Handler, *, staff_only=False, description_key=None,
                in_groups=False):
        self.commands[name.lstrip("/").lower()] = Command(handler, staff_only, description_key, in_groups)

    def payload(self, prefix: str, handler: Handler, *, in_groups: bool = False) -> None:
        """Handle payloads `prefix` and `prefix:arg`."""
        self.payloads[prefix] = handler
        if in_groups:
            self.group_payloads.add(prefix)

    def pattern(self, regex: str, handler: Handler) -> None:
        """Handle a message that matches `regex` as a whole (case-insensitive)."""
        self.patterns.append((re.compile(regex, re.I), handler))

    def step(self, name: str, handler: Handler, *, accepts_images: bool = False) -> None:
        self.steps[name] = handler
        if accepts_images:
            self.image_steps.add(name)

    def after_turn(self, hook: AfterTurn) -> None:
        self.after_turn_hooks.append(hook)

    def for_payload(self, payload: str, *, in_group: bool = False) -> tuple[Handler | None, str]:
        prefix, _, arg = payload.partition(":")
        if in_group and prefix not in self.group_payloads:
            return None, arg
        return self.payloads.get(prefix), arg

    def for_pattern(self, text: str) -> Handler | None:
        return next((h for regex, h in self.patterns if regex.fullmatch(text)), None)
