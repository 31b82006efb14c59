"""The one place that lists the conversation features. A new feature is a module in
`bot/conversation/handlers/` with a `register(router)` function, added here."""

from __future__ import annotations

from bot.conversation.handlers import (
    address,
    ask,
    broadcasts,
    campaigns,
    contest,
    feedback,
    feedback_lookup,
    feedback_staff,
    flows,
    guides,
    hotline,
    menu,
    privacy,
    staff,
    subscribe,
    survey,
    topics,
)
from bot.conversation.router import Router

FEATURES = [
    menu, topics, ask, address, guides, hotline, subscribe, contest, staff, feedback, feedback_lookup, feedback_staff,
    privacy, survey, campaigns, broadcasts, flows,
]


def build_router() -> Router:
    router = Router()
    for feature in FEATURES:
        feature.register(router)
    return router
