"""Every screen the bot can show numbers its buttons once: a number typed in the terminal
(or on a Zalo overflow line) is never shown on two buttons of one turn, every number the
core remembers is on the screen, and it picks the button that shows it.

The screens are found by walking the bot as a person would, as a citizen and as staff:
every command, then every button shown (depth first, each payload once), typing a line
whenever a form waits for text — as tests/test_any_payload.py walks the handlers."""

from __future__ import annotations

import asyncio
import re
import shutil

import pytest
from sqlalchemy import select

from bot import staff
from bot.channels.terminal import render_turn
from bot.config import Settings
from bot.conversation.conversation import Conversation
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db.models import ConversationState, Role, User
from bot.db.session import Database
from bot.kernel.messages import Button, Incoming, QuizQuestion, Reply
from bot.zalo.render import Renderer
from tests.conftest import CONTENT_DIR

ROUTER = build_router()
NUMBERED = re.compile(r"^  \[(\d+)\] (.*)$", re.M)
MAX_TURNS = 700  # per person; the walk stops earlier once every payload was tapped once
TYPED = "Thử nghiệm tuyên truyền cải cách hành chính"  # what is typed when a form waits for text
# Taps that would end the walk itself: erasing the walker's own data (and role).
NOT_TAPPED = ("prv:yes", "prv:ok")


def _check_screen(replies: list[Reply], options: list, t, what: str) -> None:
    shown = "\n\n".join(render_turn(replies, t))
    numbered = [(int(n), label) for n, label in NUMBERED.findall(shown)]
    numbers = [n for n, _ in numbered]
    quiz = next((r.quiz for r in reversed(replies) if r.quiz), None)
    in_text = list(range(1, len(quiz.options) + 1)) if quiz else []  # "1. …" lines of the question
    assert len(set(numbers + in_text)) == len(numbers + in_text), (what, shown)
    # Every number the core remembers is on the screen, and picks the button showing it.
    assert sorted(numbers + in_text) == list(range(1, len(options) + 1)), (what, shown, options)
    buttons = {(b.payload, b.label) for r in replies for b in r.all_buttons() if b.payload}
    for number, label in numbered:
        payload, remembered = options[number - 1]
        assert remembered == label and (payload, label) in buttons, (what, number, label, options)


def _payloads(options: list) -> list[str]:
    return [o[0] for o in options]


async def _walk(url: str, content_store, role: Role | None) -> set[str]:
    db = Database(url)
    services = Services(settings=Settings(_env_file=None, database_url=url, content_dir=CONTENT_DIR,
                                          pseudonym_salt="test"),
                        db=db, content=content_store, router=ROUTER)
    who = f"walker-{role or 'citizen'}"
    t = content_store.text
    try:
        if role is not None:
            async with db.session() as s:
                await staff.grant(s, "terminal", who, role)
                await s.commit()
        conversation = Conversation(services)
        todo = [Incoming("terminal", who, text=f"/{c}") for c in sorted(ROUTER.commands, reverse=True)]
        tapped: set[str] = set()
        typed_in: set[str] = set()
        turns = 0
        while todo and turns < MAX_TURNS:
            incoming = todo.pop()
            replies = await conversation.handle(incoming)
            turns += 1
            async with db.session() as s:
                state = (await s.execute(select(ConversationState).join(User, User.id == ConversationState.user_id)
                                         .where(User.channel == "terminal", User.channel_user_id == who))).scalar_one()
            _check_screen(replies, state.options, t, incoming.payload or incoming.text)
            fresh = [p for p in _payloads(state.options) if p not in tapped and p not in NOT_TAPPED]
            tapped.update(fresh)
            todo += [Incoming.button("terminal", who, p) for p in reversed(fresh)]
            if state.step in ROUTER.steps and state.step not in typed_in:
                typed_in.add(state.step)
                todo.append(Incoming("terminal", who, text=TYPED))
        return tapped
    finally:
        await db.dispose()


@pytest.fixture
def database_url(sqlite_template, tmp_path) -> str:
    path = tmp_path / "walk.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.mark.parametrize("role", [None, Role.ADMIN], ids=["citizen", "staff"])
def test_no_number_is_shown_on_two_buttons_of_any_screen(role, database_url, content_store):
    tapped = asyncio.run(_walk(database_url, content_store, role))
    prefixes = {p.partition(":")[0] for p in tapped}
    # The walk reached the screens the numbers went wrong on, and most of the bot.
    assert {"menu", "topic", "fb", "hotline"} <= prefixes
    if role is not None:
        assert {"cmpaud", "cmpwhen", "cmpok", "cmpurg", "cmpdel"} <= prefixes  # the campaign preview
        assert len(prefixes) >= len(ROUTER.payloads) // 2, sorted(set(ROUTER.payloads) - prefixes)


def test_the_campaign_preview_numbers_its_buttons_once_and_typing_picks_the_one_shown(content_store):
    """The composer's preview shows the broadcast (with its inert "Ngừng nhận tin") and the
    summary with the confirm buttons: one numbering over both."""
    preview = Reply("📢 Tin", buttons=[[Button("🔕 Ngừng nhận tin", payload="bcp:unsub")]])
    summary = Reply("Bản xem trước", buttons=[[Button("✅ Xác nhận", payload="cmpok:1")],
                                              [Button("🗑️ Hủy bản nháp", payload="cmpdel:1")]])
    first, second = render_turn([preview, summary], content_store.text)
    assert "[1] 🔕 Ngừng nhận tin" in first
    assert "[2] ✅ Xác nhận" in second and "[3] 🗑️ Hủy bản nháp" in second


def test_zalo_overflow_lines_carry_the_turn_numbers(content_store):
    """Zalo shows five buttons a message; the rest are typed, numbered as the core numbers
    them over the whole turn (a second reply's buttons go on from the first's)."""
    first = Reply("Một", buttons=[[Button("Menu", payload="menu")]])
    many = Reply("Hai", buttons=[[Button(f"Lựa chọn {i}", payload=f"topic:{i}")] for i in range(1, 8)]
                 + [[Button("Menu", payload="menu")]])
    messages = Renderer(content_store.text).render([first, many])
    listed = re.findall(r"^(\d+)\. (.+)$", messages[-1]["text"], re.M)
    assert listed == [("7", "Lựa chọn 6"), ("8", "Lựa chọn 7"), ("9", "Menu")]


def test_quiz_options_keep_their_numbers_and_other_buttons_follow(content_store):
    quiz = QuizQuestion(question="Câu hỏi?", options=["A", "B", "C"], payloads=["qa:1:0:1", "qa:1:0:2", "qa:1:0:3"])
    replies = [Reply("", quiz=quiz, buttons=[[Button("Dừng", payload="stop")]])]
    shown = render_turn(replies, content_store.text)[0]
    assert "1. A" in shown and "3. C" in shown and "[4] Dừng" in shown and "[1]" not in shown
