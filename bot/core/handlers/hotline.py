"""Hotline numbers from the content pack."""

from __future__ import annotations

from bot.content.schema import filled
from bot.core.events import EventKind
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.types import Button, Reply


async def show_hotlines(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    turn.log(EventKind.HOTLINE_VIEWED)
    unfilled = turn.t("hotline_unfilled")
    blocks, calls = [turn.t("hotline_title")], []
    for h in turn.content.hotlines:
        phone = filled(h.phone)
        block = turn.t("hotline_entry", name=h.name, agency=h.agency, phone=phone or unfilled,
                       hours=filled(h.hours) or unfilled)
        if filled(h.email):
            block += "\n" + turn.t("hotline_email", email=h.email)
        if h.note:
            block += "\n" + h.note
        blocks.append(block.strip())
        if phone:
            calls.append([Button(turn.t("btn_call", name=h.name), phone=phone)])
    return [Reply("\n\n".join(blocks), buttons=calls + [[turn.button("btn_menu", "menu")]])]


def register(router: Router) -> None:
    router.payload("hotline", show_hotlines)
    router.command("duongdaynong", show_hotlines)
