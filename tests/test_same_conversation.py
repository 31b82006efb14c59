"""One conversation, four channels: web chat over HTTP, the terminal chat, Telegram, Zalo.
Each channel only translates, so the same script must give the same answers."""

from __future__ import annotations

import io
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import BotApp
from bot.channels.terminal import run_chat
from bot.conversation.conversation import Conversation
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloOA, ZaloChat


class WebDriver:
    def __init__(self, client):
        self.client, self.buttons = client, []

    async def say(self, **body) -> str:
        resp = await self.client.post("/api/chat", json={"session": "browser-same-1", **body})
        replies = (await resp.json())["replies"]
        self.buttons = [b for r in replies for row in r["buttons"] for b in row]
        return "\n".join(r["text"] for r in replies)

    async def send(self, text):
        return await self.say(text=text)

    async def tap(self, label):
        return await self.say(payload=next(b["payload"] for b in self.buttons if label in b["label"]))


class TerminalDriver:
    """Runs `cchc-bot chat --user` once per message: state carries over between runs."""

    def __init__(self, conversation):
        self.conversation, self.output = conversation, ""

    async def send(self, text):
        out = io.StringIO()
        await run_chat(self.conversation, "same-user", False, stdin=io.StringIO(text + "\n"), stdout=out)
        self.output = out.getvalue()
        return self.output

    async def tap(self, label):
        number = re.search(rf"\[(\d+)\] [^\n]*{re.escape(label)}", self.output).group(1)
        return await self.send(number)


class TelegramDriver:
    CHAT = 777000

    def __init__(self, fake):
        self.fake, self.seen, self.mark, self.buttons = fake, 0, 0, []

    async def _collect(self) -> str:
        # The turn is complete when the last reply of this turn (always with buttons here) arrived.
        await self.fake.wait_for(lambda c: c.method == "sendMessage" and c.ok
                                 and c.params.get("reply_markup"), since=self.mark)
        messages = self.fake.messages_to(self.CHAT)[self.seen:]
        self.seen += len(messages)
        self.buttons = [b for m in messages for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                        for b in row]
        return "\n".join(m["text"] for m in messages)

    async def send(self, text):
        self.mark = len(self.fake.sent)
        self.fake.push_text(self.CHAT, text)
        return await self._collect()

    async def tap(self, label):
        self.mark = len(self.fake.sent)
        self.fake.push_callback(self.CHAT, next(b["callback_data"] for b in self.buttons if label in b["text"]))
        return await self._collect()


class ZaloDriver:
    """A person on Zalo: taps a template button, or types the number of a listed choice."""

    def __init__(self, chat: ZaloChat):
        self.chat = chat

    async def send(self, text):
        await self.chat.send(text)
        return self.chat.text

    async def tap(self, label):
        if any(label in title for title in self.chat.labels()):
            await self.chat.tap(label)
            return self.chat.text
        return await self.send(re.search(rf"^(\d+)\. [^\n]*{re.escape(label)}", self.chat.text, re.M).group(1))


@pytest.fixture(params=["web", "terminal", "telegram", "zalo"])
async def driver(request, services):
    if request.param == "web":
        async with TestClient(TestServer(BotApp(services).web)) as client:
            yield WebDriver(client)
    elif request.param == "terminal":
        yield TerminalDriver(Conversation(services))
    elif request.param == "telegram":
        async with FakeTelegramAPI() as fake:
            services.settings = services.settings.model_copy(update={
                "telegram_bot_token": fake.token, "telegram_api_base_url": fake.base_url,
                "telegram_api_base_file_url": fake.base_file_url})
            app = BotApp(services)
            await app.telegram.start()
            yield TelegramDriver(fake)
            await app.telegram.stop()
    elif request.param == "zalo":
        fake = FakeZaloOA()
        await fake.start()
        access, refresh = fake.issue_pair()
        services.settings = services.settings.model_copy(update={
            "zalo_app_id": fake.app_id, "zalo_app_secret": fake.app_secret,
            "zalo_oa_secret_key": fake.oa_secret_key, "zalo_access_token": access,
            "zalo_refresh_token": refresh, "zalo_api_base_url": fake.base_url,
            "zalo_oauth_base_url": fake.base_url})
        app = BotApp(services)
        async with TestServer(app.web) as server:
            await app.zalo.start()
            fake.webhook_url = str(server.make_url(services.settings.zalo_webhook_path))
            yield ZaloDriver(ZaloChat(fake, app.zalo))
            await app.zalo.stop()
        await fake.close()


async def test_the_same_conversation_on_every_channel(driver, content_store):
    pack = content_store.pack
    assert "Xin chào" in await driver.send("/start")
    assert "Chọn chủ đề" in await driver.tap("Tin CCHC")
    topic = pack.topics[2]
    assert topic.title in await driver.send(str(topic.number))
    assert topic.messages[0].text.strip()[:40] in await driver.tap(topic.messages[0].title)
    entry = pack.faq[0]
    assert entry.answer.strip()[:40] in await driver.send(entry.question)
    assert "Chọn chủ đề muốn nhận tin" in await driver.send("/dangky")
    assert "Đã đăng ký nhận tin" in await driver.tap(pack.topics[0].short_title)
