"""Zalo webhook events: is an event authentic, and what does it say.

Zalo signs each POST: header `X-ZEvent-Signature` is "mac=" + hex SHA-256 of
app_id + raw body + timestamp + OA secret key, where app_id and timestamp (milliseconds
since the epoch, as a string) are the event's own fields."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.kernel.messages import Incoming, IncomingKind

SIGNATURE_HEADER = "X-ZEvent-Signature"
CHANNEL = "zalo"
BUTTON_MARK = "#"  # a tapped query button sends "#<payload>" as the user's text

# Events in which the person did something: each one reopens Zalo's reply window.
_INTERACTIONS = {"follow", "user_click_chatnow", "user_submit_info"}
_STICKERS = {"user_send_sticker", "user_send_gif"}


class SignatureError(Exception):
    """The event is not from Zalo for this app (or is a stale replay); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sign(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode())
    return "mac=" + digest.hexdigest()


def verify(
    header: str | None,
    body: bytes,
    event: dict,
    *,
    app_id: str,
    oa_secret_key: str,
    max_age: float,
    now: datetime | None = None,
) -> None:
    """Raise SignatureError unless the event is signed by Zalo for our app, recently."""
    if not header:
        raise SignatureError("no signature")
    event_app, timestamp = str(event.get("app_id", "")), str(event.get("timestamp", ""))
    if event_app != app_id:
        raise SignatureError("other app")
    expected = sign(event_app, body, timestamp, oa_secret_key)
    if not hmac.compare_digest(header.strip().encode(), expected.encode()):
        raise SignatureError("bad signature")
    at = parse_timestamp(timestamp)
    if at is None:
        raise SignatureError("bad timestamp")
    age = ((now or datetime.now(UTC)) - at).total_seconds()
    if abs(age) > max_age:
        raise SignatureError("stale")


def parse_timestamp(value: str) -> datetime | None:
    try:
        millis = int(value)
    except (TypeError, ValueError):
        return None
    if not 0 < millis < 10**14:
        return None
    return datetime.fromtimestamp(millis / 1000, UTC)


def _str(value: object) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class ZaloEvent:
    name: str
    user_id: str | None  # the person's OA-scoped id (what messages are sent to)
    timestamp: datetime | None
    msg_id: str | None = None
    text: str | None = None
    attachments: tuple[tuple[str, str], ...] = ()  # (type, url)

    @property
    def is_interaction(self) -> bool:
        return self.user_id is not None and (self.name.startswith("user_send_") or self.name in _INTERACTIONS)

    def to_incoming(self, is_payload: Callable[[str], bool]) -> Incoming | None:
        """The neutral form for the conversation core; None for events it does not see."""
        if self.user_id is None:
            return None
        uid, key = self.user_id, self.msg_id
        if self.name == "follow":
            # Following the OA is where a Zalo conversation starts: greet with the menu.
            stamp = int(self.timestamp.timestamp() * 1000) if self.timestamp else 0
            return Incoming(CHANNEL, uid, "text", text="/start", update_key=f"follow:{uid}:{stamp}")
        if not self.name.startswith("user_send_") or not key:
            return None  # unfollow, chat-now clicks, seen/received receipts, OA echoes
        if self.name == "user_send_text":
            text = self.text or ""
            if text.startswith(BUTTON_MARK) and is_payload(text[len(BUTTON_MARK) :]):
                return Incoming.button(CHANNEL, uid, text[len(BUTTON_MARK) :], update_key=key)
            return Incoming(CHANNEL, uid, "text", text=text, update_key=key)
        kind: IncomingKind = "other"
        if self.name == "user_send_image":
            kind = "image"
        elif self.name in _STICKERS:
            kind = "sticker"
        urls = tuple(url for _, url in self.attachments if url)
        return Incoming(CHANNEL, uid, kind, text=self.text, update_key=key, attachments=urls)


def parse(event: dict) -> ZaloEvent:
    """Read an event of any kind; unknown or malformed fields come back as None."""
    name = _str(event.get("event_name")) or "unknown"
    message = _dict(event.get("message"))
    sender = _dict(event.get("sender"))
    follower = _dict(event.get("follower"))
    user_id = None
    if name.startswith("user_") or name in ("follow", "unfollow"):
        # user_send_*: sender.id; follow/unfollow: follower.id; chat-now: either, or user_id.
        user_id = _str(sender.get("id")) or _str(follower.get("id")) or _str(event.get("user_id"))
    attachments = []
    for item in message.get("attachments") or []:
        if isinstance(item, dict):
            payload = _dict(item.get("payload"))
            attachments.append((_str(item.get("type")) or "", _str(payload.get("url")) or ""))
    text = message.get("text")
    return ZaloEvent(
        name=name,
        user_id=user_id,
        timestamp=parse_timestamp(str(event.get("timestamp", ""))),
        msg_id=_str(message.get("msg_id")),
        text=text if isinstance(text, str) else None,
        attachments=tuple(attachments),
    )
