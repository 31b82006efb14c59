"""The scheduler: APScheduler with its job store in the database (schedules survive a
restart), firing "now", "at" and cron campaigns, the content calendar, and the live
progress message edited in place through the real Telegram channel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import staff
from bot.app import BotApp
from bot.content.loader import ContentError, load
from bot.content.schema_calendar import CalendarCampaign
from bot.db.models import Role
from bot.db.models_campaigns import Broadcast, Campaign, SchedulerJob
from bot.kernel.clock import utcnow
from bot.kernel.timing import QuietHours, cron_occurrence, parse_at
from scheduler import calendar, campaigns
from scheduler.audience import Audience
from scheduler.delivery.worker import Worker
from scheduler.service import CampaignScheduler, sync_url
from tests.campaigns.helpers import seed_subscribers, statuses
from tests.conftest import CONTENT_DIR
from tests.fakes.telegram_api import FakeTelegramAPI


@pytest.fixture
def tg_services(services):
    services.settings = services.settings.model_copy(update={
        "telegram_bot_token": "123456:TEST-TOKEN", "quiet_hours": "", "broadcast_max_per_day": 0})
    return services


async def create(services, **kw) -> int:
    draft = campaigns.Draft(title=kw.pop("title", "Tin tuần"), text="Nội dung tin tuần này.", **kw)
    async with services.db.session() as s:
        c = await campaigns.create(s, draft)
        await campaigns.confirm(s, c)
        await s.commit()
        return c.id


async def broadcasts(services, campaign_id: int) -> list[Broadcast]:
    async with services.db.session() as s:
        return list((await s.execute(select(Broadcast).where(Broadcast.campaign_id == campaign_id))).scalars())


def test_times_are_vietnam_time():
    assert parse_at("25/12/2026 08:00") == datetime(2026, 12, 25, 1, 0, tzinfo=UTC)
    assert parse_at("2026-12-25 08:00") == datetime(2026, 12, 25, 1, 0, tzinfo=UTC)
    # Monday 08:00 in Vietnam is 01:00 UTC; a firing at 01:03 belongs to that occurrence.
    assert cron_occurrence("0 8 * * mon", datetime(2026, 11, 23, 1, 3, tzinfo=UTC)) == \
        datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    quiet = QuietHours("21:00-07:00")
    assert quiet.active(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # 22:00 in Vietnam
    assert not quiet.active(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))  # 10:00
    assert quiet.ends_after(datetime(2026, 11, 23, 15, 0, tzinfo=UTC)) == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        QuietHours("nine to five")
    assert sync_url("postgresql+asyncpg://u:p@h:5432/d") == "postgresql+psycopg://u:p@h:5432/d"


async def test_jobs_live_in_the_database_and_survive_a_restart(tg_services):
    cron_id = await create(tg_services, schedule="cron", cron="0 8 * * mon")
    later_id = await create(tg_services, schedule="at", send_at=utcnow() + timedelta(days=3))
    first = CampaignScheduler(tg_services)
    await first.start(ticking=False)
    await first.reconcile()
    assert {j.id for j in first.aps.get_jobs()} == {f"campaign-{cron_id}", f"campaign-{later_id}"}
    await first.stop()
    async with tg_services.db.session() as s:
        assert len((await s.execute(select(SchedulerJob))).all()) == 2
    second = CampaignScheduler(tg_services)  # a new process: the jobs come from the table
    await second.start(ticking=False)
    jobs = {j.id: j for j in second.aps.get_jobs()}
    assert jobs[f"campaign-{cron_id}"].next_run_time.weekday() == 0
    async with tg_services.db.session() as s:  # paused in chat: the job goes away
        await campaigns.pause(s, await campaigns.get(s, later_id))
        await s.commit()
    await second.reconcile()
    assert {j.id for j in second.aps.get_jobs()} == {f"campaign-{cron_id}"}
    await second.stop()


async def test_now_at_and_missed_campaigns_fire_or_not(tg_services):
    await seed_subscribers(tg_services.db, 3)
    now_id = await create(tg_services)
    soon_id = await create(tg_services, schedule="at", send_at=utcnow() + timedelta(seconds=1.5))
    async with tg_services.db.session() as s:  # due 2 days ago while the scheduler was down
        missed = await campaigns.create(s, campaigns.Draft(
            title="Cũ", text="Đã quá hạn.", schedule="at", send_at=utcnow() - timedelta(days=2)),
            status="scheduled")
        await s.commit()
    sched = CampaignScheduler(tg_services, tick_seconds=0.5)
    await sched.start()
    try:
        for _ in range(40):
            await asyncio.sleep(0.25)
            if await broadcasts(tg_services, soon_id):
                break
    finally:
        await sched.stop()
    assert len(await broadcasts(tg_services, now_id)) == 1
    [soon] = await broadcasts(tg_services, soon_id)
    assert soon.expanded_at is not None and soon.total == 3
    assert await broadcasts(tg_services, missed.id) == []
    async with tg_services.db.session() as s:
        assert (await s.get(Campaign, missed.id)).status == "cancelled"


async def test_a_cron_campaign_fires_once_per_occurrence(tg_services):
    await seed_subscribers(tg_services.db, 2)
    cron_id = await create(tg_services, schedule="cron", cron="* * * * *")
    sched = CampaignScheduler(tg_services)
    await sched.start(ticking=False)
    try:
        first = await sched.fire(cron_id)
        assert await sched.fire(cron_id) == first  # same minute, same occurrence
    finally:
        await sched.stop()
    [b] = await broadcasts(tg_services, cron_id)
    assert b.occurrence.endswith("+00:00") and b.total == 2


async def test_calendar_entries_become_campaigns_and_follow_edits(tg_services, tmp_path):
    pack = tg_services.content.pack
    topic = pack.topics[0]
    entry = {"id": "tin-tuan", "title": "Tin CCHC hằng tuần", "message": topic.messages[0].id,
             "audience": {"kind": "topic", "topic": topic.id}, "cron": "0 8 * * mon"}
    edited = pack.model_copy(update={"campaigns": [CalendarCampaign(**entry)]})
    assert (await calendar.sync(tg_services.db, edited))["created"] == 1
    assert (await calendar.sync(tg_services.db, edited)) == {"created": 0, "updated": 0, "cancelled": 0}
    async with tg_services.db.session() as s:
        c = (await s.execute(select(Campaign).where(Campaign.calendar_id == "tin-tuan"))).scalar_one()
        assert c.status == "scheduled" and c.text == topic.messages[0].text and c.audience_topic == topic.id
    gone = pack.model_copy(update={"campaigns": []})
    assert (await calendar.sync(tg_services.db, gone))["cancelled"] == 1


def test_calendar_files_are_validated_with_file_and_field(tmp_path):
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(CONTENT_DIR, pack)
    (pack / "campaigns").mkdir(exist_ok=True)
    for f in (pack / "campaigns").glob("*.yaml"):
        f.unlink()
    (pack / "campaigns" / "bad.yaml").write_text(
        "campaigns:\n"
        "  - id: a\n    title: T\n    text: x\n    cron: '0 8 * *'\n"
        "  - id: b\n    title: T\n    message: khong-co\n    at: '31/02/2026 08:00'\n"
        "    audience: {kind: units, units: [khong-co-don-vi]}\n"
        "  - id: c\n    title: T\n    text: x\n    at: '01/01/2030 08:00'\n    cron: '0 8 * * *'\n"
        "    link: {label: Xem, url: 'ftp://x'}\n", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load(pack)
    found = {(i.file, i.field) for i in err.value.issues}
    assert ("campaigns/bad.yaml", "campaigns[0].cron") in found
    assert ("campaigns/bad.yaml", "campaigns[1].message") in found
    assert ("campaigns/bad.yaml", "campaigns[1].at") in found
    assert ("campaigns/bad.yaml", "campaigns[1].audience.units[0]") in found
    assert ("campaigns/bad.yaml", "campaigns[2].at") in found
    assert ("campaigns/bad.yaml", "campaigns[2].link.url") in found


async def test_progress_message_is_edited_in_place_over_telegram(tg_services):
    """Staff confirm in Telegram; the scheduler edits that one message as sending goes on."""
    async with FakeTelegramAPI(strict_chats=False) as fake:
        tg_services.settings = tg_services.settings.model_copy(update={
            "telegram_api_base_url": fake.base_url, "telegram_api_base_file_url": fake.base_file_url,
            "delivery_batch_size": 20})
        app = BotApp(tg_services)
        await app.telegram.start()
        try:
            editor = 900_000_009
            async with tg_services.db.session() as s:
                await staff.grant(s, "telegram", str(editor), Role.EDITOR)
                await s.commit()
            await seed_subscribers(tg_services.db, 45)
            fake.push_text(editor, "/chiendich")
            await fake.wait_for_messages(editor, 1)
            fake.push_callback(editor, "cmpnew")
            await fake.wait_for_messages(editor, 2)
            fake.push_text(editor, "Tin nhanh")
            await fake.wait_for_messages(editor, 3)
            fake.push_text(editor, "Nội dung nhanh.")
            await fake.wait_for_messages(editor, 4)
            fake.push_callback(editor, "cmpaud:all")
            await fake.wait_for_messages(editor, 5)
            fake.push_callback(editor, "cmpwhen:now")
            preview, summary = (await fake.wait_for_messages(editor, 7))[-2:]
            assert preview["text"] == "📢 Tin nhanh\n\nNội dung nhanh."
            assert "Số người nhận hiện tại: 45" in summary["text"]
            async with tg_services.db.session() as s:
                draft = (await s.execute(select(Campaign))).scalar_one()
            fake.push_callback(editor, f"cmpok:{draft.id}")
            live = (await fake.wait_for_messages(editor, 9))[-1]
            assert "đã gửi 0/0+" in live["text"]
            sched = CampaignScheduler(tg_services)
            await sched.start(ticking=False)
            worker = Worker(tg_services.db, tg_services.content, tg_services.settings, tg_services.senders)
            await worker.register()
            await sched.reconcile()
            while await worker.run_once():
                pass
            await sched.tick()
            await sched.stop()
            final = fake.message(editor, live["message_id"])
            assert "đã gửi 45/45 — lỗi 0" in final["text"] and "đã gửi xong" in final["text"]
            assert len(fake.messages_to(editor)) == 9  # edited, not sent anew
            assert fake.calls("editMessageText", ok=True)
        finally:
            await app.telegram.stop()
    assert (await statuses(tg_services.db, (await broadcasts(tg_services, draft.id))[0].id)) == {"sent": 45}


def test_audience_rejects_incomplete_specs():
    with pytest.raises(ValueError):
        Audience("topic")
    with pytest.raises(ValueError):
        Audience("units")
    with pytest.raises(ValueError):
        Audience("everyone")
    assert Audience.parse("units:a,b").units == ("a", "b")
