"""The CCHC contest entry point in the main menu."""

from __future__ import annotations

from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.types import Reply


async def contest_info(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    rows = [[turn.button("btn_subscribe", "sub:all"), turn.button("btn_menu", "menu")]]
    return [Reply(turn.t("contest_info"), buttons=rows)]


def register(router: Router) -> None:
    router.payload("contest", contest_info)
    router.command("cuocthi", contest_info)
