"""Ids in button payloads and staff commands are untrusted text: a 30-digit id, one past
the 64-bit range, or a digit `int()` refuses ("²") gets the same polite answer as an id
that does not exist — never "handler failed"."""

from __future__ import annotations

import logging

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot import staff
from bot.db.models import Role
from bot.kernel.ids import MAX_ID, parse_id
from tests.conftest import Chat
from tests.contest_support import person, quiz_of

HUGE = "9" * 30
PAST_RANGE = str(MAX_ID + 1)
BAD_IDS = [HUGE, PAST_RANGE, "²", "١٢", "-1", "+1", " 1", "1 ", "1\n", ""]

EXPIRED = "Nút này đã cũ"
GENERIC_ERROR = "hệ thống đang bận"


# ---------------------------------------------------------------- the helper


@given(st.text())
@example("²")
@example("٣")
@example(HUGE)
@example(PAST_RANGE)
@example(str(MAX_ID))
@example("000" + str(MAX_ID))
@example("1\n")
def test_parse_id_is_none_or_an_int_in_range_that_round_trips(text):
    value = parse_id(text)
    if value is None:
        assert not (text.isascii() and text.isdigit() and int(text) <= MAX_ID)
    else:
        assert type(value) is int and 0 <= value <= MAX_ID
        assert text.isascii() and text.isdigit() and int(text) == value
        assert parse_id(str(value)) == value


@given(st.integers(min_value=0, max_value=MAX_ID))
def test_every_id_in_range_is_read_back(number):
    assert parse_id(str(number)) == number


@given(st.integers(min_value=MAX_ID + 1))
def test_every_id_past_the_range_is_refused(number):
    assert parse_id(str(number)) is None


# ---------------------------------------------------------------- through the conversation


def failures(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage() == "handler failed"]


async def press_all(chat: Chat, payloads: list[str], expected: str, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.conversation.conversation"):
        for payload in payloads:
            await chat.press(payload)
            assert chat.last and expected in chat.text and GENERIC_ERROR not in chat.text, (payload, chat.text)
    assert failures(caplog) == []


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("ctres:{}", EXPIRED),
        ("qnext:{}", EXPIRED),
        ("qa:{}:0:1", EXPIRED),
        ("qa:1:{}:1", EXPIRED),
        ("ctgo:{}", EXPIRED),
        ("sva:{}.0.1", EXPIRED),
        ("sva:1.{}.1", EXPIRED),
        ("addrn:{}", EXPIRED),
        ("bcl:{}", "Tin này không còn nữa"),
        ("bcu:{}", "Bạn đã ngừng nhận tin"),
    ],
)
async def test_citizen_buttons_with_bad_ids_get_a_polite_reply(chat: Chat, template, expected, caplog):
    await press_all(chat, [template.format(bad) for bad in BAD_IDS], expected, caplog)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        *((f"{prefix}:{{}}", "Không tìm thấy chiến dịch này")
          for prefix in ("cmpshow", "cmppause", "cmpresume", "cmpstop", "cmpstopok", "cmpok")),
        ("cmpurg:{}", EXPIRED),
        ("cmpdel:{}", EXPIRED),
        *((f"{prefix}:{{}}", EXPIRED) for prefix in ("fbtake", "fbfwd", "fbres", "fbv")),
    ],
)
async def test_staff_buttons_with_bad_ids_get_a_polite_reply(chat: Chat, services, template, expected, caplog):
    async with services.db.session() as s:
        await staff.grant(s, chat.channel, chat.user_id, Role.ADMIN)
        await s.commit()
    await press_all(chat, [template.format(bad) for bad in BAD_IDS], expected, caplog)


async def test_a_typed_superscript_or_huge_number_is_not_a_button_number(chat: Chat, caplog):
    await chat.send("/start")
    with caplog.at_level(logging.ERROR, logger="bot.conversation.conversation"):
        for typed in ("²", "¹", HUGE):
            await chat.send("/start")
            await chat.send(typed)
            assert chat.last and GENERIC_ERROR not in chat.text, typed
    assert failures(caplog) == []


async def test_quiz_answer_for_a_question_past_the_attempt_is_stale(contest_services, caplog):
    citizen = person(contest_services, "citizen-practice")
    await citizen.send("/thithu")
    attempt_id, _, choice = quiz_of(citizen).payloads[0].split(":")[1:]
    # positions past the attempt: beyond a 32-bit column, beyond 64 bits, not a number
    payloads = [f"qa:{attempt_id}:{position}:{choice}" for position in (2**40, MAX_ID, HUGE, "²")]
    await press_all(citizen, payloads, EXPIRED, caplog)
    await citizen.press(f"qnext:{attempt_id}")
    assert "Câu 1/3" in citizen.text  # the attempt is untouched


async def test_registration_buttons_and_the_staff_fix_command_with_bad_ids(cadre: Chat, contest_services, caplog):
    await cadre.press("ctreg:thi-mo")
    await cadre.send("Nguyễn Văn An")  # the form now asks for the unit: a list in pages
    await press_all(cadre, ["ctunits:²", f"ctunits:{HUGE}"], "(trang 1/", caplog)
    officer = person(contest_services, "staff-0001")
    async with contest_services.db.session() as s:
        await staff.grant(s, "web", "staff-0001", Role.ADMIN)
        await s.commit()
    with caplog.at_level(logging.ERROR, logger="bot.conversation.conversation"):
        for bad in (HUGE, PAST_RANGE, "²"):
            await officer.send(f"/qlcuocthi sua {bad} ten Trần Thị Bình")
            assert f"Không có đăng ký số {bad}" in officer.text, officer.text
    assert failures(caplog) == []
