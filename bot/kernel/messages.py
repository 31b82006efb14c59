"""The neutral message types every channel adapter translates to and from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

IncomingKind = Literal["text", "button", "image", "sticker", "other"]


@dataclass(frozen=True)
class Incoming:
    channel: str  # "telegram", "zalo", "web", "terminal"
    user_id: str  # the platform's id for the person (chat id, Zalo user id, web session)
    kind: IncomingKind = "text"
    text: str | None = None  # what was typed, commands included
    payload: str | None = None  # the payload of a tapped button
    locale: str = "vi"
    update_key: str | None = None  # the platform's id of this update, for de-duplication
    attachments: tuple[str, ...] = ()  # file ids / URLs of images the user sent
    # Set when the message came from a group chat (e.g. the staff group): replies go to
    # that chat, not to the person, and only handlers marked for groups run.
    chat_id: str | None = None
    quoted: str | None = None  # text of the bot message this one replies to, if any
    display_name: str | None = None  # first name shown in group chats (not stored)

    @staticmethod
    def button(channel: str, user_id: str, payload: str, **kw: Any) -> Incoming:
        return Incoming(channel=channel, user_id=user_id, kind="button", payload=payload, **kw)


@dataclass(frozen=True)
class Button:
    label: str
    payload: str | None = None  # sent back as Incoming.payload when tapped
    url: str | None = None  # opens a link
    phone: str | None = None  # starts a call where the channel can

    def to_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass
class QuizQuestion:
    """A timed multiple-choice question; options are answered by payload."""

    question: str
    options: list[str]
    payloads: list[str]
    seconds: int | None = None  # left to answer
    number: int | None = None
    total: int | None = None
    until: str | None = None  # the clock time the answer must arrive by ("14:05:30", local time)


@dataclass
class Reply:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    image_url: str | None = None
    quiz: QuizQuestion | None = None
    # For an answer to free text: the content entry that answered (None when unsure).
    answer_id: str | None = None
    score: float | None = None
    # Replies that carry the same key replace each other in place where the channel can
    # edit messages (a live progress counter); elsewhere they are sent anew.
    edit_key: str | None = None

    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]

    def to_dict(self) -> dict:
        out: dict = {"text": self.text, "buttons": [[b.to_dict() for b in row] for row in self.buttons]}
        if self.image_url:
            out["image_url"] = self.image_url
        if self.quiz:
            out["quiz"] = vars(self.quiz)
        out["answer_id"] = self.answer_id
        out["score"] = self.score
        return out


def is_web_url(value: str) -> bool:
    """An http(s) address, as opposed to a channel's own file id (a photo sent on Telegram)."""
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value.strip()
