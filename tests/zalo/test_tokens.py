"""The OA's token pair: refreshed when it expires mid-conversation, before it expires, by one
worker only when two race, kept across restarts, and replaced by the operator's new pair."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import cli
from bot.config import get_settings
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db.models_zalo import ZaloToken
from bot.db.session import Database
from bot.kernel.messages import Reply
from bot.kernel.sending import DeliveryError
from bot.zalo.sender import ZaloSender
from bot.zalo.tokens import TokenError
from tests.fakes.zalo_api import ZaloChat

UID = "6102938475610293847"


async def stored(services) -> ZaloToken:
    async with services.db.session() as s:
        return (await s.execute(select(ZaloToken))).scalar_one()


async def test_token_expiring_mid_conversation_is_refreshed_and_the_answer_arrives(
    zalo_chat: ZaloChat, zalo_fake, services, settings
):
    await zalo_chat.send("/start")
    zalo_fake.expire_access_tokens()  # Zalo now answers -220
    await zalo_chat.tap("Tin CCHC")
    assert "Chọn chủ đề" in zalo_chat.text
    assert zalo_fake.refreshes == [(settings.zalo_refresh_token, True)]
    row = await stored(services)
    assert row.access_token != settings.zalo_access_token and row.refreshed_at is not None
    await zalo_chat.send("/menu")  # the new token is used from then on, no more refreshes
    assert zalo_fake.accepted_refreshes == 1


async def test_token_is_refreshed_before_it_expires(zalo_fake, services, settings):
    sender = ZaloSender(services)
    await sender.tokens.store(
        settings.zalo_access_token, settings.zalo_refresh_token, access_lifetime=timedelta(minutes=10)
    )  # inside the 30-minute margin
    zalo_fake._interacted(UID)
    await sender.send(UID, [Reply("Tin mới về cải cách hành chính.")])
    await sender.close()
    assert zalo_fake.accepted_refreshes == 1 and len(zalo_fake.sent) == 1
    assert (await stored(services)).access_expires_at > (await stored(services)).updated_at + timedelta(hours=24)


@pytest.mark.parametrize("why", ["expired at Zalo", "about to expire"])
async def test_two_workers_racing_refresh_only_once(why, zalo_fake, services, settings, content_store):
    """Two processes (their own engines, pools and token caches) need a new token at the
    same moment; the refresh token works once, so exactly one of them may use it."""
    zalo_fake.refresh_delay = 0.3  # both are surely waiting while the first refresh runs
    second = Services(
        settings=settings, db=Database(settings.database_url), content=content_store, router=build_router()
    )
    workers = [ZaloSender(services), ZaloSender(second)]
    await workers[0].tokens.store(
        settings.zalo_access_token,
        settings.zalo_refresh_token,
        access_lifetime=timedelta(minutes=5 if why == "about to expire" else 600),
    )
    if why == "expired at Zalo":
        zalo_fake.expire_access_tokens()
    zalo_fake._interacted(UID)
    try:
        await asyncio.gather(*(w.send(UID, [Reply(f"Tin số {i}.")]) for i, w in enumerate(workers)))
    finally:
        for w in workers:
            await w.close()
        await second.db.dispose()
    assert zalo_fake.refreshes == [(settings.zalo_refresh_token, True)]  # never a second try
    assert sorted(s.text for s in zalo_fake.messages_to(UID)) == ["Tin số 0.", "Tin số 1."]
    assert workers[0].tokens._cached[0] == workers[1].tokens._cached[0] == (await stored(services)).access_token


async def test_a_refused_refresh_token_is_a_clear_error(zalo_fake, services, settings, caplog):
    sender = ZaloSender(services)
    await sender.tokens.seed_from_settings()
    zalo_fake._refresh[settings.zalo_refresh_token] = False  # used up elsewhere
    zalo_fake.expire_access_tokens()
    zalo_fake._interacted(UID)
    with caplog.at_level(logging.CRITICAL, logger="bot.zalo.tokens"), pytest.raises(TokenError) as raised:
        await sender.send(UID, [Reply("Tin mới.")])
    await sender.close()
    assert isinstance(raised.value, DeliveryError) and raised.value.transient
    assert any("cchc-bot zalo token set" in r.getMessage() for r in caplog.records)
    assert zalo_fake.sent == []


async def test_a_restart_keeps_the_refreshed_pair_and_a_new_settings_pair_replaces_it(zalo_fake, services, settings):
    first = ZaloSender(services)
    assert await first.tokens.seed_from_settings()
    await first.tokens.refresh(stale=settings.zalo_access_token)
    refreshed = (await stored(services)).refresh_token
    await first.close()

    restarted = ZaloSender(services)  # same settings: that pair is used up, keep the stored one
    assert not await restarted.tokens.seed_from_settings()
    assert (await stored(services)).refresh_token == refreshed

    access, refresh = zalo_fake.issue_pair()  # the operator authorised the app again
    new_settings = settings.model_copy(update={"zalo_access_token": access, "zalo_refresh_token": refresh})
    operator = ZaloSender(
        Services(settings=new_settings, db=services.db, content=services.content, router=services.router)
    )
    assert await operator.tokens.seed_from_settings()
    assert (await stored(services)).refresh_token == refresh
    await restarted.close()


async def test_cli_sets_refreshes_and_shows_the_pair(zalo_fake, services, settings, monkeypatch, capsys):
    for name, value in {
        "ZALO_APP_ID": settings.zalo_app_id,
        "ZALO_APP_SECRET": settings.zalo_app_secret,
        "ZALO_OA_SECRET_KEY": settings.zalo_oa_secret_key,
        "ZALO_OAUTH_BASE_URL": zalo_fake.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    access, refresh = zalo_fake.issue_pair()
    base = ["--database-url", settings.database_url, "zalo", "token"]
    try:
        assert await asyncio.to_thread(cli.main, base + ["status"]) == 1
        assert (
            await asyncio.to_thread(cli.main, base + ["set", "--access-token", access, "--refresh-token", refresh]) == 0
        )
        assert (await stored(services)).refresh_token == refresh
        assert await asyncio.to_thread(cli.main, base + ["refresh"]) == 0
        assert zalo_fake.refreshes == [(refresh, True)]
        assert await asyncio.to_thread(cli.main, base + ["refresh"]) == 0  # with the new one
        assert await asyncio.to_thread(cli.main, base + ["status"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "Đã làm mới access token." in out and "Access token hết hạn lúc" in out
    assert access not in out and refresh not in out  # tokens are never printed
    assert zalo_fake.accepted_refreshes == 2
