"""What a turn uses: the runtime (settings, database, content, senders…), with the content
served with its question answerer, and the router."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.conversation.features import build_router
from bot.conversation.router import Router
from bot.faq.served import AnsweringContent
from bot.runtime import Runtime


@dataclass
class Services(Runtime):
    content: AnsweringContent
    router: Router = field(default_factory=build_router)
