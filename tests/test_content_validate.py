"""`cchc-bot content validate` on the shipped pack and on broken ones."""

from __future__ import annotations

import shutil

import pytest
import yaml

from bot.cli import main
from tests.conftest import CONTENT_DIR


def test_shipped_pack_is_valid_and_lists_operator_fields(capsys):
    assert main(["content", "validate"]) == 0
    out = capsys.readouterr().out
    assert "Nội dung hợp lệ" in out and "10 chủ đề" in out
    assert "Các trường người vận hành cần điền" in out
    assert "hotlines.yaml: hotlines[0].phone" in out


def test_shipped_pack_has_what_the_foundation_promises(content_store):
    pack = content_store.pack
    assert [t.number for t in pack.topics] == list(range(1, 11))
    assert all(len(t.messages) >= 3 for t in pack.topics)
    assert all(m.source for t in pack.topics for m in t.messages)
    assert len(pack.units) >= 30 and pack.hotlines


@pytest.fixture
def broken(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _edit(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _errors(capsys, pack_dir) -> str:
    assert main(["--content-dir", str(pack_dir), "content", "validate"]) == 1
    return capsys.readouterr().err


def test_each_error_is_named_by_file_and_field(broken, capsys):
    topic_file = sorted((broken / "topics").glob("*.yaml"))[0]
    _edit(topic_file, lambda d: d["messages"][0].pop("text"))
    _edit(broken / "units.yaml", lambda d: d["units"][1].update(id=d["units"][0]["id"]))
    _edit(broken / "hotlines.yaml", lambda d: d["hotlines"][0].update(subjects=["khong-co"]))
    (broken / "pack.yaml").write_text("province: [unclosed", encoding="utf-8")
    err = _errors(capsys, broken)
    assert f"topics/{topic_file.name}: messages[0].text: Field required" in err
    assert "units.yaml: units[1].id: mã đơn vị" in err
    assert "hotlines.yaml: hotlines[0].subjects[0]" in err
    assert "pack.yaml: (tệp): không đọc được YAML" in err


def test_missing_file_and_bad_slug_are_reported(broken, capsys):
    (broken / "hotlines.yaml").unlink()
    topic_file = sorted((broken / "topics").glob("*.yaml"))[1]
    _edit(topic_file, lambda d: d.update(id="Có Dấu"))
    err = _errors(capsys, broken)
    assert "hotlines.yaml: (tệp): thiếu tệp" in err
    assert f"topics/{topic_file.name}: id: String should match pattern" in err


def test_an_entry_or_guide_without_its_source_is_refused(tmp_path, capsys):
    pack = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, pack)
    faq = pack / "faq" / "dich-vu-cong.yaml"
    data = yaml.safe_load(faq.read_text(encoding="utf-8"))
    data["entries"][0].pop("source")
    faq.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    guide = pack / "guides" / "dang-ky-ket-hon.yaml"
    data = yaml.safe_load(guide.read_text(encoding="utf-8"))
    data.pop("source")
    guide.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["--content-dir", str(pack), "content", "validate"]) == 1
    err = capsys.readouterr().err
    assert "faq/dich-vu-cong.yaml: entries[0].source: thiếu nguồn" in err
    assert "guides/dang-ky-ket-hon.yaml: source: thiếu nguồn" in err
