"""The campaign CLI through `bot.cli.main`, and the Telegram channel answering a citizen at
once while its broadcast lane waits out a 429."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import BotApp
from bot.cli import main
from bot.kernel.sending import BROADCAST
from tests.campaigns.helpers import seed_subscribers
from tests.fakes.telegram_api import FakeTelegramAPI


async def test_campaign_commands(db_url, capsys, services, monkeypatch, shared_content):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    monkeypatch.setenv("CONTENT_DIR", str(services.settings.content_dir))
    from bot.config import get_settings
    get_settings.cache_clear()
    await seed_subscribers(services.db, 4)
    base = ["--database-url", db_url, "campaign"]

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*base, *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    code, _, err = await asyncio.to_thread(run, "create", "--title", "T", "--text", "Nội dung",
                                           "--audience", "topic:khong-co")
    assert code == 2 and "không có chủ đề «khong-co»" in err
    code, _, err = await asyncio.to_thread(run, "create", "--title", "T", "--text", "x" * 3000)
    assert code == 2 and "quá giới hạn 2000" in err
    code, out, _ = await asyncio.to_thread(run, "create", "--title", "Thông báo", "--text", "Nội dung thông báo.",
                                           "--cron", "0 8 * * mon", "--urgent")
    assert code == 0 and "📢 Thông báo" in out and "Số người nhận hiện tại: 4" in out
    assert "định kỳ theo lịch «0 8 * * mon»" in out and "khẩn: có" in out
    code, out, _ = await asyncio.to_thread(run, "list")
    assert "#1\tđã lên lịch\t0/0\tThông báo" in out
    assert (await asyncio.to_thread(run, "pause", "1"))[0] == 0
    code, _, err = await asyncio.to_thread(run, "pause", "1")
    assert code == 2 and "tạm dừng" in err
    code, out, _ = await asyncio.to_thread(run, "cancel", "1")
    assert code == 0 and "đã hủy" in out
    assert (await asyncio.to_thread(run, "show", "99"))[0] == 2

    # With Zalo on too, the preview warns that a Telegram file id shows on Telegram only.
    for name in ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY"):
        monkeypatch.setenv(name, "x")
    get_settings.cache_clear()
    note = "người nhận trên Zalo nhận tin không kèm ảnh"
    code, out, _ = await asyncio.to_thread(run, "create", "--title", "Ảnh", "--text", "Có ảnh.", "--draft",
                                           "--image", "AgACAgIAAxkBAAIBp2")
    assert code == 0 and "[ảnh: AgACAgIAAxkBAAIBp2]" in out and note in out
    code, out, _ = await asyncio.to_thread(run, "create", "--title", "Ảnh", "--text", "Có ảnh.", "--draft",
                                           "--image", "https://example.org/anh.png")
    assert code == 0 and note not in out
    get_settings.cache_clear()


async def test_an_empty_or_very_large_audience_needs_yes_in_the_cli(db_url, capsys, services, monkeypatch,
                                                                     shared_content):
    """The CLI asks the same second confirmation as chat (`campaigns.readiness`): without a
    terminal to answer it, `--yes`; the campaign stays a draft until then."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    monkeypatch.setenv("CONTENT_DIR", str(services.settings.content_dir))
    monkeypatch.setenv("CAMPAIGN_LARGE_AUDIENCE", "3")
    from bot.config import get_settings
    get_settings.cache_clear()
    base = ["--database-url", db_url, "campaign"]

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*base, *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, err = await asyncio.to_thread(run, "create", "--title", "Không ai", "--text", "Nội dung.")
    assert code == 1 and "Số người nhận hiện tại: 0" in out
    assert "không có người nhận nào" in err and "campaign confirm 1 --yes" in err
    code, out, _ = await asyncio.to_thread(run, "list")
    assert "#1\tbản nháp" in out
    code, _, err = await asyncio.to_thread(run, "confirm", "1")
    assert code == 1 and "không có người nhận nào" in err
    code, out, _ = await asyncio.to_thread(run, "confirm", "1", "--yes")
    assert code == 0 and "đã lên lịch" in out

    await seed_subscribers(services.db, 3)
    code, _, err = await asyncio.to_thread(run, "create", "--title", "Nhiều", "--text", "Nội dung.")
    assert code == 1 and "sẽ gửi tới 3 người" in err
    code, out, _ = await asyncio.to_thread(run, "create", "--title", "Nhiều", "--text", "Nội dung.", "--yes")
    assert code == 0 and "Đã xác nhận chiến dịch #3" in out
    get_settings.cache_clear()


async def test_replies_flow_while_the_broadcast_lane_waits_out_a_429(services):
    async with FakeTelegramAPI() as fake:
        services.settings = services.settings.model_copy(update={
            "telegram_bot_token": fake.token, "telegram_api_base_url": fake.base_url,
            "telegram_api_base_file_url": fake.base_file_url})
        app = BotApp(services)
        await app.telegram.start()
        try:
            app.telegram.limiter.pause(BROADCAST, 600)  # as after a broadcast's 429 (a long one)
            fake.push_text(6012345678, "/start")
            # The answer does not wait for the broadcast lane: well within its ten minutes,
            # however busy the machine.
            await fake.wait_for_messages(6012345678, 2, timeout=60)
            assert app.telegram.limiter.paused_for(BROADCAST) > 500
        finally:
            await app.telegram.stop()


@pytest.mark.parametrize("spec", ["all", "topic:x", "units:a,b", "channel:telegram"])
def test_audience_spec_parses(spec):
    from scheduler.audience import Audience
    assert Audience.parse(spec).kind == spec.split(":")[0]
