"""The awareness survey through the conversation core: offered after enough interactions,
started by a campaign button or /khaosat, answered with buttons, once per period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot import surveys
from bot.db.events import EventKind
from bot.db.models import EngagementEvent, Role, User
from bot.db.models_survey import SurveyResponse
from bot.kernel.clock import utcnow
from tests.conftest import Chat


async def _events(services, kind: str) -> list[EngagementEvent]:
    async with services.db.session() as s:
        q = select(EngagementEvent).where(EngagementEvent.kind == kind).order_by(EngagementEvent.id)
        return list((await s.execute(q)).scalars())


async def _responses(services) -> list[SurveyResponse]:
    async with services.db.session() as s:
        return list((await s.execute(select(SurveyResponse).order_by(SurveyResponse.id))).scalars())


async def _make_role(services, chat: Chat, role: Role) -> None:
    await chat.send("/start")
    async with services.db.session() as s:
        await s.execute(update(User).where(User.channel_user_id == chat.user_id).values(role=role))
        await s.commit()


def _survey_buttons(chat: Chat) -> list[str]:
    return [
        b.payload
        for r in chat.last
        for b in r.all_buttons()
        if b.payload and b.payload.startswith("sva:")
    ]


async def test_citizen_is_offered_after_enough_interactions_and_answers_once(
    chat: Chat, services, content_store
):
    survey = content_store.pack.survey("nguoi-dan")
    for _ in range(survey.offer_after_interactions - 1):
        await chat.send("/menu")
        assert "khảo sát" not in chat.text
    await chat.send("/menu")
    assert survey.title in chat.text and "Trả lời khảo sát" in " ".join(chat.labels())
    assert len(await _events(services, EventKind.SURVEY_OFFERED)) == 1

    await chat.tap("Trả lời khảo sát")
    assert survey.intro.strip()[:40] in chat.text
    assert "Anh/Chị có hiểu mục đích, lợi ích của cải cách hành chính không?" in chat.text
    assert "Câu 1/5" in chat.text
    await chat.tap("Hiểu rõ")
    assert "Câu 2/5" in chat.text
    await chat.send("2")  # typing the option's number works like tapping it
    assert "Câu 3/5" in chat.text
    await chat.tap("Đã sử dụng")
    assert "Câu 4/5" in chat.text and "1 = Rất khó hiểu" in chat.text
    await chat.tap("4")
    await chat.tap("5")
    assert survey.thanks.strip()[:30] in chat.text

    answers = await _events(services, EventKind.SURVEY_ANSWERED)
    assert [(e.topic, e.item, e.outcome, e.value) for e in answers] == [
        ("nguoi-dan", "hieu-muc-dich-loi-ich", "hieu-ro", None),
        ("nguoi-dan", "kenh-tiep-nhan", "bao-dai", None),
        ("nguoi-dan", "dich-vu-cong", "da-su-dung", None),
        ("nguoi-dan", "de-hieu", "4", 4.0),
        ("nguoi-dan", "hai-long", "5", 5.0),
    ]
    assert len(await _events(services, EventKind.SURVEY_COMPLETED)) == 1
    started = await _events(services, EventKind.SURVEY_STARTED)
    assert [(e.outcome, e.item) for e in started] == [("offer", surveys.current_period(survey).key)]

    # Once per period: asking again is refused politely, and no new offer comes.
    await chat.send("/khaosat")
    assert "đã trả lời khảo sát này trong kỳ này" in chat.text
    for _ in range(survey.offer_after_interactions):
        await chat.send("/menu")
    assert len(await _events(services, EventKind.SURVEY_OFFERED)) == 1
    assert len(await _events(services, EventKind.SURVEY_ANSWERED)) == 5
    (response,) = await _responses(services)
    assert response.completed_at is not None and response.answered == 5
    # Pseudonymous: the response row carries the engagement key, never the channel id.
    assert response.user_key == answers[0].user_key and chat.user_id not in response.user_key


async def test_the_terminal_chat_for_editors_is_never_offered_a_survey(conversation, services):
    editor_tool = Chat(conversation, channel="terminal", user_id="editor-test")
    for _ in range(20):
        await editor_tool.send("/menu")
        assert len(editor_tool.last) == 1
    assert not await _events(services, EventKind.SURVEY_OFFERED)


async def test_double_tap_and_replayed_button_count_once(chat: Chat, services):
    await chat.send("/khaosat")
    first = _survey_buttons(chat)[0]
    await chat.press(first)
    assert "Câu 2/5" in chat.text
    await chat.press(first)  # the same button again
    assert "đã được ghi nhận" in chat.text and "Câu 2/5" in chat.text
    answers = await _events(services, EventKind.SURVEY_ANSWERED)
    assert len(answers) == 1


async def test_declining_is_respected_until_the_next_period(chat: Chat, services, content_store):
    survey = content_store.pack.survey("nguoi-dan")
    for _ in range(survey.offer_after_interactions):
        await chat.send("/menu")
    await chat.tap("Để sau")
    assert "/khaosat" in chat.text
    for _ in range(survey.offer_after_interactions):
        await chat.send("/menu")
        assert "Trả lời khảo sát" not in " ".join(chat.labels())
    assert len(await _events(services, EventKind.SURVEY_OFFERED)) == 1
    assert not await _events(services, EventKind.SURVEY_STARTED)
    await chat.send("/khaosat")  # still free to answer when they want
    assert "Câu 1/5" in chat.text


async def test_campaign_button_starts_the_named_survey_for_its_audience(
    chat: Chat, services, conversation
):
    await chat.press("survey:can-bo")
    assert "dành cho cán bộ, công chức, viên chức" in chat.text
    assert not await _responses(services)

    cadre = Chat(conversation, channel="telegram", user_id="4242")
    await _make_role(services, cadre, Role.CADRE)
    await cadre.press("survey:can-bo")
    assert "Anh/Chị có nắm được mục tiêu cải cách hành chính của đơn vị mình không?" in cadre.text
    await cadre.tap("Nắm vững")
    started = await _events(services, EventKind.SURVEY_STARTED)
    assert [(e.topic, e.outcome, e.channel) for e in started] == [
        ("can-bo", "campaign", "telegram")
    ]
    answers = await _events(services, EventKind.SURVEY_ANSWERED)
    assert [(a.topic, a.outcome) for a in answers] == [("can-bo", "nam-vung")]
    (response,) = await _responses(services)
    assert response.source == "campaign"


async def test_cadres_get_the_cadre_survey_and_staff_are_never_offered(
    services, conversation, content_store
):
    cadre = Chat(conversation, user_id="cadre-1")
    await _make_role(services, cadre, Role.CADRE)
    seen = ""
    for _ in range(content_store.pack.survey("can-bo").offer_after_interactions):
        seen += (await cadre.send("/menu"))[-1].text
    assert content_store.pack.survey("can-bo").title in seen
    offered = await _events(services, EventKind.SURVEY_OFFERED)
    assert [e.topic for e in offered] == ["can-bo"]

    editor = Chat(conversation, user_id="editor-1")
    await _make_role(services, editor, Role.EDITOR)
    for _ in range(12):
        await editor.send("/menu")
    assert "Trả lời khảo sát" not in " ".join(editor.labels())
    await editor.send("/khaosat")  # staff may look at either survey
    assert "chọn khảo sát" in editor.text and len(editor.labels()) == 3


async def test_forged_stale_and_garbage_answers_are_refused(
    chat: Chat, services, conversation, monkeypatch
):
    await chat.send("/khaosat")
    button = _survey_buttons(chat)[0]
    other = Chat(conversation, user_id="someone-else")
    await other.press(button)  # another person's response id
    assert "Nút này đã cũ" in other.text
    for garbage in ("sva:", "sva:x.y.z", "sva:1.2", "sva:99999.0.1", "sva:1.0.99", "sva:1.77.1"):
        await chat.press(garbage)
        assert chat.last, garbage
    assert not await _events(services, EventKind.SURVEY_ANSWERED)

    # A button from last quarter's survey, tapped in the new quarter, starts this quarter's.
    later = utcnow() + timedelta(days=100)
    monkeypatch.setattr(surveys, "utcnow", lambda: later)
    await chat.press(button)
    assert "kỳ trước đã kết thúc" in chat.text and "Câu 1/5" in chat.text
    assert not await _events(services, EventKind.SURVEY_ANSWERED)
    periods = {r.period for r in await _responses(services)}
    assert len(periods) == 2


async def test_two_processes_opening_the_same_response_make_one_row(services, content_store):
    survey = content_store.pack.survey("nguoi-dan")
    period = surveys.current_period(survey)
    async with services.db.session() as a, services.db.session() as b:
        _, created_a = await surveys.open_response(a, survey, period, "k" * 24, "command")
        await a.commit()
        _, created_b = await surveys.open_response(b, survey, period, "k" * 24, "command")
        await b.commit()
    assert (created_a, created_b) == (True, False)
    assert len(await _responses(services)) == 1


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            lambda s: s["questions"][0]["target"].update(options=["khong-co"]),
            "surveys/nguoi-dan.yaml: questions[0].target.options[0]: không có phương án 'khong-co'",
        ),
        (
            lambda s: s["questions"][3].update(options=[{"id": "a", "label": "A"}]),
            "surveys/nguoi-dan.yaml: questions[3].options: câu hỏi thang điểm",
        ),
        (
            lambda s: s["questions"][1].update(id=s["questions"][0]["id"]),
            "surveys/nguoi-dan.yaml: questions[1].id: mã câu hỏi",
        ),
        (
            lambda s: s["questions"][0].update(options=s["questions"][0]["options"][:1]),
            "surveys/nguoi-dan.yaml: questions[0].options: câu hỏi một lựa chọn cần từ 2 đến 6",
        ),
        (
            lambda s: s.update(audience="cadre"),
            "chỉ được có một khảo sát đang dùng cho đối tượng 'cadre'",
        ),
        (
            lambda s: s["questions"][0].update(kind="ranking"),
            "surveys/nguoi-dan.yaml: questions[0].kind",
        ),
    ],
)
def test_broken_surveys_are_named_by_file_and_field(tmp_path, capsys, change, expected):
    import shutil

    import yaml

    from bot.cli import main
    from tests.conftest import CONTENT_DIR

    pack = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, pack)
    path = pack / "surveys" / "nguoi-dan.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["--content-dir", str(pack), "content", "validate"]) == 1
    assert expected in capsys.readouterr().err


async def test_a_failing_after_turn_hook_never_costs_the_answer(chat: Chat, services):
    async def broken(turn, replies):
        turn.log(EventKind.SURVEY_OFFERED, topic="broken")
        raise RuntimeError("boom")

    services.router.after_turn(broken)
    replies = await chat.send("/menu")
    assert "Bạn muốn tìm hiểu gì" in replies[-1].text
    assert len(await _events(services, EventKind.MENU_OPENED)) == 1
    assert not await _events(services, EventKind.SURVEY_OFFERED)  # the hook's write rolled back
