"""Registering for a contest through the conversation: by button and typed unit,
correcting before the first attempt, staff seeing and fixing, erasing personal data."""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot import staff
from bot.db.models import EngagementEvent, Role, User
from bot.db.models_contest import ContestRegistration
from tests.conftest import Chat
from tests.contest_support import answer_rest, person, register


async def registrations(services) -> list[ContestRegistration]:
    async with services.db.session() as s:
        return list((await s.execute(select(ContestRegistration).order_by(ContestRegistration.id))).scalars())


async def test_register_with_typed_unit(cadre: Chat, contest_services, caplog):
    caplog.set_level(logging.INFO)
    await cadre.send("/cuocthi")
    assert "Hội thi đang mở" in cadre.text or "Chọn một cuộc thi" in cadre.text
    await cadre.press("ct:thi-mo")
    assert "Bạn chưa đăng ký" in cadre.text and "🟢" in cadre.text
    await cadre.tap("Đăng ký dự thi")
    assert "Bước 1/3" in cadre.text
    await cadre.send("trần  thị   bích ngọc")
    assert "Bước 2/3" in cadre.text
    await cadre.send("so tu phap")  # no diacritics: still the one unit
    assert "Đơn vị: Sở Tư pháp" in cadre.text and "Bước 3/3" in cadre.text
    await cadre.send("Phó Trưởng phòng")
    assert "Trần Thị Bích Ngọc" in cadre.text and "Sở Tư pháp" in cadre.text
    await cadre.tap("Xác nhận đăng ký")
    assert "thành công" in cadre.text and "Bắt đầu thi (lượt 1)" in " ".join(cadre.labels())
    [reg] = await registrations(contest_services)
    assert (reg.contest_id, reg.full_name, reg.unit_id, reg.position) == (
        "thi-mo", "Trần Thị Bích Ngọc", "so-tu-phap", "Phó Trưởng phòng")
    async with contest_services.db.session() as s:
        user = (await s.execute(select(User))).scalar_one()
        logged = list((await s.execute(select(EngagementEvent))).scalars())
    assert (user.role, user.unit_id) == (Role.CADRE, "so-tu-phap")
    registered = [e for e in logged if e.kind == "contest_registered"]
    assert len(registered) == 1 and registered[0].topic == "so-tu-phap"
    # The name is stored in the registration only: not in events, not in logs.
    for e in logged:
        assert "Ngọc" not in f"{e.item} {e.topic} {e.outcome}" and "ngọc" not in str(e.item)
    assert "Ngọc" not in caplog.text and "ngọc" not in caplog.text


async def test_unit_from_the_list_and_from_a_fuzzy_guess(cadre: Chat, contest_services, contest_store):
    await cadre.press("ctreg:thi-mo")
    await cadre.send("Lê Văn Tám")
    await cadre.tap("Chọn từ danh sách đơn vị")
    assert "trang 1/" in cadre.text
    await cadre.tap("Trang sau")
    second_page = cadre.labels()
    assert "trang 2/" in cadre.text and contest_store.pack.units[10].name in second_page
    await cadre.tap(contest_store.pack.units[10].name)
    assert f"Đơn vị: {contest_store.pack.units[10].name}" in cadre.text
    await cadre.press("ctreg:thi-mo")  # start again, this time with a vague unit
    await cadre.send("Lê Văn Tám")
    await cadre.send("phòng nội vụ xã Mỹ Tú")  # two units fit
    assert "Có phải bạn công tác" in cadre.text
    assert {"Sở Nội vụ", "Xã Mỹ Tú"} <= set(cadre.labels())
    await cadre.tap("Xã Mỹ Tú")
    await cadre.send("Chuyên viên")
    await cadre.send("2")  # typing instead of tapping: the second button ("Nhập lại")
    assert "Bước 1/3" in cadre.text
    await cadre.send("Lê Văn Tám")
    await cadre.send("xyz không có đơn vị nào như thế")
    assert "Không tìm thấy đơn vị" in cadre.text
    await cadre.send("Sở Y tế")
    await cadre.send("Chuyên viên")
    await cadre.send("đúng rồi")  # text at the summary: asked to use the buttons
    assert "Xác nhận đăng ký" in cadre.text
    await cadre.tap("Xác nhận đăng ký")
    [reg] = await registrations(contest_services)
    assert reg.unit_id == "so-y-te"


async def test_bad_names_and_positions_get_polite_retries(cadre: Chat):
    await cadre.press("ctreg:thi-mo")
    for bad in ["A", "Nguyen123 Van", "😀😀 😀", "x" * 10_000, "/", "An"]:
        await cadre.send(bad)
        assert "Họ và tên chưa hợp lệ" in cadre.text or "Tôi chưa hiểu lệnh" in cadre.text, bad
    await cadre.send("Phạm Văn Đồng")
    await cadre.send("Sở Nội vụ")
    for bad in ["99", "—", "y" * 5000]:
        await cadre.send(bad)
        assert "Chức vụ chưa hợp lệ" in cadre.text, bad
    await cadre.send("Chuyên viên chính")
    assert "Phạm Văn Đồng" in cadre.text


async def test_correct_before_first_attempt_but_not_after(cadre: Chat, contest_services, contest_store, clock):
    await register(cadre)
    await cadre.tap("Sửa thông tin đăng ký")
    assert "Sửa thông tin đăng ký" in cadre.text
    await cadre.send("Nguyễn Văn Bình")
    await cadre.send("Sở Nội vụ")
    await cadre.send("Chuyên viên")
    await cadre.tap("Xác nhận đăng ký")
    assert "Đã cập nhật" in cadre.text
    [reg] = await registrations(contest_services)
    assert (reg.full_name, reg.unit_id) == ("Nguyễn Văn Bình", "so-noi-vu")
    await cadre.press("ctgo:thi-mo")
    await answer_rest(cadre, contest_store, clock)
    await cadre.press("ct:thi-mo")
    assert not any("Sửa thông tin" in label for label in cadre.labels())
    await cadre.press("ctreg:thi-mo")
    assert "không thể tự sửa" in cadre.text
    [reg] = await registrations(contest_services)
    assert reg.full_name == "Nguyễn Văn Bình"


async def test_registration_is_refused_once_closed_and_units_outside_the_contest(cadre: Chat, contest_services):
    await cadre.press("ct:thi-da-dong")
    assert "đã kết thúc" in cadre.text and not any("Đăng ký" in label for label in cadre.labels())
    await cadre.press("ctreg:thi-da-dong")
    assert "không thể đăng ký" in cadre.text
    await cadre.press("ctreg:thi-luot-cuoi")  # only Sở Tư pháp and Sở Nội vụ take part
    await cadre.send("Võ Thị Sáu")
    await cadre.send("Sở Y tế")
    assert "Không tìm thấy" in cadre.text or "Có phải" in cadre.text
    assert not any("Sở Y tế" == label for label in cadre.labels())
    await cadre.press("ctunit:so-y-te")  # a forged button
    assert "Nút này đã cũ" in cadre.text
    assert await registrations(contest_services) == []


async def test_double_confirm_registers_once(cadre: Chat, contest_services):
    await cadre.press("ctreg:thi-mo")
    await cadre.send("Ngô Thì Nhậm")
    await cadre.send("Sở Tư pháp")
    await cadre.send("Chuyên viên")
    await cadre.press("ctok")
    await cadre.press("ctok")  # the second tap finds no summary waiting
    assert "Nút này đã cũ" in cadre.text
    assert len(await registrations(contest_services)) == 1


async def _make_staff(services, chat: Chat) -> None:
    async with services.db.session() as s:
        await staff.grant(s, chat.channel, chat.user_id, Role.EDITOR)
        await s.commit()


async def test_staff_see_and_fix_registrations(cadre: Chat, contest_services):
    await register(cadre, name="Đặng Thùy Trâm", unit="Sở Y tế", position="Bác sĩ")
    officer = person(contest_services, "staff-0001")
    await officer.send("/qlcuocthi dangky thi-mo")
    assert "chỉ dành cho cán bộ quản trị" in officer.text
    await officer.press("cs:reg:thi-mo")
    assert "chỉ dành cho cán bộ quản trị" in officer.text
    await _make_staff(contest_services, officer)
    await officer.send("/qlcuocthi")
    assert "Hội thi đang mở" in officer.text and "/qlcuocthi sua" in officer.text
    await officer.tap("Đăng ký")
    assert "Đặng Thùy Trâm — Sở Y tế — Bác sĩ" in officer.text
    [reg] = await registrations(contest_services)
    await officer.send("/qlcuocthi dangky thi-mo thuy tram")
    assert f"#{reg.id} Đặng Thùy Trâm" in officer.text
    await officer.send("/qlcuocthi dangky thi-mo khong ai ten nay")
    assert "Đặng Thùy Trâm" not in officer.text
    await officer.send(f"/qlcuocthi sua {reg.id} ten đặng thuỳ trâm")
    await officer.send(f"/qlcuocthi sua {reg.id} donvi Sở Nội vụ")
    await officer.send(f"/qlcuocthi sua {reg.id} chucvu Trưởng khoa")
    assert "Đã sửa đăng ký" in officer.text
    await officer.send(f"/qlcuocthi sua {reg.id} donvi so")
    assert "Chưa xác định được đơn vị" in officer.text
    await officer.send("/qlcuocthi sua 99999 ten Ai Đó")
    assert "Không có đăng ký số 99999" in officer.text
    await officer.send("/qlcuocthi sua lung tung")
    assert "/qlcuocthi sua <số đăng ký>" in officer.text
    [reg] = await registrations(contest_services)
    assert (reg.full_name, reg.unit_id, reg.position) == ("Đặng Thuỳ Trâm", "so-noi-vu", "Trưởng khoa")
    async with contest_services.db.session() as s:
        fixer = await s.get(User, reg.updated_by)
        moved = (await s.execute(select(EngagementEvent).where(
            EngagementEvent.kind == "contest_registered").order_by(EngagementEvent.id))).scalars().all()
    assert fixer.channel_user_id == "staff-0001"
    # The report counts the cadre in the unit of their latest registration event.
    assert [(e.topic, e.outcome) for e in moved] == [("so-y-te", "new"), ("so-noi-vu", "corrected")]
    assert moved[0].user_key == moved[1].user_key


async def test_erase_before_and_after_attempts(contest_services, contest_store, clock):
    early = person(contest_services, "cadre-early")
    await register(early, name="Hồ Xuân Hương")
    await early.send("/xoadangky")
    assert "Bạn muốn xóa" in early.text
    await early.tap("Đồng ý xóa")
    assert "Đã xóa" in early.text
    assert await registrations(contest_services) == []

    late = person(contest_services, "cadre-late")
    await register(late, name="Nguyễn Đình Chiểu", unit="Sở Nội vụ")
    await late.press("ctgo:thi-mo")
    await answer_rest(late, contest_store, clock)
    await late.send("/xoadangky")
    await late.tap("Đồng ý xóa")
    [reg] = await registrations(contest_services)
    assert reg.full_name is None and reg.position is None and reg.erased_at is not None
    assert reg.unit_id == "so-noi-vu"  # the unit keeps the result
    await late.press("ctu:thi-mo")
    assert "Sở Nội vụ: 1/1 người dự thi" in late.text
    await late.press("ctrank:thi-mo")
    assert "Chiểu" not in late.text and "đã xóa thông tin cá nhân" in late.text
    await late.send("/xoadangky")
    await late.tap("Đồng ý xóa")
    assert "không có thông tin nào" in late.text


async def test_xoadulieu_erases_the_registration_and_keeps_the_unit_figures(contest_services, contest_store, clock):
    from tests.test_privacy import dump_database

    cadre = person(contest_services, "cadre-erase-all")
    await register(cadre, name="Lý Thường Kiệt", unit="Sở Nội vụ", position="Trưởng phòng Cải cách")
    await cadre.press("ctgo:thi-mo")
    await answer_rest(cadre, contest_store, clock)
    assert "Lý Thường Kiệt" in await dump_database(contest_services)
    await cadre.send("/xoadulieu")
    await cadre.tap("Xoá dữ liệu của tôi")
    dump = await dump_database(contest_services)
    assert "Lý Thường Kiệt" not in dump and "Trưởng phòng Cải cách" not in dump
    viewer = person(contest_services, "cadre-viewer")
    await viewer.press("ctu:thi-mo")
    assert "Sở Nội vụ: 1/1 người dự thi" in viewer.text
