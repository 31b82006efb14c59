"""Where an incoming goes: commands, button payloads, the current step, typed shortcuts,
and finally the question answerer as the catch-all.

Features register their handlers here (see `bot/conversation/features.py`); the conversation
never needs to know what features exist."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.content.schema import ContentPack
from bot.conversation.turn import Turn
from bot.kernel.messages import Reply

Handler = Callable[[Turn, str], Awaitable[list[Reply]]]
Detector = Callable[[str, ContentPack], bool]
# Runs after the turn was routed and may add replies (e.g. offering a survey). A hook that
# fails is logged and skipped: it never costs the user the answer they came for.
AfterTurn = Callable[[Turn, list[Reply]], Awaitable[list[Reply]]]


@dataclass
class Command:
    handler: Handler
    staff_only: bool = False
    description_key: str | None = None  # catalogue key; shown in the channel's command menu
    in_groups: bool = False  # also runs in group chats (the handler checks who may use it)


@dataclass(frozen=True)
class Flow:
    """A multi-step form (feedback, contest registration, survey…): what it is called, how
    to show its current step again, and how to leave it."""

    name_key: str  # catalogue key of its name ("gửi phản ánh")
    resume: Handler
    leave: Handler
    intent: str | None = None  # the intent that starts this form: not offered again inside it


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
    # What free text may ask the bot to do (content/intents.yaml): action → its handler,
    # called with the text typed (chit-chat: with the catalogue key of the reply).
    intents: dict[str, Handler] = field(default_factory=dict)
    # For some intents, a test the intent table cannot express (an old address typed alone),
    # given the text and the pack being served.
    detectors: dict[str, Detector] = field(default_factory=dict)
    after_turn_hooks: list[AfterTurn] = field(default_factory=list)
    flows: dict[str, Flow] = field(default_factory=dict)  # step → the form it belongs to

    def command(self, name: str, handler: Handler, *, staff_only: bool = False,
                description_key: str | None = None, in_groups: bool = False) -> None:
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

    def intent(self, action: str, handler: Handler, *, detect: Detector | None = None) -> None:
        self.intents[action] = handler
        if detect is not None:
            self.detectors[action] = detect

    def flow(self, steps: list[str], name_key: str, *, resume: Handler, leave: Handler,
             intent: str | None = None) -> None:
        """Mark steps as one form, so a question typed in the middle of it can be answered
        and the form continued or left (`bot/conversation/handlers/flows.py`)."""
        flow = Flow(name_key, resume, leave, intent)
        for step in steps:
            self.flows[step] = flow

    def after_turn(self, hook: AfterTurn) -> None:
        self.after_turn_hooks.append(hook)

    def for_payload(self, payload: str, *, in_group: bool = False) -> tuple[Handler | None, str]:
        prefix, _, arg = payload.partition(":")
        if in_group and prefix not in self.group_payloads:
            return None, arg
        return self.payloads.get(prefix), arg

    def for_pattern(self, text: str) -> Handler | None:
        return next((h for regex, h in self.patterns if regex.fullmatch(text)), None)
