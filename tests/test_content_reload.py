"""Content changes applied without a restart: AnsweringContent.reload, the file watcher of the
running bot, and `cchc-bot content reload` from a separate process."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
import yaml
from aiohttp import ClientSession

from bot.app import BotApp
from bot.cli import main
from bot.content.watch import ContentWatcher
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db.session import Database
from bot.faq.served import AnsweringContent
from tests.conftest import make_faq_pack

NEW_ENTRY = {
    "id": "gio-lam-viec-mot-cua",
    "topic": "dich-vu-cong-truc-tuyen",
    "question": "Bộ phận Một cửa làm việc vào những ngày nào?",
    "phrasings": ["Mấy giờ bộ phận một cửa mở cửa?"],
    "keywords": ["giờ làm việc một cửa"],
    "answer": "Bộ phận Một cửa làm việc theo giờ hành chính các ngày làm việc trong tuần.",
    "source": "Nghị định số 118/2025/NĐ-CP ngày 09/6/2025 của Chính phủ",
}
QUESTION = "bo phan mot cua lam viec ngay nao"


@pytest.fixture
def pack_dir(tmp_path):
    return make_faq_pack(tmp_path / "content")


def add_entry(pack_dir) -> None:
    path = pack_dir / "faq" / "co-ban.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["entries"].append(NEW_ENTRY)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def break_pack(pack_dir) -> None:
    (pack_dir / "faq" / "dich-vu-cong.yaml").write_text("entries:\n  - id: Có Dấu\n", encoding="utf-8")


def answers(store: AnsweringContent, question: str) -> str | None:
    best = store.answerer.answer(question).best
    return best.id if best else None


def test_reload_swaps_a_valid_pack_and_refuses_an_invalid_one(pack_dir):
    store = AnsweringContent(pack_dir)
    first = store.version
    assert answers(store, QUESTION) != NEW_ENTRY["id"]
    add_entry(pack_dir)
    assert store.reload() == []
    assert answers(store, QUESTION) == NEW_ENTRY["id"] and store.version != first
    second = store.version
    break_pack(pack_dir)
    problems = [str(p) for p in store.reload()]
    assert any(p.startswith("faq/dich-vu-cong.yaml: entries[0].id") for p in problems), problems
    assert any("entries[0].question: Field required" in p for p in problems)
    # The old content keeps serving, all of it.
    assert store.version == second
    assert answers(store, QUESTION) == NEW_ENTRY["id"]
    assert answers(store, "tra cứu hồ sơ đã nộp") == "tra-cuu-ho-so"


async def test_watcher_applies_a_settled_change_and_refuses_a_broken_one(pack_dir, caplog):
    store = AnsweringContent(pack_dir)
    watcher = ContentWatcher(store, interval=0.01)
    assert not await watcher.check()
    add_entry(pack_dir)
    assert not await watcher.check()  # just changed: maybe still being saved
    assert await watcher.check()  # unchanged since: applied
    assert answers(store, QUESTION) == NEW_ENTRY["id"]

    caplog.set_level(logging.ERROR)
    break_pack(pack_dir)
    assert not await watcher.check() and not await watcher.check()
    assert store.refused is not None
    [record] = [r for r in caplog.records if "refused" in r.getMessage()]
    assert any("faq/dich-vu-cong.yaml" in p for p in record.problems)
    assert not await watcher.check()  # refused once, not retried until the files change
    assert len([r for r in caplog.records if "refused" in r.getMessage()]) == 1
    assert answers(store, QUESTION) == NEW_ENTRY["id"]

    (pack_dir / "faq" / "dich-vu-cong.yaml").unlink()  # the editor gives up on that file
    assert not await watcher.check()
    assert await watcher.check()
    assert store.refused is None and answers(store, "tra cứu hồ sơ đã nộp") is None


def test_reload_command_refuses_an_invalid_pack(pack_dir, capsys):
    break_pack(pack_dir)
    assert main(["--content-dir", str(pack_dir), "content", "reload", "--url", "http://127.0.0.1:9/healthz"]) == 1
    err = capsys.readouterr().err
    assert "faq/dich-vu-cong.yaml: entries[0].id" in err and "vẫn dùng nội dung cũ" in err
    assert not (pack_dir / ".reload-request").exists()


def test_reload_command_without_a_running_bot(pack_dir, capsys):
    assert main(["--content-dir", str(pack_dir), "content", "reload", "--url", "http://127.0.0.1:9/healthz"]) == 0
    assert "Không thấy trợ lý đang chạy" in capsys.readouterr().out
    assert (pack_dir / ".reload-request").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_reload_command_reaches_the_running_bot(pack_dir, settings, capsys):
    settings = settings.model_copy(update={"content_dir": pack_dir, "content_poll_seconds": 0.05})
    db = Database(settings.database_url)
    app = BotApp(Services(settings=settings, db=db, content=AnsweringContent(pack_dir), router=build_router()))
    port = _free_port()
    await app.start("127.0.0.1", port)
    try:
        add_entry(pack_dir)
        argv = ["--content-dir", str(pack_dir), "content", "reload",
                "--url", f"http://127.0.0.1:{port}/healthz", "--wait", "10"]
        assert await asyncio.to_thread(main, argv) == 0
        assert "đã áp dụng nội dung mới" in capsys.readouterr().out
        async with ClientSession() as http:
            resp = await http.post(f"http://127.0.0.1:{port}/api/chat",
                                   json={"session": "browser-1", "text": QUESTION})
            replies = (await resp.json())["replies"]
        assert replies[-1]["answer_id"] == NEW_ENTRY["id"]

        break_pack(pack_dir)
        assert await asyncio.to_thread(main, argv) == 1
        async with ClientSession() as http:
            health = await (await http.get(f"http://127.0.0.1:{port}/healthz")).json()
        assert health["content"]["version"] == app.services.content.version
    finally:
        await app.stop()
