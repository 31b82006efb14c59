"""The stale-name check of `cchc-bot content validate`: citizen-facing text that names a
former province or district, or an agency merged in 2025, outside dated history."""

from __future__ import annotations

import shutil

import yaml

from bot.cli import main
from tests.conftest import CONTENT_DIR


def _pack_with_entry(tmp_path, entry: dict):
    pack = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, pack)
    (pack / "faq" / "thu.yaml").write_text(yaml.safe_dump({"entries": [entry]}, allow_unicode=True,
                                                         default_style=None, width=200), encoding="utf-8")
    return pack


def test_the_shipped_pack_names_nothing_that_no_longer_exists(capsys):
    assert main(["content", "validate"]) == 0
    assert "Cảnh báo" not in capsys.readouterr().out


def test_a_former_district_or_merged_agency_is_flagged_with_its_line(tmp_path, capsys):
    entry = {"id": "thu", "topic": "thu", "question": "Nộp hồ sơ ở đâu?", "source": "Huyện Kế Sách, 2023",
             "answer": "Bạn nộp tại Huyện Kế Sách.\nTrước đây (trước ngày 01/7/2025) nộp tại TP Sóc Trăng.\n"
                       "Hỏi thêm Sở Kế hoạch và Đầu tư hoặc UBND cấp huyện."}
    pack = _pack_with_entry(tmp_path, entry)
    assert main(["--content-dir", str(pack), "content", "validate"]) == 0  # warnings, not errors
    out = capsys.readouterr().out
    warned = [line.strip() for line in out.split("Cảnh báo", 1)[1].splitlines()[1:] if line.strip()]
    names = sorted(line.split('"')[1] for line in warned)
    assert names == ["Huyện Kế Sách", "Sở Kế hoạch và Đầu tư", "cấp huyện"], warned
    lines = (pack / "faq" / "thu.yaml").read_text(encoding="utf-8").splitlines()
    for line in warned:
        file, number = line.split(":")[0], int(line.split(":")[1])
        assert file == "faq/thu.yaml" and line.split('"')[1] in lines[number - 1], line


def test_dated_history_and_citations_pass(tmp_path, capsys):
    entry = {"id": "thu", "topic": "thu", "question": "Kết quả hội thi năm 2023?", "history": True,
             "answer": "Năm 2023, Ủy ban nhân dân huyện Mỹ Tú đạt giải.", "source": "Sở Kế hoạch và Đầu tư, 2023"}
    pack = _pack_with_entry(tmp_path, entry)
    assert main(["--content-dir", str(pack), "content", "validate"]) == 0
    assert "Cảnh báo" not in capsys.readouterr().out
