"""The channels a delivery worker can push to.

A channel that can push registers here: `PUSH_CHANNELS[name]` says from the settings
whether it is configured (the audience only counts people on configured channels);
`bot/processes.py` builds its sender for a process that only delivers (`cchc-bot worker`,
`cchc-bot scheduler`). In the bot process (`cchc-bot run`, the embedded default) the
channels' own senders are used instead (BotApp fills `services.senders`), so answers and
broadcasts share one rate limiter per channel.

Each sender offers `send(user_id, replies, *, lane, before_send)` (bot/kernel/sending.py)
with its own `LaneLimiter`. Zalo's also offers `outside_window` and `fallback`: people
whose 7-day reply window is closed are reached by the campaign's OA article broadcast, or
recorded as not reachable on Zalo (scheduler/delivery/sending.py)."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings

PUSH_CHANNELS: dict[str, Callable[[Settings], bool]] = {
    "telegram": lambda settings: bool(settings.telegram_bot_token),
    "zalo": lambda settings: settings.zalo_enabled,
    # Always: a campaign is stored in the visitor's web history (and pushed to their
    # browser when they allowed notifications and VAPID keys are set).
    "web": lambda settings: True,
}


def push_channels(settings: Settings) -> list[str]:
    return [name for name, configured in PUSH_CHANNELS.items() if configured(settings)]
