"""The whole bot on a free loopback port with Telegram on the local Bot API fake and a staff
group, for the feedback desk's tests that need the citizen's real channel: photos fetched
from Telegram, answers relayed to the citizen's chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.app import BotApp
from tests.console_support import free_port
from tests.fakes.telegram_api import FakeTelegramAPI

GROUP = -1001234567890


@dataclass
class TelegramDesk:
    fake: FakeTelegramAPI
    url: str  # the bot's web app: 'http://127.0.0.1:PORT'


@pytest.fixture
async def telegram_desk(services) -> AsyncIterator[TelegramDesk]:
    async with FakeTelegramAPI() as fake:
        services.settings = services.settings.model_copy(update={
            "telegram_bot_token": fake.token,
            "telegram_api_base_url": fake.base_url,
            "telegram_api_base_file_url": fake.base_file_url,
            "feedback_staff_chat_id": str(GROUP),
        })
        fake.add_chat(GROUP, title="Tổ tiếp nhận phản ánh", chat_type="supergroup")
        app = BotApp(services)
        port = free_port()
        await app.start("127.0.0.1", port)
        yield TelegramDesk(fake, f"http://127.0.0.1:{port}")
        await app.stop()
