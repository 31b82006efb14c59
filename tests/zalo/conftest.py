"""The bot with its Zalo channel on, against the local fake of the Zalo OA API.

The content pack is a copy of the shipped one with a placeholder phone number (not a real
one) on the first hotline, so the call button can be checked: the shipped pack leaves
every phone number for the operator to fill."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
import yaml

from bot.app import BotApp
from bot.faq.served import AnsweringContent
from tests.conftest import CONTENT_DIR
from tests.fakes.zalo_api import FakeZaloOA, ZaloChat

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "zalo"
TEST_PHONE = "0000000000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def content_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("zalo-content") / "content"
    shutil.copytree(CONTENT_DIR, root)
    hotlines = yaml.safe_load((root / "hotlines.yaml").read_text(encoding="utf-8"))
    hotlines["hotlines"][0]["phone"] = TEST_PHONE
    (root / "hotlines.yaml").write_text(yaml.safe_dump(hotlines, allow_unicode=True), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def content_store(content_dir) -> AnsweringContent:
    return AnsweringContent(content_dir)


@pytest.fixture
async def zalo_fake():
    fake = FakeZaloOA()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def settings(settings, db_url, zalo_fake, content_dir):  # db_url: keep both backends
    access, refresh = zalo_fake.issue_pair()
    return settings.model_copy(
        update=dict(
            content_dir=content_dir,
            zalo_app_id=zalo_fake.app_id,
            zalo_app_secret=zalo_fake.app_secret,
            zalo_oa_secret_key=zalo_fake.oa_secret_key,
            zalo_access_token=access,
            zalo_refresh_token=refresh,
            zalo_api_base_url=zalo_fake.base_url,
            zalo_oauth_base_url=zalo_fake.base_url,
            zalo_rate_limit_backoff=0.4,
        )
    )


@pytest.fixture
async def zalo_bot(services, zalo_fake):
    app = BotApp(services)
    port = free_port()
    await app.start("127.0.0.1", port)
    zalo_fake.webhook_url = f"http://127.0.0.1:{port}{services.settings.zalo_webhook_path}"
    yield app
    await app.stop()


@pytest.fixture
def zalo_chat(zalo_bot, zalo_fake) -> ZaloChat:
    return ZaloChat(zalo_fake, zalo_bot.zalo)
