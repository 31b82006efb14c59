"""The online CCHC contest in chat: the contest card, registration, taking the quiz,
practice, standings, and the staff panel. Domain logic is in `bot/contest/`."""

from __future__ import annotations

from bot.conversation.handlers.contest import home, quiz, signup, staff_panel, standings
from bot.conversation.router import Router


def register(router: Router) -> None:
    for part in (home, signup, quiz, standings, staff_panel):
        part.register(router)
