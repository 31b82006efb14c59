"""The `cchc-bot` command line: scripted chat for editors, staff roles, and `run` on a port
that is taken."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys

import pytest

from bot.cli import main


@pytest.fixture
def cli(db_url, monkeypatch, shared_content):
    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return main(["--database-url", db_url, *args])

    return run


def test_scripted_chat_prints_one_json_line_per_reply(cli, capsys, content_store):
    entry = content_store.pack.faq[0]
    assert cli("chat", "--json", "--user", "editor-1", stdin=f"{entry.question}\ncông thức nấu phở bò\n") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["answer_id"] == entry.id and lines[0]["score"] >= 80
    assert lines[0]["text"].startswith(entry.answer.strip()[:30])
    assert lines[-1]["answer_id"] is None and lines[-1]["buttons"]


def test_user_keeps_state_across_runs(cli, capsys, content_store):
    cli("chat", "--json", "--user", "editor-2", stdin="/menu\n")
    capsys.readouterr()
    cli("chat", "--json", "--user", "editor-2", stdin="1\n")  # "1" = the first button of the last run
    assert json.loads(capsys.readouterr().out.splitlines()[0])["text"].startswith("Chọn chủ đề")


def test_staff_grant_list_revoke(cli, capsys):
    assert cli("staff", "grant", "telegram:12345", "editor") == 0
    assert cli("staff", "grant", "zalo:abc", "admin") == 0
    capsys.readouterr()
    assert cli("staff", "list") == 0
    assert capsys.readouterr().out.splitlines() == ["telegram:12345\teditor", "zalo:abc\tadmin"]
    assert cli("staff", "revoke", "telegram:12345") == 0
    assert cli("staff", "revoke", "telegram:12345") == 1
    assert cli("staff", "grant", "khong-co-kenh", "editor") == 2
    capsys.readouterr()
    cli("staff", "list")
    assert capsys.readouterr().out.splitlines() == ["zalo:abc\tadmin"]


def test_staff_list_on_an_empty_database_says_there_is_none_and_how_to_add(cli, capsys):
    assert cli("staff", "list") == 0
    out = capsys.readouterr()
    assert out.out == ""  # the list itself stays empty for scripts
    assert "Chưa có cán bộ quản trị nào" in out.err
    assert "cchc-bot staff grant" in out.err and "cchc-bot staff invite" in out.err


def test_help_documents_the_terminal_identity(cli, capsys):
    for args in (("staff", "grant", "--help"), ("chat", "--help")):
        with pytest.raises(SystemExit):
            cli(*args)
        assert "terminal:<tên>" in capsys.readouterr().out


def test_invite_code_from_cli_works_in_chat(cli, capsys):
    assert cli("staff", "invite", "admin") == 0
    code = capsys.readouterr().out.split("/kichhoat ")[1].strip()
    cli("chat", "--json", "--user", "new-admin", stdin=f"/kichhoat {code}\n/thongke\n")
    texts = [json.loads(line)["text"] for line in capsys.readouterr().out.splitlines()]
    assert "quản trị viên" in texts[0] and "Hôm nay" in texts[1]


def test_feedback_list_answer_resolve(cli, capsys):
    from bot.kernel.clock import VN

    year = __import__("datetime").datetime.now(VN).year
    script = "/phananh\n1\n" + "\n".join([
        "Bộ phận một cửa xã",  # typed place
        "Hồ sơ chứng thực của tôi bị trả lại mà không có phiếu hướng dẫn.", "1",  # text, then Xong
        "2", "1",  # no contact, then send
    ]) + "\n"
    cli("chat", "--json", "--user", "citizen-cli", stdin=script)
    assert f"PA-{year}-000001" in capsys.readouterr().out
    assert cli("feedback", "list") == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"PA-{year}-000001\t") and "Bộ phận một cửa xã" in line
    assert cli("feedback", "answer", f"pa-{year}-1", "Xã", "đã", "hướng", "dẫn", "lại.") == 0
    assert cli("feedback", "resolve", f"PA-{year}-000001") == 0
    assert cli("feedback", "resolve", f"PA-{year}-000001") == 1
    assert cli("feedback", "answer", "PA-1999-000009", "x") == 1
    capsys.readouterr()
    assert cli("feedback", "list") == 0 and capsys.readouterr().out == ""
    cli("feedback", "list", "--all")
    assert "đã giải quyết xong" in capsys.readouterr().out
    cli("chat", "--json", "--user", "citizen-cli", stdin=f"PA-{year}-000001\n")
    assert "Xã đã hướng dẫn lại." in capsys.readouterr().out


def test_run_on_a_busy_port_says_so_in_one_sentence(tmp_path, content_store):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "ZALO_", "WEB_", "DATABASE_URL", "LOG_LEVEL"))}
    with socket.socket() as taken:  # another program already listens on the port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "bot", "--database-url", f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
             "run", "--port", str(port)],
            cwd=tmp_path, env=env | {"WEB_HOST": "127.0.0.1"}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    assert done.stdout == ""
    sentence = content_store.text("run_port_busy", host="127.0.0.1", port=port)
    assert f"cổng {port}" in sentence and "WEB_PORT" in sentence
    assert done.stderr.splitlines() == [sentence]  # and no traceback
