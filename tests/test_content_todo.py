"""`cchc-bot content todo`: the go-live checklist of every operator field, with its file,
its line and what to put there."""

from __future__ import annotations

import shutil

from bot.cli import main
from bot.content.loader import load
from bot.content.schema import OPERATOR_FILL
from tests.conftest import CONTENT_DIR


def test_every_operator_field_with_file_line_and_a_hint(capsys):
    expected = load(CONTENT_DIR).operator_fields
    assert main(["content", "todo"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.startswith("  ")]
    assert len(rows) == len(expected) > 0
    for row in rows:
        where, _, rest = row.strip().partition("  ")
        file, _, line = where.rpartition(":")
        field, _, hint = rest.partition(" — ")
        assert (CONTENT_DIR / file).exists() and hint, row
        assert OPERATOR_FILL in (CONTENT_DIR / file).read_text(encoding="utf-8").splitlines()[int(line) - 1], row
        assert any(f.file == file and f.field == field for f in expected), row


def test_a_comment_on_the_line_says_what_to_put_there(tmp_path, capsys):
    pack = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, pack)
    path = pack / "pack.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(f'service_center_hours_note: "{OPERATOR_FILL}"  # giờ tiếp dân buổi sáng thứ Bảy')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from bot.content.todo import operator_fields

    [item] = [i for i in operator_fields(pack) if i.field == "service_center_hours_note"]
    assert (item.file, item.line, item.note) == ("pack.yaml", len(lines), "giờ tiếp dân buổi sáng thứ Bảy")


def test_strict_fails_while_fields_remain_and_a_complete_pack_is_ready(tmp_path, capsys):
    assert main(["content", "todo", "--strict"]) == 1
    pack = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, pack)
    for path in pack.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f'"{OPERATOR_FILL}"', '"Đã điền"'), encoding="utf-8")
    capsys.readouterr()
    assert main(["--content-dir", str(pack), "content", "todo", "--strict"]) == 0
    assert "sẵn sàng" in capsys.readouterr().out


async def test_start_and_every_main_menu_screen_show_no_placeholder(chat):
    """What a citizen sees first never shows an operator field, whatever is still unfilled."""
    await chat.send("/start")
    seen = [chat.text]
    menu = [b.payload for r in chat.last for b in r.all_buttons() if b.payload]
    assert len(menu) >= 6
    for payload in menu:
        await chat.press(payload)
        seen.append(chat.text)
        for sub in [b.payload for r in chat.last for b in r.all_buttons() if b.payload][:6]:
            await chat.press(sub)  # one level further: a topic, the hotlines by subject, a guide…
            seen.append(chat.text)
    text = "\n".join(seen)
    assert OPERATOR_FILL not in text and "cần điền" not in text
