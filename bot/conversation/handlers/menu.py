"""Greeting, main menu and help."""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.kernel.messages import Reply

MAIN_MENU = [
    ("btn_topics", "topics"),
    ("btn_ask", "ask"),
    ("btn_address", "addr"),
    ("btn_guides", "guides"),
    ("btn_hotline", "hotline"),
    ("btn_contest", "contest"),
    ("btn_subscribe", "subs"),
]


def main_menu(turn: Turn, text_key: str = "menu_title") -> Reply:
    return Reply(turn.t(text_key), buttons=[[turn.button(k, p)] for k, p in MAIN_MENU])


async def start(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    turn.log(EventKind.MENU_OPENED, outcome="start")
    return [Reply(turn.t("welcome")), main_menu(turn)]


async def menu(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    turn.log(EventKind.MENU_OPENED)
    return [main_menu(turn)]


async def help_(turn: Turn, _: str) -> list[Reply]:
    return [Reply(turn.t("help")), main_menu(turn)]


def register(router: Router) -> None:
    router.command("start", start, description_key="cmd_start")
    router.command("menu", menu, description_key="cmd_menu")
    router.command("help", help_, description_key="cmd_help")
    router.command("huongdan", help_)
    router.payload("menu", menu)
    router.intent("menu", menu)
