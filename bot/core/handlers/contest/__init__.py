"""The online CCHC contest in chat: the contest card, registration, taking the quiz,
practice, standings, and the staff panel. Domain logic is in `bot/contest/`."""

from __future__ import annotations

from bot.core.handlers.contest import home, quiz, signup, staff_panel, standings
from bot.core.router import Router


def register(router: Router) -> None:
    for part in (home, signup, quiz, standings, staff_panel):
        part.register(router)
