"""How the web chat page shows a broadcast, for the staff console's campaign preview."""

from __future__ import annotations

from bot.channels.quiz import Text, quiz_text
from bot.kernel.messages import Reply


def preview(replies: list[Reply], text: Text | None = None) -> list[dict]:
    """How the chat page (bot/web/static) shows `replies`, as plain data for the staff
    console's preview: [{"image", "text", "buttons": [[{"label", "opens"}]]}]. The page
    shows no images; a link or phone button opens it, any other sends its payload back."""
    out = []
    for reply in replies:
        body = quiz_text(reply, text) if reply.quiz and text else reply.text
        buttons = [[{"label": b.label, "opens": "link" if b.url else "call" if b.phone else "reply"}
                    for b in row] for row in reply.buttons if row]
        out.append({"image": None, "text": body, "buttons": buttons})
    return out
