"""“Địa chỉ mới của tôi là gì?” through the conversation core: the menu button, /diachi,
the free-text entry point, lists to choose from, a district kept as context, the reverse,
honest answers to what is not an address — on the web chat and on Zalo."""

from __future__ import annotations

from sqlalchemy import select

from bot.conversation.conversation import Conversation
from bot.conversation.handlers.address import answer_address, looks_like_address
from bot.conversation.router import Router
from bot.db.models import EngagementEvent
from tests.conftest import Chat

RULE = "Nghị quyết số 190/2025/QH15"


async def lookups(services) -> list[tuple[str | None, str | None]]:
    async with services.db.session() as s:
        rows = (await s.execute(select(EngagementEvent).where(EngagementEvent.kind == "address_lookup")
                                .order_by(EngagementEvent.id))).scalars()
        return [(e.item, e.outcome) for e in rows]


async def test_from_the_menu_an_old_address_gives_the_new_ward_and_the_rule(chat: Chat, services):
    await chat.send("/start")
    await chat.tap("Tra địa chỉ mới")
    assert "địa chỉ cũ" in chat.text and "Phường I, Thành phố Vị Thanh, Tỉnh Hậu Giang" in chat.text
    await chat.send("Phường 2, Thành phố Sóc Trăng, Tỉnh Sóc Trăng")
    assert "📍 Phường 2, Thành phố Sóc Trăng, Tỉnh Sóc Trăng" in chat.text
    assert "Nay là: Phường Phú Lợi, Thành phố Cần Thơ." in chat.text
    assert RULE in chat.text and "còn thời hạn" in chat.text
    await chat.tap("Phường Phú Lợi gồm những đơn vị cũ nào")
    assert "Phường Phú Lợi, Thành phố Cần Thơ được hình thành từ" in chat.text
    assert "• Phường 4, Thành phố Sóc Trăng, Tỉnh Sóc Trăng" in chat.text
    # The look-up was left: free text is a question again.
    await chat.send("dang ky ket hon can giay to gi")
    assert "Nay là" not in chat.text
    assert await lookups(services) == [("31510", "converted"), ("31510", "reverse")]


async def test_command_with_the_address_and_typed_without_diacritics(chat: Chat):
    await chat.send("/diachi xa an hiep huyen chau thanh soc trang")
    assert "Xã An Hiệp, Huyện Châu Thành, Tỉnh Sóc Trăng" in chat.text and "Nay là: Xã An Ninh" in chat.text
    await chat.send("/diachi")
    await chat.send("Phường Phúc Xá, Quận Ba Đình, Hà Nội")  # any former province converts
    assert "Nay là: Phường Hồng Hà, Thành phố Hà Nội." in chat.text
    await chat.tap("Tra địa chỉ khác")
    await chat.send("phường 15 quận tân bình tp hcm")  # a ward split in two: both, honestly
    assert "Phường Tân Sơn, Phường Tân Bình" in chat.text and "Vị trí trung tâm" in chat.text
    assert "Thành phố Hồ Chí Minh" in chat.text and RULE in chat.text


async def test_a_district_alone_asks_for_the_ward_and_keeps_the_district(chat: Chat, services):
    await chat.send("/diachi")
    await chat.send("xã tôi sáp nhập vào đâu: Long Phú, Sóc Trăng")
    assert "Huyện Long Phú (Tỉnh Sóc Trăng) không còn là một cấp chính quyền" in chat.text
    assert "Xã Long Phú" in chat.text and "gõ tên xã, phường, thị trấn cũ" in chat.text
    await chat.send("xa long duc")  # the district is remembered
    assert "Xã Long Đức, Huyện Long Phú, Tỉnh Sóc Trăng" in chat.text and "Nay là: Xã Đại Ngãi" in chat.text
    assert [o for _, o in await lookups(services)] == ["district", "converted"]


async def test_ambiguous_gives_buttons_and_numbers_pick_them(chat: Chat):
    await chat.send("/diachi phường 2")
    assert "Có nhiều nơi mang tên này" in chat.text
    labels = chat.labels()
    assert "Phường 2 · Thị xã Vĩnh Châu · Sóc Trăng" in labels and len(labels) == 4  # three, and the menu
    await chat.send(str(labels.index("Phường 2 · Thị xã Vĩnh Châu · Sóc Trăng") + 1))
    assert "Phường 2, Thị xã Vĩnh Châu, Tỉnh Sóc Trăng" in chat.text and "Nay là: Phường Vĩnh Châu" in chat.text


async def test_unknown_input_gets_an_honest_answer_then_leaves_the_lookup(chat: Chat):
    await chat.send("/diachi")
    await chat.send("nhà tôi gần chợ")
    assert "chưa tìm được xã, phường nào" in chat.text and "Phường I, Thành phố Vị Thanh" in chat.text
    await chat.send("cũng không biết nữa")
    assert "chưa tìm được xã, phường nào" in chat.text
    await chat.send("nhà tôi gần chợ")  # the look-up was left: a third message is free text again
    assert "chưa tìm được xã, phường nào" not in chat.text
    await chat.send("xa an hiep huyen chau thanh soc trang")  # an old address typed as free text is read
    assert "Nay là: Xã An Ninh" in chat.text


async def test_a_current_name_tells_what_it_was_formed_from(chat: Chat):
    await chat.send("/diachi Phường Phú Lợi")
    assert "Phường Phú Lợi, Thành phố Cần Thơ là tên đơn vị hành chính mới" in chat.text
    assert "• Phường 1, Thành phố Sóc Trăng, Tỉnh Sóc Trăng" in chat.text
    await chat.send("/diachi Xã Trường Thành gồm những xã cũ nào")
    assert "• một phần Xã Tân Thạnh, Huyện Thới Lai, Thành phố Cần Thơ" in chat.text


async def test_free_text_layer_entry_points(services, chat: Chat):
    """What the intent layer will do: `answer_address` for what `looks_like_address`, or
    for a message its own matcher reads as the address question."""
    async def free_text(turn, text):
        if looks_like_address(text, turn.content.info.province_code) or "địa chỉ mới" in text:
            return await answer_address(turn, text)
        return []

    router: Router = services.router
    router.fallback = free_text
    await chat.send("Phường 2, TP Sóc Trăng")
    assert "Nay là: Phường Phú Lợi" in chat.text
    await chat.send("Phường Phú Lợi gồm những phường xã cũ nào")
    assert "Phường Phú Lợi, Thành phố Cần Thơ được hình thành từ" in chat.text
    assert await chat.send("thủ tục cấp căn cước") == []
    assert await chat.send("lịch cắt điện khu vực phường 2") == []  # mentions a ward; not the question
    await chat.send("địa chỉ mới của tôi là gì?")  # the question alone: the bot asks for the address
    assert "Bạn gõ địa chỉ cũ" in chat.text
    await chat.send("xa an hiep huyen chau thanh")
    assert "Nay là: Xã An Ninh" in chat.text


async def test_on_zalo_the_choices_are_numbered(services):
    zalo = Chat(Conversation(services), channel="zalo", user_id="zalo-1")
    await zalo.send("/diachi")
    await zalo.send("Phường 2")
    assert len(zalo.labels()) == 4
    await zalo.send("1")
    assert "Nay là" in zalo.text
