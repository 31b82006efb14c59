"""Units from the official list: the pack's wards and communes come from the 2025 map,
no district-level unit comes back, ~100 wards are picked by typing on every screen that
asks for a unit, stored ids of units that are gone still display — and a second
province adopts the bot by writing content only."""

from __future__ import annotations

import re
import shutil
from datetime import datetime

import pytest
import yaml
from sqlalchemy import select

from bot import staff
from bot.cli import main
from bot.content.loader import load_pack
from bot.conversation.conversation import Conversation
from bot.conversation.features import build_router
from bot.conversation.services import Services
from bot.db.models import Role
from bot.db.models_contest import ContestRegistration
from bot.db.models_feedback import FeedbackTicket
from bot.db.session import Database
from bot.faq.served import AnsweringContent
from bot.feedback import views
from bot.kernel.clock import VN
from bot.kernel.text import fold
from bot.places.former import former_names
from bot.places.lookup import book_for
from bot.places.words import words
from tests.conftest import CONTENT_DIR, Chat
from tests.contest_support import register
from tests.feedback_helpers import RecordingDesk, all_tickets, group_tap, group_text

ABBREVIATIONS = {"ubnd": "uy ban nhan dan"}


def _spelled_out(text: str) -> str:
    """Folded, short forms read out ("UBND tx Ngã Năm" → "uy ban nhan dan thi xa nga nam")."""
    return " ".join(ABBREVIATIONS.get(w, w) for w in words(text))


def test_no_district_level_unit_in_the_shipped_pack(content_store):
    """A regression test: the district level was abolished on 1 July 2025."""
    pack = content_store.pack
    province = pack.info.province_code
    assert province is not None
    assert {u.kind for u in pack.units} <= {"so", "ban-nganh", "su-nghiep", "xa", "phuong", "dac-khu",
                                             "trung-uong", "khac"}
    districts = [n for n in former_names(province) if n.level == "district"]
    assert len(districts) > 20
    for unit in pack.units:
        for text in (unit.name, *unit.aliases):
            typed = f" {_spelled_out(text)} "
            for d in districts:
                assert f" {fold(d.name)} " not in typed, (unit.id, text, d.name)
                assert f" uy ban nhan dan {fold(d.short)} " not in typed, (unit.id, text, d.name)


def test_the_check_would_catch_a_district_people_committee():
    named = [_spelled_out(t) for t in ("Ủy ban nhân dân huyện Mỹ Tú", "UBND tx Ngã Năm", "UBND TP Sóc Trăng")]
    found = {d.name for d in former_names(92) if any(f" {fold(d.name)} " in f" {t} " for t in named)}
    assert found == {"Huyện Mỹ Tú", "Thị xã Ngã Năm", "Thành phố Sóc Trăng"}


def test_wards_come_after_the_agencies_with_their_official_codes(content_store):
    units = content_store.pack.units
    first_ward = next(i for i, u in enumerate(units) if u.is_ward)
    assert all(u.is_ward for u in units[first_ward:]) and not any(u.is_ward for u in units[:first_ward])
    wards = units[first_ward:]
    assert len(wards) == 103 and {u.kind for u in wards} == {"xa", "phuong"}
    phu_loi = content_store.pack.unit("phuong-phu-loi")
    assert (phu_loi.name, phu_loi.code, phu_loi.aliases) == ("Phường Phú Lợi", 31510, ["Phú Lợi"])
    assert "unit_kind_huyen" not in content_store.pack.messages


@pytest.fixture
def pack_copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _edit(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_units_yaml_lists_agencies_only(pack_copy, capsys):
    _edit(pack_copy / "units.yaml", lambda d: d["units"].append({"id": "xa-tu-go", "name": "Xã Tự Gõ", "kind": "xa"}))
    _edit(pack_copy / "units.yaml", lambda d: d["units"].append({"id": "ubnd-huyen-my-tu", "name": "UBND huyện",
                                                                   "kind": "huyen"}))
    assert main(["--content-dir", str(pack_copy), "content", "validate"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"units\.yaml: units\[\d+\]\.kind: xã, phường lấy từ danh mục chính thức", err)
    assert re.search(r"units\.yaml: units\[\d+\]\.kind: Input should be 'so'", err)  # no "huyen" any more


def test_a_province_code_not_in_the_list(pack_copy, capsys):
    _edit(pack_copy / "pack.yaml", lambda d: d.update(province_code=94))  # Sóc Trăng's, before 2025
    assert main(["--content-dir", str(pack_copy), "content", "validate"]) == 1
    assert "pack.yaml: province_code: không có tỉnh, thành phố mã 94" in capsys.readouterr().err


# ---------------------------------------------------------------- a second province


def minimal_pack(target, province_code: int, province: str):
    """What a province writes to adopt the bot: its pack.yaml, its agencies, its lines,
    a topic, and the message catalogue (copied here)."""
    (target / "topics").mkdir(parents=True)
    shutil.copy(CONTENT_DIR / "messages.yaml", target / "messages.yaml")
    shutil.copy(sorted((CONTENT_DIR / "topics").glob("*.yaml"))[0], target / "topics")
    info = {"province_code": province_code, "province": province, "province_full": f"Thành phố {province}",
            "agency": f"Sở Nội vụ Thành phố {province}", "superior_agency": f"UBND Thành phố {province}",
            "bot_name": "Trợ lý CCHC", "portal_url": "<cần điền>", "public_service_portal_url": "<cần điền>",
            "national_public_service_portal_url": "https://dichvucong.gov.vn",
            "service_center_name": "Trung tâm Phục vụ hành chính công", "service_center_address": "<cần điền>",
            "service_center_hours": "<cần điền>"}
    units = {"units": [{"id": "so-noi-vu", "name": "Sở Nội vụ", "kind": "so"},
                       {"id": "so-tu-phap", "name": "Sở Tư pháp", "kind": "so"}]}
    hotlines = {"hotlines": [{"id": "chung", "name": "Đường dây nóng", "agency": "Sở Nội vụ", "subjects": ["chung"],
                              "phone": "<cần điền>", "hours": "<cần điền>"}]}
    for name, data in (("pack.yaml", info), ("units.yaml", units), ("hotlines.yaml", hotlines)):
        (target / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


async def test_another_province_adopts_the_bot_with_content_only(tmp_path, capsys, settings):
    pack_dir = minimal_pack(tmp_path / "hcm", 79, "Hồ Chí Minh")
    assert main(["--content-dir", str(pack_dir), "content", "validate"]) == 0
    assert "170 đơn vị" in capsys.readouterr().out  # 2 agencies and the city's 168 wards and special zone
    pack = load_pack(pack_dir)
    assert pack.unit("phuong-sai-gon").code == 26740 and pack.unit("dac-khu-con-dao").kind == "dac-khu"
    book = book_for(79)
    found = book.lookup("phường Bến Nghé, quận 1")  # no province: the city's former ones are the context
    assert found.kind == "converted" and found.conversions[0].new[0].ward.name == "Phường Sài Gòn"
    assert book.lookup("Phường Phú Lợi, Thủ Dầu Một, Bình Dương").conversions[0].province.name == \
        "Thành phố Hồ Chí Minh"
    assert {n.name for n in former_names(79) if n.level == "province"} == {"Tỉnh Bình Dương", "Tỉnh Bà Rịa - Vũng Tàu"}

    db = Database(settings.database_url)
    services = Services(settings=settings, db=db, content=AnsweringContent(pack_dir), router=build_router())
    chat = Chat(Conversation(services))
    await chat.send("/diachi")
    assert "Tỉnh Bình Dương" in chat.text  # the example comes from the city's own former provinces
    await chat.send("Phường Sài Gòn gồm những phường cũ nào")
    assert "Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh" in chat.text
    await chat.send("/phananh")
    await chat.tap("Thông tin chung")
    await chat.send("phuong ben nghe quan 1")
    await chat.tap("Phường Sài Gòn")
    assert "Bước 3/4" in chat.text
    await db.dispose()


# ---------------------------------------------------------------- picking a ward by typing


async def test_contest_registration_picks_a_ward_by_typing(cadre: Chat, contest_services, contest_store):
    await cadre.press("ctreg:thi-mo")
    await cadre.send("Lê Thị Hoa")
    await cadre.tap("Chọn từ danh sách đơn vị")
    listed = set(cadre.labels())
    assert not any(u.name in listed for u in contest_store.pack.units if u.is_ward)  # agencies only
    assert "gõ tên xã, phường" in cadre.text
    await cadre.send("phu loi")  # a ward as it is now, without diacritics: taken
    assert "Đơn vị: Phường Phú Lợi" in cadre.text and "Bước 3/3" in cadre.text
    await cadre.press("ctreg:thi-mo")
    await cadre.send("Lê Thị Hoa")
    await cadre.send("phuong 2 soc trang")  # its former name: the ward it is part of now, to confirm
    assert "Phường 2, Thành phố Sóc Trăng, Tỉnh Sóc Trăng nay thuộc Phường Phú Lợi." in cadre.text
    await cadre.tap("Phường Phú Lợi")
    await cadre.send("Công chức văn hóa - xã hội")
    await cadre.tap("Xác nhận đăng ký")
    async with contest_services.db.session() as s:
        [reg] = (await s.execute(select(ContestRegistration))).scalars().all()
    assert reg.unit_id == "phuong-phu-loi"


async def test_staff_forward_to_a_ward_by_typing(chat: Chat, services, conversation):
    services.staff_desk = RecordingDesk()
    await chat.press("fb:chung")
    await chat.press("fbu:")
    await chat.send("Đường vào trụ sở phường ngập nước, người dân khó đến nộp hồ sơ.")
    await chat.press("fbd")
    await chat.press("fbo:no")
    await chat.press("fbs")
    [ticket] = await all_tickets(services)
    [pick_kind] = await conversation.handle(group_tap(f"fbfwd:{ticket.id}"))
    assert f"/chuyen {ticket.code}" in pick_kind.text
    assert not any("Phường" in b.label for b in pick_kind.all_buttons())  # wards are typed, not listed
    [offer] = await conversation.handle(group_text(f"/chuyen {ticket.code} phường 2"))
    assert f"fbfu:{ticket.id}:phuong-phu-loi" in [b.payload for b in offer.all_buttons()]
    [done] = await conversation.handle(group_text(f"/chuyen {ticket.code} Phú Lợi"))
    assert "Phường Phú Lợi" in done.text
    [ticket] = await all_tickets(services)
    assert ticket.forwarded_to == "phuong-phu-loi"


async def test_hotline_by_agency_offers_the_ward_by_typing(chat: Chat):
    await chat.press("hla")
    await chat.tap("Xã, phường của bạn")
    await chat.send("xa an hiep huyen chau thanh")
    assert "nay thuộc Xã An Ninh" in chat.text
    await chat.tap("Xã An Ninh")
    assert "bộ phận một cửa của Ủy ban nhân dân xã An Ninh" in chat.text
    assert any("Gửi phản ánh" in label for label in chat.labels())


async def test_campaign_audience_adds_a_ward_by_typing(services):
    services.settings = services.settings.model_copy(update={"telegram_bot_token": "1:x"})
    async with services.db.session() as s:
        await staff.grant(s, "telegram", "900", Role.EDITOR)
        await s.commit()
    editor = Chat(Conversation(services), channel="telegram", user_id="900")
    await editor.send("/chiendich")
    await editor.tap("Soạn chiến dịch mới")
    await editor.send("Họp cán bộ")
    await editor.send("Mời cán bộ phường dự tập huấn.")
    await editor.tap("Cán bộ của các đơn vị")
    assert not any(label.startswith(("Xã ", "Phường ")) for label in editor.labels())
    await editor.send("phu loi")
    assert "Đã chọn: 1" in editor.text and "✅ Phường Phú Lợi" in editor.labels()


# ---------------------------------------------------------------- stored ids of units that are gone


async def test_tickets_and_registrations_with_a_unit_that_is_gone_still_display(chat: Chat, services,
                                                                             content_store):
    async with services.db.session() as s:
        ticket = FeedbackTicket(code="PA-2025-000007", draft_key="d7", user_id=None, user_key="k", channel="web",
                                category="thu-tuc-hanh-chinh", unit_id="ubnd-huyen-my-tu",
                                description="Hồ sơ trễ hẹn.", status="forwarded", forwarded_to="ubnd-thi-xa-nga-nam",
                                created_at=datetime(2025, 3, 1, tzinfo=VN))
        s.add(ticket)
        await s.commit()
    card = views.staff_card(content_store, ticket)
    assert "ubnd-huyen-my-tu" in card.text and "ubnd-thi-xa-nga-nam" in card.text
    assert "ubnd-huyen-my-tu" in views.citizen_status(content_store, ticket, [])


async def test_a_registration_with_a_unit_that_is_gone_still_displays(cadre: Chat, contest_services):
    await register(cadre)
    async with contest_services.db.session() as s:
        reg = (await s.execute(select(ContestRegistration))).scalar_one()
        reg.unit_id = "ubnd-huyen-my-tu"  # registered before the district level was abolished
        await s.commit()
    await cadre.press("ct:thi-mo")
    assert "ubnd-huyen-my-tu" in cadre.text
    await cadre.send("/xephang")
    assert "Xin lỗi" not in cadre.text
