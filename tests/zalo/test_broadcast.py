"""Campaign broadcasts to Zalo followers next to Telegram chats, through the real delivery
worker and the bot's own senders, against the local fakes of both platforms: a reply
("tư vấn") message while a person's 7-day window is open, otherwise the configured
fallback (one OA article broadcast) or "not reachable on Zalo"; Zalo's -213, -32 and -211
on the way; the campaign's figures, its text in chat and on the CLI, and the engagement
events."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import staff
from bot.app import BotApp
from bot.cli import main
from bot.conversation.conversation import Conversation
from bot.db.events import EventKind
from bot.db.models import EngagementEvent, Role, User
from bot.db.models_campaigns import Campaign, CampaignWatcher, OutboxMessage, RecipientStatus
from bot.db.models_zalo import ZaloContact
from bot.kernel.clock import utcnow
from bot.kernel.sending import BROADCAST
from bot.processes import build_senders
from bot.zalo import contacts
from scheduler import campaigns, firing, progress, service
from scheduler.audience import Audience
from scheduler.delivery.worker import Worker
from scheduler.senders import push_channels
from tests.campaigns.helpers import deliveries, seed_subscribers, start_campaign, statuses
from tests.conftest import Chat
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloOA, ZaloChat
from tests.zalo.conftest import free_port

DAY = 24 * 3600
TITLE = "Tuần lễ dịch vụ công trực tuyến"
TEXT = "Nộp hồ sơ trực tuyến tại Cổng dịch vụ công của tỉnh để tiết kiệm thời gian."


@pytest.fixture
async def tg_fake():
    async with FakeTelegramAPI(strict_chats=False) as api:
        yield api


@pytest.fixture
def tuned(services, tg_fake):
    """Telegram and Zalo both on, no quiet hours or cap, small batches (several rounds)."""
    services.settings = services.settings.model_copy(update={
        "telegram_bot_token": tg_fake.token, "telegram_api_base_url": tg_fake.base_url,
        "telegram_api_base_file_url": tg_fake.base_file_url,
        "quiet_hours": "", "broadcast_max_per_day": 0, "delivery_batch_size": 6,
        "scheduler_embedded": False, "zalo_article_cover_url": "https://example.org/cover.png"})
    return services


@contextlib.asynccontextmanager
async def running(services, fake: FakeZaloOA, **settings) -> AsyncIterator[BotApp]:
    """The bot (web app, Telegram and Zalo channels) with these settings changed."""
    services.settings = services.settings.model_copy(update=settings)
    app = BotApp(services)
    port = free_port()
    await app.start("127.0.0.1", port)
    fake.webhook_url = f"http://127.0.0.1:{port}{services.settings.zalo_webhook_path}"
    try:
        yield app
    finally:
        await app.stop()


@pytest.fixture
async def app(tuned, zalo_fake):
    async with running(tuned, zalo_fake) as bot:
        yield bot


async def zalo_people(services, fake: FakeZaloOA, start: int, n: int, *, days_ago: float,
                      bot_days_ago: float | None = None, following: bool = True,
                      topic: str | None = "all") -> list[str]:
    """`n` Zalo followers subscribed to every news item, whose last interaction was
    `days_ago` for Zalo (the fake) and `bot_days_ago` (default the same) for the bot."""
    ids = [str(i) for i in await seed_subscribers(services.db, n, channel="zalo", start=start, topic=topic)]
    at = utcnow() - timedelta(days=days_ago if bot_days_ago is None else bot_days_ago)
    async with services.db.session() as session:
        users = (await session.execute(select(User.id).where(
            User.channel == "zalo", User.channel_user_id.in_(ids)))).scalars()
        for user_id in list(users):
            await contacts.record(session, user_id, at)
        await session.commit()
    for uid in ids:
        person = fake.user(uid)
        person.following, person.last_interaction = following, fake.now() - days_ago * DAY
    return ids


def got_campaign(fake: FakeZaloOA, uid: str) -> int:
    return sum(1 for sent in fake.messages_to(uid) if TEXT in sent.text)


async def drain(worker: Worker, rounds: int = 100) -> None:
    for _ in range(rounds):
        if not await worker.run_once():
            return
    raise AssertionError("worker never ran out of work")


async def until(check, what: str, within: float = 60.0) -> None:
    """Wait for a condition, with a deadline generous enough for a busy machine."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} within {within} s")
        await asyncio.sleep(0.05)


def counted_ticks(monkeypatch, every: float) -> list[int]:
    """The scheduler the bot will embed ticking every `every` seconds (not 2); returns
    [ticks completed], kept current."""
    done = [0]

    class Counted(service.CampaignScheduler):
        def __init__(self, services, **_) -> None:
            super().__init__(services, tick_seconds=every)

        async def tick(self) -> None:
            await super().tick()
            done[0] += 1
    monkeypatch.setattr(service, "CampaignScheduler", Counted)
    return done


async def events(db) -> Counter:
    async with db.session() as s:
        rows = (await s.execute(select(EngagementEvent.channel, EngagementEvent.kind, EngagementEvent.outcome)
                                .where(EngagementEvent.kind.in_([EventKind.BROADCAST_DELIVERED,
                                                                 EventKind.BROADCAST_FAILED])))).all()
    return Counter((c, str(k), o) for c, k, o in rows)


@pytest.mark.parametrize("fallback", ["none", "article"])
async def test_broadcast_to_telegram_and_zalo_inside_and_outside_the_reply_window(
        fallback, tuned, tg_fake, zalo_fake, monkeypatch, capsys):
    async with running(tuned, zalo_fake, zalo_broadcast_fallback=fallback) as app:
        await _mixed_broadcast(fallback, tuned, app, tg_fake, zalo_fake, monkeypatch, capsys)


async def _mixed_broadcast(fallback, tuned, app, tg_fake, zalo_fake, monkeypatch, capsys) -> None:
    chats = await seed_subscribers(tuned.db, 4)
    # Two people who wrote to the OA just now and subscribed in the chat, through the webhook.
    talkers = []
    for uid in ("8400000000000000001", "8400000000000000002"):
        chat = ZaloChat(zalo_fake, app.zalo, uid)
        await chat.send("/dangky")
        await chat.tap("Nhận tất cả tin CCHC")
        talkers.append(uid)
    recent = await zalo_people(tuned, zalo_fake, 810_000_001, 5, days_ago=3)  # window open
    silent = await zalo_people(tuned, zalo_fake, 820_000_001, 5, days_ago=12)  # window closed
    # The bot thinks this one wrote six days ago; Zalo counts eight (it answers -230).
    (misjudged,) = await zalo_people(tuned, zalo_fake, 830_000_001, 1, days_ago=8, bot_days_ago=6)
    # Followed the OA as far as the bot knows; Zalo answers -213 when the broadcast gets there.
    (gone,) = await zalo_people(tuned, zalo_fake, 840_000_001, 1, days_ago=1, following=False)
    open_window = talkers + recent

    campaign_id, broadcast_id = await start_campaign(
        tuned, title=TITLE, text=TEXT, link="https://dichvucong.gov.vn",
        channels=push_channels(tuned.settings))
    worker = Worker(tuned.db, tuned.content, tuned.settings, app.services.senders)
    await worker.register()
    await drain(worker)
    await drain(worker)  # nothing is left, nothing goes twice

    # Telegram: every chat once. Zalo: every open window once, from the fake's own record.
    got = deliveries(tg_fake, TEXT)
    assert set(got) == set(chats) and set(got.values()) == {1}
    assert {uid: got_campaign(zalo_fake, uid) for uid in open_window} == dict.fromkeys(open_window, 1)
    # Closed windows the bot knew of: Zalo was not even asked.
    asked = {uid for uid, _ in zalo_fake.refused} | {s.user_id for s in zalo_fake.sent}
    assert not asked & set(silent)
    assert sorted(zalo_fake.refused) == sorted([(misjudged, -230), (gone, -213)])
    assert got_campaign(zalo_fake, misjudged) == got_campaign(zalo_fake, gone) == 0
    closed = silent + [misjudged]
    if fallback == "article":
        assert len(zalo_fake.broadcasts) == 1
        article = zalo_fake.articles[zalo_fake.broadcasts[0]["article_id"]]
        assert article["title"] == TITLE
        assert [p["content"] for p in article["body"]] == [TEXT, "🔗 Xem chi tiết: https://dichvucong.gov.vn"]
        assert article["cover"]["photo_url"] == "https://example.org/cover.png"
    else:
        assert zalo_fake.broadcasts == [] and zalo_fake.articles == {}

    # The outbox, the campaign's figures and their text.
    reached = "article" if fallback == "article" else "no_window"
    assert await statuses(tuned.db, broadcast_id) == {"sent": 4 + 7, reached: 6, "unreachable": 1}
    async with tuned.db.session() as s:
        by_person = dict((await s.execute(
            select(User.channel_user_id, OutboxMessage.status).join(User, User.id == OutboxMessage.user_id)
            .where(OutboxMessage.broadcast_id == broadcast_id, User.channel == "zalo"))).all())
        fig = await progress.figures(s, campaign_id)
        campaign = await s.get(Campaign, campaign_id)
        gone_id = (await s.execute(select(User.id).where(User.channel_user_id == gone))).scalar_one()
        assert (await s.get(RecipientStatus, gone_id)).unreachable_since is not None
        assert (await s.get(ZaloContact, gone_id)).following is False
    assert {uid: by_person[uid] for uid in closed} == dict.fromkeys(closed, reached)
    assert (fig.total, fig.zalo_total, fig.zalo_sent, fig.sent) == (18, 14, 7, 11)
    assert (fig.article, fig.no_window, fig.unreachable) == ((6, 0, 1) if fallback == "article" else (0, 6, 1))
    text = progress.progress_text(tuned.content, campaign, fig)
    if fallback == "article":
        assert "đã gửi 17/18 — lỗi 1" in text
        assert "Zalo: 7 người nhận qua tin nhắn tư vấn, 6 qua bài viết gửi tới người quan tâm OA; " \
               "không liên lạc được trên Zalo: 0" in text
    else:
        assert "đã gửi 11/18 — lỗi 7" in text
        assert "Zalo: 7 người nhận qua tin nhắn tư vấn, 0 qua bài viết gửi tới người quan tâm OA; " \
               "không liên lạc được trên Zalo: 6" in text
    assert "1 người đã chặn hoặc không còn liên lạc được" in text

    # `cchc-bot campaign show` prints the same figures.
    monkeypatch.setenv("CONTENT_DIR", str(tuned.settings.content_dir))
    from bot.config import get_settings
    get_settings.cache_clear()
    code = await asyncio.to_thread(main, ["--database-url", tuned.settings.database_url,
                                          "campaign", "show", str(campaign_id)])
    shown = capsys.readouterr().out
    get_settings.cache_clear()
    assert code == 0 and text in shown

    # Engagement: who was reached how, per channel.
    logged = await events(tuned.db)
    delivered, failed = str(EventKind.BROADCAST_DELIVERED), str(EventKind.BROADCAST_FAILED)
    expected = {("telegram", delivered, None): 4, ("zalo", delivered, None): 7,
                ("zalo", failed, "unreachable"): 1}
    expected[("zalo", delivered, "article") if fallback == "article" else ("zalo", failed, "no_window")] = 6
    assert logged == expected


async def test_one_article_broadcast_per_campaign_occurrence(tuned, zalo_fake):
    """The fallback is decided once per broadcast, across batches and workers; the next
    campaign gets its own."""
    async with running(tuned, zalo_fake, zalo_broadcast_fallback="article") as app:
        await _two_campaigns_by_article(tuned, app, zalo_fake)


async def _two_campaigns_by_article(tuned, app, zalo_fake) -> None:
    await zalo_people(tuned, zalo_fake, 850_000_001, 20, days_ago=30)
    workers = [Worker(tuned.db, tuned.content, tuned.settings, app.services.senders) for _ in range(2)]
    for worker in workers:
        await worker.register()
    _, first = await start_campaign(tuned, title=TITLE, text=TEXT, channels=["zalo"])
    rounds = [w.run_once() for w in workers] if not tuned.db.is_sqlite else [workers[0].run_once()]
    await asyncio.gather(*rounds)
    for worker in workers:
        await drain(worker)
    for _ in range(50):  # a worker that met the broadcast in progress comes back for its rows
        if (await statuses(tuned.db, first)) == {"article": 20}:
            break
        async with tuned.db.session() as s:
            await s.execute(OutboxMessage.__table__.update().where(OutboxMessage.status == "pending")
                            .values(not_before=utcnow()))
            await s.commit()
        for worker in workers:
            await drain(worker)
    assert await statuses(tuned.db, first) == {"article": 20}
    assert len(zalo_fake.broadcasts) == 1 and zalo_fake.sent == []
    _, second = await start_campaign(tuned, title="Lần hai", text=TEXT, channels=["zalo"])
    await drain(workers[0])
    assert await statuses(tuned.db, second) == {"article": 20}
    assert len(zalo_fake.broadcasts) == 2


async def test_a_campaign_paused_mid_batch_publishes_no_article(tuned, zalo_fake, monkeypatch):
    async with running(tuned, zalo_fake, zalo_broadcast_fallback="article") as app:
        await zalo_people(tuned, zalo_fake, 855_000_001, 4, days_ago=20)
        campaign_id, broadcast_id = await start_campaign(tuned, title=TITLE, text=TEXT, channels=["zalo"])
        sender = app.services.senders["zalo"]
        look_up = sender.outside_window

        async def paused_meanwhile(user_ids):  # staff pause right after the worker's claim
            async with tuned.db.session() as s:
                await campaigns.pause(s, await campaigns.get(s, campaign_id))
                await s.commit()
            return await look_up(user_ids)

        monkeypatch.setattr(sender, "outside_window", paused_meanwhile)
        worker = Worker(tuned.db, tuned.content, tuned.settings, app.services.senders)
        await worker.register()
        await worker.run_once()
        assert zalo_fake.articles == {} and zalo_fake.broadcasts == []
        assert await statuses(tuned.db, broadcast_id) == {"pending": 4}
        monkeypatch.undo()
        async with tuned.db.session() as s:
            await campaigns.resume(s, await campaigns.get(s, campaign_id))
            await s.commit()
        await drain(worker)
        assert await statuses(tuned.db, broadcast_id) == {"article": 4}
        assert len(zalo_fake.broadcasts) == 1


async def test_zalo_rate_limit_pauses_the_broadcast_lane_and_nothing_goes_twice(tuned, app, zalo_fake):
    people = await zalo_people(tuned, zalo_fake, 860_000_001, 8, days_ago=2)
    zalo_fake.max_requests_per_second = 3
    _, broadcast_id = await start_campaign(tuned, title=TITLE, text=TEXT, channels=["zalo"])
    worker = Worker(tuned.db, tuned.content, tuned.settings, app.services.senders)
    await worker.register()
    for _ in range(40):
        await drain(worker)
        if (await statuses(tuned.db, broadcast_id)) == {"sent": 8}:
            break
        await asyncio.sleep(0.3)
    assert await statuses(tuned.db, broadcast_id) == {"sent": 8}
    assert any(code == -32 for _, code in zalo_fake.refused)  # it did hit Zalo's limit
    assert {uid: got_campaign(zalo_fake, uid) for uid in people} == dict.fromkeys(people, 1)


async def test_zalo_quota_used_up_holds_the_channel_not_the_rows(tuned, zalo_fake, tg_fake):
    async with running(tuned, zalo_fake, zalo_rate_per_second=5.0) as app:
        await _quota_used_up(tuned, app, zalo_fake, tg_fake)


async def _quota_used_up(tuned, app, zalo_fake, tg_fake) -> None:
    await zalo_people(tuned, zalo_fake, 870_000_001, 4, days_ago=3)
    chats = await seed_subscribers(tuned.db, 3)
    zalo_fake.cs_quota = 0  # no free replies left three days after their last message
    _, broadcast_id = await start_campaign(tuned, title=TITLE, text=TEXT, channels=["telegram", "zalo"])
    worker = Worker(tuned.db, tuned.content, tuned.settings, app.services.senders)
    await worker.register()
    await drain(worker)
    assert await statuses(tuned.db, broadcast_id) == {"sent": 3, "pending": 4}
    assert set(deliveries(tg_fake, TEXT)) == set(chats)
    # The first -211 held back the Zalo rows queued behind it in the batch.
    assert [code for _, code in zalo_fake.refused] == [-211] and zalo_fake.sent == []
    async with tuned.db.session() as s:  # waiting, with no attempt used up
        attempts = set((await s.execute(select(OutboxMessage.attempts).where(
            OutboxMessage.status == "pending"))).scalars())
    assert attempts == {0}
    assert worker._channel_wait["zalo"] - asyncio.get_running_loop().time() > 3000  # an hour: Zalo's quota


async def test_a_zalo_answer_goes_out_while_the_broadcast_lane_waits(app, zalo_fake):
    sender = app.services.senders["zalo"]
    assert sender is app.zalo.sender  # the delivery worker in this process uses the channel's own
    sender.limiter.pause(BROADCAST, 600)  # as after Zalo's -32 on a broadcast (a long one)
    chat = ZaloChat(zalo_fake, app.zalo)
    # The answer does not wait for the broadcast lane: well within its ten minutes, however
    # busy the machine.
    await asyncio.wait_for(chat.send("/start"), 60)
    assert chat.text.startswith("Xin chào")
    assert sender.limiter.paused_for(BROADCAST) > 500


async def test_embedded_default_delivers_to_zalo_with_the_channels_sender(tuned, zalo_fake, monkeypatch):
    """`cchc-bot run` as shipped: the scheduler and one worker inside the bot process. An
    editor on Zalo watching the campaign gets one message with the final figures (Zalo
    cannot edit the earlier one)."""
    people = await zalo_people(tuned, zalo_fake, 880_000_001, 3, days_ago=1)
    silent = await zalo_people(tuned, zalo_fake, 890_000_001, 2, days_ago=9)
    (editor,) = await zalo_people(tuned, zalo_fake, 899_000_001, 1, days_ago=0.5, topic=None)
    ticks = counted_ticks(monkeypatch, every=0.2)
    async with running(tuned, zalo_fake, scheduler_embedded=True, delivery_poll_seconds=0.1) as app:
        assert app.campaigns is not None and app.services.senders["zalo"] is app.zalo.sender
        async with tuned.db.session() as s:
            campaign = await campaigns.create(s, campaigns.Draft(title=TITLE, text=TEXT,
                                                                 audience=Audience("channel", channel="zalo")))
            await campaigns.confirm(s, campaign)
            editor_id = (await s.execute(select(User.id).where(User.channel_user_id == editor))).scalar_one()
            s.add(CampaignWatcher(campaign_id=campaign.id, user_id=editor_id))
            await s.commit()

        async def done() -> bool:
            async with tuned.db.session() as s:
                return (await s.get(Campaign, campaign.id)).status == "done"
        await until(done, "the campaign was not done")
        async with tuned.db.session() as s:
            fig = await progress.figures(s, campaign.id)
        assert (fig.total, fig.zalo_sent, fig.no_window) == (5, 3, 2)
        assert {uid: got_campaign(zalo_fake, uid) for uid in people + silent} == {
            **dict.fromkeys(people, 1), **dict.fromkeys(silent, 0)}

        async def reported() -> bool:  # a later tick reports to the editor
            return bool(zalo_fake.messages_to(editor))
        await until(reported, "the editor got no report")
        after = ticks[0]

        async def two_more_ticks() -> bool:  # so one whole tick ran after the report
            return ticks[0] >= after + 2
        await until(two_more_ticks, "the scheduler stopped ticking")
    (report,) = zalo_fake.messages_to(editor)  # and it sent nothing more
    assert "đã gửi 3/5 — lỗi 2" in report.text and "đã gửi xong" in report.text
    assert "không liên lạc được trên Zalo: 2" in report.text


async def test_a_worker_process_builds_its_own_zalo_sender(tuned, zalo_fake, tg_fake):
    """`cchc-bot worker`: no webhook, no conversation; the registry builds the senders."""
    from scheduler.senders import PUSH_CHANNELS

    assert PUSH_CHANNELS["zalo"](tuned.settings) and not PUSH_CHANNELS["zalo"](
        tuned.settings.model_copy(update={"zalo_oa_secret_key": None}))
    people = await zalo_people(tuned, zalo_fake, 895_000_001, 3, days_ago=5)
    chats = await seed_subscribers(tuned.db, 2)
    built, close = await build_senders(tuned)
    try:
        assert set(built) == {"telegram", "zalo", "web"}  # the web chat: always (its history)
        assert built["zalo"].limiter.per_second == pytest.approx(tuned.settings.zalo_rate_per_second)
        tuned.senders.update(built)
        _, broadcast_id = await start_campaign(tuned, title=TITLE, text=TEXT,
                                               channels=push_channels(tuned.settings))
        worker = Worker(tuned.db, tuned.content, tuned.settings, tuned.senders)
        await worker.register()
        await drain(worker)
    finally:
        await close()
    assert await statuses(tuned.db, broadcast_id) == {"sent": 5}
    assert {uid: got_campaign(zalo_fake, uid) for uid in people} == dict.fromkeys(people, 1)
    assert set(deliveries(tg_fake, TEXT)) == set(chats)
    assert built["zalo"]._session is None  # closed at exit


async def test_a_photo_composed_in_telegram_goes_to_zalo_as_text_alone(tuned, zalo_fake, tg_fake):
    """A photo an editor sends in Telegram is Telegram's file id: Telegram recipients get the
    photo; Zalo shows an image only by URL (its API refuses anything else), so Zalo
    followers get the text alone, and the preview says so before the editor confirms."""
    photo = tg_fake.push_photo(950_000_001)["message"]["photo"][-1]["file_id"]
    chats = await seed_subscribers(tuned.db, 3)
    people = await zalo_people(tuned, zalo_fake, 896_000_001, 3, days_ago=2)
    async with tuned.db.session() as s:
        await staff.grant(s, "telegram", "950000001", Role.EDITOR)
        await s.commit()
    editor = Chat(Conversation(tuned), channel="telegram", user_id="950000001")
    await editor.send("/chiendich")
    await editor.tap("Soạn chiến dịch mới")
    await editor.send(TITLE)
    await editor.send_image(TEXT, photo)
    await editor.tap("Tất cả người đăng ký")
    preview, summary = await editor.tap("Gửi ngay")
    assert preview.image_url == photo
    assert "người nhận trên Zalo nhận tin không kèm ảnh" in summary.text
    await editor.tap("Xác nhận")

    async with tuned.db.session() as s:
        (campaign_id,) = (await s.execute(select(Campaign.id))).scalars()
    broadcast_id = await firing.fire(tuned.db, campaign_id)
    await firing.expand(tuned.db, broadcast_id, push_channels(tuned.settings))
    built, close = await build_senders(tuned)
    try:
        worker = Worker(tuned.db, tuned.content, tuned.settings, built)
        await worker.register()
        await drain(worker)
    finally:
        await close()

    assert await statuses(tuned.db, broadcast_id) == {"sent": 6}
    photos = [c for c in tg_fake.calls(ok=True) if c.method == "sendPhoto"]
    assert sorted(int(c.params["chat_id"]) for c in photos) == sorted(chats)
    assert {c.params["photo"] for c in photos} == {photo}
    assert {uid: [TEXT in m.text for m in zalo_fake.messages_to(uid)] for uid in people} == \
        dict.fromkeys(people, [True])
    assert zalo_fake.refused == []
