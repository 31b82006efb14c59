"""How tickets read: to their owner (status), to staff (the desk card with its action
buttons), and the notices sent to the citizen. All wording is in content/messages.yaml."""

from __future__ import annotations

from datetime import datetime

from bot.content.store import ContentStore
from bot.db.models_feedback import FeedbackNotice, FeedbackTicket, TicketStatus
from bot.kernel.clock import VN
from bot.kernel.limits import split_text
from bot.kernel.messages import Button, Reply

CARD_TEXT = 2500  # description characters on the desk card; the rest follows in replies
PART_TEXT = 3500


def when(moment: datetime | None) -> str:
    return moment.astimezone(VN).strftime("%d/%m/%Y %H:%M") if moment else ""


def category(content: ContentStore, slug: str) -> str:
    key = f"subject_{slug}"
    return content.text(key) if key in content.pack.messages else slug


def unit_name(content: ContentStore, unit_id: str | None) -> str | None:
    unit = content.pack.unit(unit_id) if unit_id else None
    return unit.name if unit else unit_id


def place(content: ContentStore, unit_id: str | None, typed: str | None) -> str:
    return unit_name(content, unit_id) or typed or content.text("fb_place_unknown")


def channel_name(content: ContentStore, channel: str) -> str:
    key = f"channel_{channel}"
    return content.text(key) if key in content.pack.messages else channel


def status(content: ContentStore, ticket: FeedbackTicket) -> str:
    if ticket.status == TicketStatus.FORWARDED:
        return content.text("fb_status_forwarded", unit=unit_name(content, ticket.forwarded_to))
    return content.text(f"fb_status_{ticket.status}")


def view_button(content: ContentStore, code: str) -> Button:
    return Button(content.text("fb_btn_view", code=code), payload=f"fbt:{code}")


def citizen_status(content: ContentStore, ticket: FeedbackTicket,
                   answers: list[FeedbackNotice]) -> str:
    lines = [content.text("fb_status_view", code=ticket.code, filed=when(ticket.created_at),
                          category=category(content, ticket.category),
                          place=place(content, ticket.unit_id, ticket.place),
                          status=status(content, ticket))]
    for notice in answers:
        if notice.text:
            lines.append(content.text("fb_status_answer", at=when(notice.created_at),
                                      text=notice.text))
    return "\n\n".join(lines)


def _head(ticket: FeedbackTicket) -> str:
    return ticket.description or ""


def staff_card(content: ContentStore, ticket: FeedbackTicket) -> Reply:
    """The desk card: everything staff need, with the actions that still make sense."""
    if ticket.erased_at is not None:
        return Reply(content.text("fb_card_erased", code=ticket.code))
    text = _head(ticket)
    if len(text) > CARD_TEXT:
        text = split_text(text, CARD_TEXT)[0] + "\n" + content.text("fb_card_more")
    lines = [content.text("fb_card", code=ticket.code, status=status(content, ticket),
                          category=category(content, ticket.category),
                          place=place(content, ticket.unit_id, ticket.place),
                          channel=channel_name(content, ticket.channel),
                          filed=when(ticket.created_at), text=text)]
    if ticket.attachments:
        lines.append(content.text("fb_card_photos", count=len(ticket.attachments)))
    if ticket.contact_phone:
        lines.append(content.text("fb_card_contact", name=ticket.contact_name or "",
                                  phone=ticket.contact_phone).replace("  ", " "))
    else:
        lines.append(content.text("fb_card_no_contact"))
    if ticket.assignee_id:
        lines.append(content.text("fb_card_assignee", name=ticket.assignee_label or "—"))
    if ticket.status != TicketStatus.RESOLVED:
        lines.append(content.text("fb_card_how_to_answer", code=ticket.code))
    return Reply("\n".join(lines), buttons=staff_buttons(content, ticket))


def staff_buttons(content: ContentStore, ticket: FeedbackTicket) -> list[list[Button]]:
    if ticket.status == TicketStatus.RESOLVED or ticket.erased_at is not None:
        return []
    first = []
    if ticket.assignee_id is None:
        first.append(Button(content.text("fb_btn_take"), payload=f"fbtake:{ticket.id}"))
    first.append(Button(content.text("fb_btn_forward"), payload=f"fbfwd:{ticket.id}"))
    return [first, [Button(content.text("fb_btn_resolve"), payload=f"fbres:{ticket.id}")]]


def card_continuation(content: ContentStore, ticket: FeedbackTicket) -> list[str]:
    """The rest of a long description, as messages that each name the ticket."""
    text = _head(ticket)
    if len(text) <= CARD_TEXT:
        return []
    rest = text[len(split_text(text, CARD_TEXT)[0]):].strip()
    parts = split_text(rest, PART_TEXT)
    return [content.text("fb_card_part", code=ticket.code, number=i + 2, total=len(parts) + 1) + "\n" + p
            for i, p in enumerate(parts)]


def photo_caption(content: ContentStore, ticket: FeedbackTicket, number: int) -> str:
    return content.text("fb_card_photo", code=ticket.code, number=number, total=len(ticket.attachments))
