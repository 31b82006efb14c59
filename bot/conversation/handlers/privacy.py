"""`/xoadulieu`: a person deletes their personal data, after confirming."""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.kernel.messages import Reply
from bot.privacy.erasure import erase_person

CONFIRM = "privacy:confirm"


async def ask(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(CONFIRM)
    rows = [[turn.button("btn_privacy_yes", "prv:yes")], [turn.button("btn_privacy_no", "prv:no")]]
    return [Reply(turn.t("privacy_confirm"), buttons=rows)]


async def answer(turn: Turn, choice: str) -> list[Reply]:
    menu = [[turn.button("btn_menu", "menu")]]
    if turn.state.step != CONFIRM:
        return [Reply(turn.t("privacy_expired"), buttons=menu)]
    turn.set_step(None)
    if choice != "yes":
        return [Reply(turn.t("privacy_kept"), buttons=menu)]
    erasure = await erase_person(turn.session, turn.user, turn.user_key, turn.services)
    turn.rekey(erasure.new_key)  # this turn's own events are not linked to them either
    turn.log(EventKind.DATA_ERASED)
    turn.after_commit.extend(erasure.after_commit)
    return [Reply(turn.t("privacy_done"), buttons=menu)]


async def typed(turn: Turn, text: str) -> list[Reply]:
    """Anything typed while asked to confirm: keep the data (deleting needs the button)."""
    return await answer(turn, "no")


def register(router: Router) -> None:
    router.command("xoadulieu", ask, description_key="cmd_erase")
    router.payload("prv", answer)
    router.intent("erase", ask)
    router.step(CONFIRM, typed)
