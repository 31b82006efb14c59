"""Sending to Zalo users through the Sender every feature uses: the 7-day reply window,
follow state, rate limits, long texts, quiz questions, images and links, and the article
broadcast fallback for campaigns."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db.session import Database
from bot.kernel.clock import utcnow
from bot.kernel.messages import Button, QuizQuestion, Reply
from bot.kernel.sending import OutsideReplyWindow, RateLimited, Unreachable
from bot.zalo.sender import ZaloSender
from tests.fakes.zalo_api import ZaloChat

DAY = 24 * 3600


@pytest.fixture
async def sender(services):
    sender = ZaloSender(services)
    await sender.tokens.seed_from_settings()
    yield sender
    await sender.close()


async def test_push_within_the_window_is_delivered(zalo_chat: ZaloChat, zalo_bot, zalo_fake):
    await zalo_chat.send("/start")
    sender = zalo_bot.services.senders["zalo"]
    await sender.send(
        zalo_chat.user_id,
        [
            Reply(
                "Tuần này: hướng dẫn nộp hồ sơ trực tuyến.",
                buttons=[[Button("🔕 Ngừng nhận tin", payload="unsub:all")]],
            )
        ],
    )
    pushed = zalo_fake.messages_to(zalo_chat.user_id)[-1]
    assert pushed.text.startswith("Tuần này") and pushed.buttons[0]["payload"] == "#unsub:all"
    await zalo_chat.tap("Ngừng nhận tin")  # a tap on a pushed button still reaches the core
    assert "ngừng nhận" in zalo_chat.text


async def test_closed_window_known_to_the_bot_raises_without_calling_zalo(zalo_chat: ZaloChat, zalo_bot, zalo_fake):
    await zalo_chat.send("/start")
    sender = zalo_bot.services.senders["zalo"]
    sender.clock = lambda: utcnow() + timedelta(days=8)  # eight days without a word
    zalo_fake.advance(8 * DAY)
    calls = len(zalo_fake.sent) + len(zalo_fake.refused)
    with pytest.raises(OutsideReplyWindow) as raised:
        await sender.send(zalo_chat.user_id, [Reply("Tin mới.")])
    assert isinstance(raised.value, Unreachable)
    assert len(zalo_fake.sent) + len(zalo_fake.refused) == calls
    # The person writes again: the window reopens, and pushing works again.
    zalo_fake.advance(-8 * DAY)
    sender.clock = utcnow
    await zalo_chat.send("xin chào")
    await sender.send(zalo_chat.user_id, [Reply("Tin mới.")])
    assert zalo_fake.messages_to(zalo_chat.user_id)[-1].text == "Tin mới."


async def test_closed_window_reported_by_zalo_raises_outside_reply_window(zalo_fake, sender):
    person = zalo_fake.user("7000000000000000007")
    person.last_interaction = zalo_fake.now() - 8 * DAY  # the bot has no record of them
    with pytest.raises(OutsideReplyWindow):
        await sender.send(person.user_id, [Reply("Tin mới.")])
    assert zalo_fake.refused == [(person.user_id, -230)]


async def test_unfollowed_person_is_unreachable(zalo_chat: ZaloChat, zalo_bot, zalo_fake, sender):
    await zalo_chat.send("/start")
    await zalo_fake.unfollow(zalo_chat.user_id)
    await zalo_bot.zalo.drain()
    with pytest.raises(Unreachable) as raised:
        await sender.send(zalo_chat.user_id, [Reply("Tin mới.")])
    assert not isinstance(raised.value, OutsideReplyWindow)
    # Zalo's own -213 for someone the bot thought was following marks them, too.
    other = ZaloChat(zalo_fake, zalo_bot.zalo, "7100000000000000071")
    await other.send("/start")
    zalo_fake.user(other.user_id).following = False
    with pytest.raises(Unreachable):
        await sender.send(other.user_id, [Reply("Tin mới.")])
    calls = len(zalo_fake.refused)
    with pytest.raises(Unreachable):
        await sender.send(other.user_id, [Reply("Tin mới.")])
    assert len(zalo_fake.refused) == calls  # known now: no second call to Zalo


async def test_rate_limit_is_raised_to_pushes_and_waited_out_in_answers(zalo_chat: ZaloChat, zalo_fake, sender):
    zalo_fake._interacted(zalo_chat.user_id)
    zalo_fake.max_requests_per_second = 1
    await sender.send(zalo_chat.user_id, [Reply("Một.")])
    with pytest.raises(RateLimited) as raised:  # nothing went out: the caller tries later
        await sender.send(zalo_chat.user_id, [Reply("Hai.")])
    assert raised.value.retry_after == pytest.approx(0.4)  # the setting (Zalo gives none)
    await asyncio.sleep(1.0)
    # A message in two parts is not cut in two: its second part waits for the limit.
    await sender.send(zalo_chat.user_id, [Reply("Ba."), Reply("Bốn.")])
    assert [s.text for s in zalo_fake.messages_to(zalo_chat.user_id)] == ["Một.", "Ba.", "Bốn."]
    await asyncio.sleep(1.0)
    await zalo_chat.send("/start")  # two messages: the second waits for the limit, then goes
    assert [s.text[:8] for s in zalo_chat.last] == ["Xin chào", "Bạn muốn"]
    assert (zalo_chat.user_id, -32) in zalo_fake.refused


async def test_long_text_is_split_at_sentences_with_the_buttons_on_the_last_part(zalo_fake, sender):
    uid = "7200000000000000072"
    zalo_fake._interacted(uid)
    sentence = "Cải cách hành chính giúp người dân và doanh nghiệp giải quyết thủ tục nhanh hơn, ít tốn kém hơn. "
    await sender.send(uid, [Reply(sentence * 60, buttons=[[Button("🏠 Menu chính", payload="menu")]])])
    parts = zalo_fake.messages_to(uid)
    assert len(parts) == 3 and all(len(p.text) <= 2000 for p in parts)
    assert all(p.text.endswith(".") for p in parts)
    assert "".join(p.text for p in parts).replace(" ", "") == (sentence * 60).replace(" ", "")
    assert [len(p.buttons) for p in parts] == [0, 0, 1]


async def test_image_and_link_and_phone(zalo_fake, sender):
    uid = "7300000000000000073"
    zalo_fake._interacted(uid)
    await sender.send(
        uid,
        [
            Reply(
                "Áp phích hưởng ứng cải cách hành chính.",
                image_url="https://example.org/p.png",
                buttons=[
                    [Button("Xem chi tiết", url="https://example.org/tin")],
                    [Button("📞 Gọi tổng đài", phone="0000000000")],
                ],
            )
        ],
    )
    image, text = zalo_fake.messages_to(uid)
    assert image.message["attachment"]["payload"]["elements"] == [
        {"media_type": "image", "url": "https://example.org/p.png"}
    ]
    assert text.buttons == [
        {"title": "Xem chi tiết", "type": "oa.open.url", "payload": {"url": "https://example.org/tin"}},
        {"title": "📞 Gọi tổng đài", "type": "oa.open.phone", "payload": {"phone_code": "0000000000"}},
    ]


async def test_quiz_question_answered_by_button_or_by_number(zalo_chat: ZaloChat, services):
    """A quiz question (as the contest feature will ask it) with six options: five buttons,
    every option numbered in the text, answered by tap or by typed number."""
    options = [
        "Một cửa",
        "Một cửa liên thông",
        "Trực tuyến toàn trình",
        "Bưu chính công ích",
        "Trực tuyến một phần",
        "Tất cả các cách trên",
    ]

    async def ask(turn, _):
        return [
            Reply(
                "",
                quiz=QuizQuestion(
                    "Hồ sơ thủ tục hành chính có thể nộp theo cách nào?",
                    options,
                    [f"qa:{i}" for i in range(1, 7)],
                    seconds=30,
                    number=3,
                    total=10,
                ),
            )
        ]

    async def answered(turn, arg):
        return [Reply(f"Đã ghi nhận đáp án {arg}.")]

    services.router.command("cauhoithu", ask)
    services.router.payload("qa", answered)
    await zalo_chat.send("/cauhoithu")
    assert "Câu 3/10: Hồ sơ thủ tục hành chính" in zalo_chat.text
    assert all(f"{i}. {option}" in zalo_chat.text for i, option in enumerate(options, 1))
    assert "30 giây" in zalo_chat.text
    assert zalo_chat.labels() == [f"{i}. {option}" for i, option in enumerate(options[:5], 1)]
    await zalo_chat.tap("4. Bưu chính")
    assert zalo_chat.text == "Đã ghi nhận đáp án 4."
    await zalo_chat.send("/cauhoithu")
    await zalo_chat.send("6")  # the sixth option has no button: typed
    assert zalo_chat.text == "Đã ghi nhận đáp án 6."


@pytest.mark.parametrize("method", ["none", "article"])
async def test_campaign_fallback_for_closed_windows(method, zalo_fake, services, settings, content_store):
    """Delivery workers meet closed windows for many recipients of one campaign, at once:
    with the article method the OA broadcasts once; with none they are not reachable."""
    settings = settings.model_copy(
        update={"zalo_broadcast_fallback": method, "zalo_article_cover_url": "https://example.org/cover.png"}
    )
    other_db = Database(settings.database_url)
    workers = [
        ZaloSender(Services(settings=settings, db=db, content=content_store, router=build_router()))
        for db in (services.db, other_db)
    ]
    await workers[0].tokens.seed_from_settings()
    zalo_fake.user("7400000000000000074")  # a follower
    try:
        results = await asyncio.gather(
            *(
                w.fallback(
                    "campaign-2026-10-tuan-42",
                    "Tuần lễ dịch vụ công trực tuyến",
                    "Nộp hồ sơ trực tuyến để tiết kiệm thời gian.\n\nXem hướng dẫn trên cổng dịch vụ công.",
                )
                for w in workers * 3
            ),
            return_exceptions=True,
        )
        later = await workers[1].fallback("campaign-2026-10-tuan-42", "x", "y")
    finally:
        for w in workers:
            await w.close()
        await other_db.dispose()
    decided = [r for r in results if not isinstance(r, BaseException)]
    busy = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, RateLimited) for r in busy)  # "come back shortly" while it is sent
    if method == "none":
        assert zalo_fake.broadcasts == [] and not busy
        assert {(r.covered, r.outcome) for r in decided + [later]} == {(False, "zalo_not_reachable")}
    else:
        assert len(zalo_fake.broadcasts) == 1
        assert zalo_fake.broadcasts[0]["reached"] == ["7400000000000000074"]
        article = zalo_fake.articles[zalo_fake.broadcasts[0]["article_id"]]
        assert article["title"] == "Tuần lễ dịch vụ công trực tuyến" and len(article["body"]) == 2
        assert {(r.covered, r.outcome) for r in decided + [later]} == {(True, "zalo_article_broadcast")}


async def test_campaign_fallback_without_quota_is_not_reachable(zalo_fake, services, settings, content_store):
    settings = settings.model_copy(
        update={"zalo_broadcast_fallback": "article", "zalo_article_cover_url": "https://example.org/cover.png"}
    )
    zalo_fake.broadcast_quota = 0
    sender = ZaloSender(Services(settings=settings, db=services.db, content=content_store, router=services.router))
    await sender.tokens.seed_from_settings()
    result = await sender.fallback("campaign-het-han-muc", "Tin", "Nội dung tin.")
    again = await sender.fallback("campaign-het-han-muc", "Tin", "Nội dung tin.")
    await sender.close()
    assert (result.covered, result.outcome) == (False, "zalo_not_reachable") and "-211" in result.detail
    assert again.outcome == "zalo_not_reachable" and zalo_fake.broadcasts == []
