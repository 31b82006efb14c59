"""The photos a citizen sent with a ticket, for the console's staff. A ticket keeps what
the channel gave for each photo — a Telegram file id, a URL on Zalo's servers — never the
image; the photo is fetched from that channel when staff open it (`PhotoSource`), checked
to be an image, and served with its own content type. Nothing is kept or cached."""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PIL import Image, UnidentifiedImageError

from bot.db.models_feedback import FeedbackTicket
from bot.runtime import Runtime

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024  # Telegram's photos are a few hundred kilobytes; Zalo's similar
FETCH_SECONDS = 20.0
# What a browser shows as an image; anything else a channel hands back is refused.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


@runtime_checkable
class PhotoSource(Protocol):
    """A channel that can hand back a photo a person sent it (`services.senders[channel]`)."""

    async def fetch_photo(self, ref: str, limit: int) -> bytes:
        """The photo's bytes; raises when it cannot be had or is larger than `limit`."""
        ...


@dataclass(frozen=True)
class Photo:
    data: bytes
    content_type: str


def image_type(data: bytes) -> str | None:
    """The content type of an image in one of FORMATS, read from its header; else None."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, ValueError):
        return None


async def fetch(services: Runtime, ticket: FeedbackTicket, number: int) -> Photo | None:
    """Photo `number` (1-based) of the ticket, or None when it cannot be shown now (no such
    photo, a channel that cannot fetch, the platform unreachable, not an image)."""
    refs = ticket.attachments or []
    if not 1 <= number <= len(refs):
        return None
    source = services.senders.get(ticket.channel)
    if not isinstance(source, PhotoSource):
        log.warning("photo not fetched: the channel cannot", extra={"channel": ticket.channel})
        return None
    try:
        data = await asyncio.wait_for(source.fetch_photo(str(refs[number - 1]), MAX_BYTES), FETCH_SECONDS)
    except Exception as exc:  # the platform's errors, a timeout, a photo too large
        log.warning("photo not fetched", extra={"channel": ticket.channel, "error": type(exc).__name__})
        return None
    kind = image_type(data)
    if kind is None:
        log.warning("photo refused: not an image", extra={"channel": ticket.channel, "bytes": len(data)})
        return None
    return Photo(data, kind)
