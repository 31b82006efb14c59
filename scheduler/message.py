"""The broadcast message exactly as recipients see it, built from the snapshot a broadcast
keeps. The preview staff get runs the same code, with inert buttons.

Every broadcast carries a one-tap unsubscribe button; a link is a button that comes back
to the bot first (so the click is counted) and then opens the link."""

from __future__ import annotations

from bot.content.store import ContentStore
from bot.db.models_campaigns import Campaign
from bot.kernel.limits import MAX_CAPTION, MAX_TEXT
from bot.kernel.messages import Button, Reply, is_web_url

# One platform call per recipient on every channel: Zalo takes 2,000 characters of text,
# Telegram 1,024 of caption under an image.
MAX_TITLE = 120

CLICK = "bcl"  # bcl:<broadcast id>  — the link button
UNSUBSCRIBE = "bcu"  # bcu:<broadcast id>  — one-tap unsubscribe
PREVIEW = "bcp"  # bcp:<anything>  — a button in a preview: does nothing


def snapshot(campaign: Campaign) -> dict:
    """What a broadcast keeps of its campaign's message when it fires."""
    return {"title": campaign.title, "text": campaign.text, "image": campaign.image,
            "link_url": campaign.link_url, "link_label": campaign.link_label,
            "topic": campaign.audience_topic}


def body(content: ContentStore, message: dict) -> str:
    return content.text("broadcast_message", title=message["title"], text=message["text"])


def render(content: ContentStore, message: dict, broadcast_id: int | None) -> list[Reply]:
    """The replies a recipient gets; `broadcast_id=None` renders the preview."""
    ref = str(broadcast_id) if broadcast_id is not None else None
    rows: list[list[Button]] = []
    if message.get("link_url"):
        label = message.get("link_label") or content.text("broadcast_link")
        rows.append([Button(label, payload=f"{CLICK}:{ref}" if ref else f"{PREVIEW}:link")])
    rows.append([Button(content.text("broadcast_unsubscribe"),
                        payload=f"{UNSUBSCRIBE}:{ref}" if ref else f"{PREVIEW}:unsub")])
    return [Reply(body(content, message), buttons=rows, image_url=message.get("image") or None)]


def article(content: ContentStore, message: dict) -> tuple[str, str, str | None]:
    """The broadcast as an article, for a channel that reaches people outside its reply
    window that way (Zalo's OA article broadcast): title, text (the link as its last
    paragraph) and the image as cover when it is a URL (not a channel's file id)."""
    text = (message.get("text") or "").strip()
    if message.get("link_url"):
        label = message.get("link_label") or content.text("broadcast_link")
        text += "\n\n" + content.text("broadcast_article_link", label=label, url=message["link_url"])
    image = message.get("image")
    return message["title"], text, image if image and is_web_url(image) else None


def notes(content: ContentStore, message: dict, channels: list[str]) -> list[str]:
    """What some recipients will see differently, for the preview: an image sent as a
    photo in Telegram is Telegram's file id, which Zalo cannot show (it needs a URL)."""
    image = message.get("image")
    if image and not is_web_url(image) and "zalo" in channels:
        return [content.text("campaign_note_image_telegram_only")]
    return []


def problems(content: ContentStore, message: dict) -> list[str]:
    """What keeps this message from going out as one message on every channel."""
    found = []
    title = (message.get("title") or "").strip()
    text = (message.get("text") or "").strip()
    if not title:
        found.append(content.text("campaign_err_title_empty"))
    elif len(title) > MAX_TITLE:
        found.append(content.text("campaign_err_title_long", limit=MAX_TITLE))
    if not text:
        found.append(content.text("campaign_err_text_empty"))
    else:
        limit = MAX_CAPTION if message.get("image") else MAX_TEXT
        length = len(body(content, message))
        if length > limit:
            found.append(content.text("campaign_err_text_long", length=length, limit=limit))
    link = message.get("link_url")
    if link and not is_web_url(link):
        found.append(content.text("campaign_err_link"))
    return found
