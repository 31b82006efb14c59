"""The fake Bot API speaks the wire format python-telegram-bot accepts.

Everything here goes through real HTTP on 127.0.0.1: a real `telegram.Bot`, a real
`telegram.ext.Application` polling it, raw aiohttp requests for the envelope details, and a
local aiohttp receiver for webhooks.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
import warnings

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot as TgBot
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from tests.fakes.telegram_api import (
    JPEG_BYTES,
    SECRET_HEADER,
    FakeTelegramAPI,
    RateLimit,
    load_fixture,
)

# PTB itself warns that RetryAfter.retry_after will become a timedelta; not our concern here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

CHAT = 6012345678
OTHER_CHAT = 6098765432
KEYBOARD = InlineKeyboardMarkup([
    [InlineKeyboardButton("Thủ tục hành chính", callback_data="menu:procedures")],
    [InlineKeyboardButton("Cổng dịch vụ công", url="https://dichvucong.gov.vn")],
])


@pytest.fixture
async def fake():
    async with FakeTelegramAPI() as api:
        api.add_chat(CHAT, first_name="Lan", last_name="Nguyễn", username="lan_nguyen")
        yield api


@pytest.fixture
async def bot(fake):
    async with TgBot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as tg:
        yield tg


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def build_app(fake: FakeTelegramAPI):
    return (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
            .base_file_url(fake.base_file_url).build())


async def until(condition, within: float = 30.0):
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.01)


def shape(value):
    """The key structure of a JSON value, to compare pushes with captured fixtures."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


# ------------------------------------------------------------------------------ basics


async def test_get_me(bot, fake):
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "cchc_test_bot", True)
    assert bot.username == "cchc_test_bot"
    assert fake.calls("getMe")[0].ok


async def test_envelopes_unknown_method_and_tokens(fake, http):
    async with http.post(f"{fake.base_url}{fake.token}/frobnicate") as resp:
        assert resp.status == 404
        assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    async with http.get(f"{fake.base_url}{fake.token}/GETME") as resp:   # case-insensitive
        body = await resp.json()
        assert resp.status == 200 and body["ok"] and body["result"]["username"] == "cchc_test_bot"
    async with http.get(f"{fake.base_url}123456:WRONG/getMe") as resp:
        assert resp.status == 401
        assert await resp.json() == {"ok": False, "error_code": 401,
                                     "description": "Unauthorized"}
    async with http.get(f"{fake.base_url}not-a-token/getMe") as resp:
        assert resp.status == 404
    with pytest.raises(InvalidToken):
        async with TgBot("123456:WRONG", base_url=fake.base_url):
            pass


async def test_every_encoding_is_accepted(fake, http):
    url = f"{fake.base_url}{fake.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}
    async with http.post(url, json={"chat_id": CHAT, "text": "json", "reply_markup": markup}) as r:
        assert (await r.json())["result"]["reply_markup"] == markup
    async with http.post(url, json={"chat_id": str(CHAT), "text": "json-string",
                                    "reply_markup": json.dumps(markup)}) as r:
        assert (await r.json())["result"]["reply_markup"] == markup
    query = {"chat_id": str(CHAT), "text": "123", "reply_markup": json.dumps(markup)}
    async with http.get(url, params=query) as r:
        result = (await r.json())["result"]
        assert result["text"] == "123" and result["reply_markup"] == markup
    async with http.post(url, data={"chat_id": str(CHAT), "text": "true",
                                    "disable_notification": "true"}) as r:
        assert (await r.json())["result"]["text"] == "true"
    form = aiohttp.FormData({"chat_id": str(CHAT), "text": "multipart",
                             "reply_markup": json.dumps(markup)}, default_to_multipart=True)
    async with http.post(url, data=form) as r:
        assert (await r.json())["result"]["reply_markup"] == markup
    calls = fake.calls("sendMessage")
    assert [c.content_type for c in calls] == [
        "application/json", "application/json", "", "application/x-www-form-urlencoded",
        "multipart/form-data"]
    assert calls[2].params["text"] == "123"            # text stays text
    assert calls[3].params["disable_notification"] is True
    assert all(c.params["chat_id"] == CHAT for c in calls)
    async with http.post(url, data={"chat_id": str(CHAT), "text": "x",
                                    "reply_markup": "{not json"}) as r:
        assert r.status == 400
        assert (await r.json())["description"] == (
            "Bad Request: can't parse reply keyboard markup JSON object")


# ------------------------------------------------------------------------------ messages


async def test_send_message_with_inline_keyboard_round_trips(bot, fake):
    sent = await bot.send_message(CHAT, "<b>Xin chào</b> Lan!\nChọn một mục:",
                                  parse_mode=ParseMode.HTML, reply_markup=KEYBOARD)
    assert sent.text == "Xin chào Lan!\nChọn một mục:"
    assert sent.reply_markup == KEYBOARD
    assert sent.from_user.username == "cchc_test_bot" and sent.chat.id == CHAT
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 8)]
    call = fake.calls("sendMessage")[0]
    assert call.params["reply_markup"] == KEYBOARD.to_dict()     # decoded from the form
    assert call.content_type == "application/x-www-form-urlencoded"
    [seen] = fake.messages_to(CHAT)
    assert seen["message_id"] == sent.message_id
    assert seen["text"] == sent.text and seen["reply_markup"] == KEYBOARD.to_dict()


async def test_edit_and_delete(bot, fake):
    sent = await bot.send_message(CHAT, "Câu hỏi 1", reply_markup=KEYBOARD)
    new_keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Tiếp", callback_data="next")]])
    edited = await bot.edit_message_text("Câu hỏi 1 (đã trả lời)", chat_id=CHAT,
                                         message_id=sent.message_id, reply_markup=new_keyboard)
    assert edited.text == "Câu hỏi 1 (đã trả lời)" and edited.edit_date is not None
    assert fake.messages_to(CHAT)[0]["reply_markup"] == new_keyboard.to_dict()
    with pytest.raises(BadRequest, match="(?i)Message is not modified"):
        await bot.edit_message_text("Câu hỏi 1 (đã trả lời)", chat_id=CHAT,
                                    message_id=sent.message_id, reply_markup=new_keyboard)
    # Like Telegram, editing the text without reply_markup removes the inline keyboard.
    await bot.edit_message_text("Hết giờ", chat_id=CHAT, message_id=sent.message_id)
    assert "reply_markup" not in fake.messages_to(CHAT)[0]
    await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=KEYBOARD)
    assert fake.messages_to(CHAT)[0]["reply_markup"] == KEYBOARD.to_dict()
    assert await bot.delete_message(CHAT, sent.message_id) is True
    assert fake.messages_to(CHAT) == []
    with pytest.raises(BadRequest, match="(?i)Message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="(?i)Message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)


async def test_text_validation(bot, fake):
    with pytest.raises(BadRequest, match="(?i)Message is too long"):
        await bot.send_message(CHAT, "a" * 4097)
    await bot.send_message(CHAT, "ă" * 4096)
    # Markup does not count towards the limit, and surrounding whitespace is trimmed.
    ok = await bot.send_message(CHAT, "  <b>" + "a" * 4096 + "</b>\n", parse_mode="HTML")
    assert len(ok.text) == 4096
    with pytest.raises(BadRequest, match="(?i)Message text is empty"):
        await bot.send_message(CHAT, "   \n ")
    with pytest.raises(BadRequest, match="(?i)Message text is empty"):
        await bot.send_message(CHAT, "<b></b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)^Can't parse entities: Can't find end tag"):
        await bot.send_message(CHAT, "<b>Hồ sơ: <i>CCCD</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)Unmatched end tag at byte offset 20"):
        await bot.send_message(CHAT, "<b>Hồ sơ: <i>CCCD</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match='(?i)Unsupported start tag "div"'):
        await bot.send_message(CHAT, "<div>x</div>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)Character '.' is reserved"):
        await bot.send_message(CHAT, "*Lệ phí:* 50.000đ", parse_mode="MarkdownV2")
    ok = await bot.send_message(CHAT, "*Lệ phí:* 50\\.000đ", parse_mode="MarkdownV2")
    assert ok.text == "Lệ phí: 50.000đ"
    long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match="(?i)Button_data_invalid"):
        await bot.send_message(CHAT, "x", reply_markup=long_data)
    with pytest.raises(BadRequest, match="(?i)Chat not found"):
        await bot.send_message(OTHER_CHAT, "Chào")           # never wrote to the bot
    failures = fake.calls("sendMessage", ok=False)
    assert failures[0].response == {"ok": False, "error_code": 400,
                                    "description": "Bad Request: message is too long"}
    sent = await bot.send_message(CHAT, "Xem https://dichvucong.gov.vn hoặc gõ /help")
    assert [e.type for e in sent.entities] == ["url", "bot_command"]


async def test_reply_keyboard_is_not_echoed_but_tracked(bot, fake):
    keyboard = ReplyKeyboardMarkup([["Hỏi đáp", "Góp ý"]], resize_keyboard=True)
    sent = await bot.send_message(CHAT, "Chọn:", reply_markup=keyboard)
    assert sent.reply_markup is None
    rows = fake.reply_keyboard_of(CHAT)["keyboard"]
    assert [[button["text"] for button in row] for row in rows] == [["Hỏi đáp", "Góp ý"]]


# ------------------------------------------------------------------------------ updates


async def test_get_updates_offset_semantics(bot, fake):
    first = [fake.push_text(CHAT, f"tin {k}") for k in range(3)]
    ids = [u["update_id"] for u in first]
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates()] == ids      # not confirmed yet
    assert [u.update_id for u in await bot.get_updates(limit=1)] == ids[:1]
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert await bot.get_updates(offset=ids[-1] + 1) == ()
    assert await bot.get_updates() == ()                              # confirmed for good
    more = [fake.push_text(CHAT, f"sau {k}")["update_id"] for k in range(3)]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == more[-1:]
    assert [u.update_id for u in await bot.get_updates()] == more[-1:]  # the rest forgotten
    update = (await bot.get_updates())[0]
    assert update.message.text == "sau 2" and update.message.from_user.first_name == "Lan"


async def test_long_poll_waits_and_wakes(bot, fake, http):
    loop = asyncio.get_running_loop()
    loop.call_later(0.1, fake.push_text, CHAT, "muộn")
    started = time.monotonic()
    updates = await bot.get_updates(timeout=30, read_timeout=40)
    assert [u.message.text for u in updates] == ["muộn"]
    assert 0.05 < time.monotonic() - started < 10  # woken by the update, not at the timeout
    started = time.monotonic()
    url = f"{fake.base_url}{fake.token}/getUpdates"
    async with http.post(url, json={"offset": updates[0].update_id + 1, "timeout": 0.3}) as r:
        assert (await r.json()) == {"ok": True, "result": []}
    assert 0.25 < time.monotonic() - started < 1.0


async def test_newer_get_updates_terminates_waiting_one(fake, http):
    url = f"{fake.base_url}{fake.token}/getUpdates"

    async def poll(seconds):
        async with http.post(url, json={"timeout": seconds}) as resp:
            return resp.status, await resp.json()

    waiting = asyncio.create_task(poll(3))
    await asyncio.sleep(0.05)
    assert await poll(0) == (200, {"ok": True, "result": []})
    status, body = await waiting
    assert status == 409 and body["description"].startswith(
        "Conflict: terminated by other getUpdates request")


async def test_allowed_updates_filters_new_updates(bot, fake):
    await bot.get_updates(allowed_updates=["callback_query"])
    fake.push_text(CHAT, "không được giao")
    assert await bot.get_updates() == ()
    assert fake.dropped_updates[-1]["message"]["text"] == "không được giao"
    await bot.get_updates(allowed_updates=[])
    fake.push_text(CHAT, "được giao")
    assert [u.message.text for u in await bot.get_updates()] == ["được giao"]


async def test_fixtures_parse_and_match_the_pushes(bot, fake):
    names = ["text_message", "start_command", "callback_query", "photo_message",
             "sticker_message"]
    fixtures = {name: load_fixture(name) for name in names}
    for name, data in fixtures.items():
        update = Update.de_json(data, bot)
        assert update.update_id == data["update_id"], name
        assert update.effective_user.id == CHAT and update.effective_chat.type == "private"
    start = Update.de_json(fixtures["start_command"], bot)
    assert start.message.parse_entities() == {start.message.entities[0]: "/start"}
    assert Update.de_json(fixtures["callback_query"], bot).callback_query.data == "quiz:q3:a"

    # the `fake` fixture registered Lan Nguyễn (@lan_nguyen); pushes reuse that profile
    pushed_text = fake.push_text(CHAT, "Cho tôi hỏi")
    pushed_start = fake.push_text(CHAT, "/start")
    pushed_photo = fake.push_photo(CHAT, "Biên nhận")
    pushed_sticker = fake.push_sticker(CHAT)
    assert pushed_photo["message"]["from"]["last_name"] == "Nguyễn"
    assert shape(pushed_text) == shape(fixtures["text_message"])
    assert shape(pushed_start) == shape(fixtures["start_command"])
    assert shape(pushed_photo) == shape(fixtures["photo_message"])
    assert shape(pushed_sticker) == shape(fixtures["sticker_message"])
    await bot.send_message(CHAT, "<b>Câu 3/10:</b> Hỏi?", parse_mode="HTML",
                           reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                               "A", callback_data="quiz:q3:a")]]))
    pushed_query = fake.push_callback(CHAT, "quiz:q3:a")
    assert shape(pushed_query) == shape(fixtures["callback_query"])


# ------------------------------------------------------------------------------ Application


async def test_application_polling_start_and_callback(fake):
    app = build_app(fake)

    async def start(update, context):
        await update.message.reply_text(
            f"Xin chào {update.effective_user.first_name}! Tôi có thể giúp gì?",
            reply_markup=KEYBOARD)

    async def on_button(update, context):
        query = update.callback_query
        await query.answer("Đang mở…")
        await query.edit_message_text(f"Bạn chọn: {query.data}")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_button))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            start_update = fake.push_text(CHAT, "/start")
            assert start_update["message"]["entities"] == [
                {"offset": 0, "length": 6, "type": "bot_command"}]
            [greeting] = await fake.wait_for_messages(CHAT, 1)
            assert greeting["text"] == "Xin chào Lan! Tôi có thể giúp gì?"
            assert greeting["reply_markup"] == KEYBOARD.to_dict()
            query = fake.push_callback(CHAT, "menu:procedures")
            assert query["callback_query"]["message"]["message_id"] == greeting["message_id"]
            answer = await fake.wait_for("answerCallbackQuery")
            assert answer.params == {"callback_query_id": query["callback_query"]["id"],
                                     "text": "Đang mở…"}
            await fake.wait_for(lambda c: c.method == "editMessageText" and c.ok)
            [shown] = fake.messages_to(CHAT)
            assert shown["text"] == "Bạn chọn: menu:procedures" and "reply_markup" not in shown
        finally:
            await app.updater.stop()
            await app.stop()
    assert fake.pending_updates == []     # the final getUpdates confirmed everything
    assert not [c for c in fake.sent if not c.ok and not c.abandoned]


async def test_application_handles_captured_fixtures(fake):
    app = build_app(fake)
    seen: list[str] = []

    async def record(update, context):
        message = update.effective_message
        kind = ("callback" if update.callback_query else "photo" if message.photo else
                "sticker" if message.sticker else "command" if message.text.startswith("/")
                else "text")
        seen.append(kind)
        if update.callback_query:
            await update.callback_query.answer()
        elif message.photo:
            file = await message.photo[-1].get_file()
            assert file.file_path.startswith(fake.base_file_url)
            await message.reply_text("Đã nhận ảnh")
        else:
            await message.reply_text("Đã nhận")

    app.add_handler(TypeHandler(Update, record))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            for name in ("start_command", "text_message", "sticker_message",
                         "callback_query"):
                fake.push_raw(load_fixture(name))
            fake.push_photo(CHAT, "Ảnh biên nhận")
            await fake.wait_for("answerCallbackQuery")
            await fake.wait_for_messages(CHAT, 4)
        finally:
            await app.updater.stop()
            await app.stop()
    assert sorted(seen) == ["callback", "command", "photo", "sticker", "text"]
    # replies went to the chat of the captured updates, numbered after their message ids
    replies = [m for m in fake.messages_to(CHAT) if m["text"].startswith("Đã nhận")]
    assert len(replies) == 4 and min(m["message_id"] for m in replies) > 1290


async def test_message_handler_sees_photo_caption_entities(fake):
    app = build_app(fake)
    captions: list[str] = []

    async def on_photo(update, context):
        captions.append(update.message.caption)

    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            fake.push_photo(CHAT, "Mã hồ sơ #H123 xem tại https://dichvucong.gov.vn")
            await until(lambda: captions)
        finally:
            await app.updater.stop()
            await app.stop()
    assert captions == ["Mã hồ sơ #H123 xem tại https://dichvucong.gov.vn"]


# ------------------------------------------------------------------------------ faults


async def test_429_surfaces_as_retry_after(bot, fake, http):
    fake.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "Thông báo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert caught.value.retry_after in (7, dtm.timedelta(seconds=7))
    assert fake.calls("sendMessage")[0].response == {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7}}
    await bot.send_message(CHAT, "Thông báo")            # only the next one failed
    fake.fail_next("*", error_code=502, times=2)
    for _ in range(2):
        async with http.get(f"{fake.base_url}{fake.token}/getMe") as resp:
            assert resp.status == 502
    async with http.get(f"{fake.base_url}{fake.token}/getMe") as resp:
        assert resp.status == 200


async def test_blocked_chat_is_forbidden(bot, fake):
    update = fake.block(CHAT)
    member = Update.de_json(update, bot).my_chat_member
    assert member.new_chat_member.status == "kicked" and member.from_user.id == CHAT
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(CHAT, "Bản tin tuần")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(CHAT, "typing")
    assert fake.calls("sendMessage")[0].error_code == 403
    fake.unblock(CHAT)
    await bot.send_message(CHAT, "Bản tin tuần")


async def test_rate_limit(bot, fake):
    now = [1000.0]
    fake.rate_limit = RateLimit(clock=lambda: now[0], global_per_second=3)
    await bot.send_message(CHAT, "1")
    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT, "2")
    now[0] += 1.0
    await bot.send_message(CHAT, "2")
    for chat_id in range(7000, 7003):
        fake.add_chat(chat_id)
    await bot.send_message(7000, "a")
    await bot.send_message(7001, "b")
    with pytest.raises(RetryAfter):
        await bot.send_message(7002, "c")                # 3 a second overall
    assert fake.rate_limit.rejected == {"per_chat": 1, "global": 1}
    assert fake.rate_limit.total_rejected == 2
    assert [m["text"] for m in fake.messages_to(CHAT)] == ["1", "2"]


async def test_wait_for_times_out_with_a_dump(bot, fake):
    await bot.send_message(CHAT, "chỉ một tin")
    with pytest.raises(TimeoutError, match="(?i)sendMessage") as caught:
        await fake.wait_for(lambda c: c.method == "sendPhoto", timeout=0.05)
    assert "chỉ một tin" in str(caught.value)
    with pytest.raises(TimeoutError):
        await fake.wait_for_messages(CHAT, 2, timeout=0.05)


# ------------------------------------------------------------------------------ webhook


@pytest.fixture
async def receiver():
    class Receiver:
        got: list[tuple[dict, dict]] = []
        answers: list[web.Response] = []
        url = ""

    rec = Receiver()
    rec.got, rec.answers = [], []

    async def hook(request: web.Request) -> web.Response:
        rec.got.append((dict(request.headers), await request.json()))
        return rec.answers.pop(0) if rec.answers else web.Response(status=200)

    app = web.Application()
    app.router.add_post("/tg-hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    rec.url = f"http://127.0.0.1:{runner.addresses[0][1]}/tg-hook"
    yield rec
    await runner.cleanup()


async def test_webhook_delivery_with_secret(bot, fake, receiver):
    assert await bot.set_webhook(receiver.url, secret_token="cchc_S3cret-1") is True
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        await bot.get_updates()
    update = fake.push_text(CHAT, "Chào bot")
    await until(lambda: receiver.got)
    headers, body = receiver.got[0]
    assert headers[SECRET_HEADER] == "cchc_S3cret-1"
    assert headers["Content-Type"] == "application/json"
    assert body == update
    # A failing receiver gets the same update again; the error shows in getWebhookInfo.
    receiver.answers.append(web.Response(status=500))
    again = fake.push_text(CHAT, "Lần hai")
    await until(lambda: len(receiver.got) == 3)
    assert [b["update_id"] for _, b in receiver.got[1:]] == [again["update_id"]] * 2
    info = await bot.get_webhook_info()
    assert info.last_error_message == (
        "Wrong response from the webhook: 500 Internal Server Error")
    assert info.pending_update_count == 0
    # The receiver may answer with a method call, which the server executes.
    receiver.answers.append(web.json_response(
        {"method": "sendMessage", "chat_id": CHAT, "text": "Trả lời qua webhook"}))
    fake.push_text(CHAT, "Lần ba")
    reply = await fake.wait_for(lambda c: c.http_method == "WEBHOOK-REPLY")
    assert reply.ok and fake.messages_to(CHAT)[-1]["text"] == "Trả lời qua webhook"
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


async def test_webhook_url_rules(bot, fake):
    with pytest.raises(BadRequest, match="(?i)HTTPS URL must be provided"):
        await bot.set_webhook("http://bot.example.org/hook")
    with pytest.raises(BadRequest, match="(?i)ports 80, 88, 443 or 8443"):
        await bot.set_webhook("https://bot.example.org:9000/hook")
    with pytest.raises(BadRequest):
        await bot.set_webhook("https://bot.example.org/hook", secret_token="có dấu")
    # Accepted, but the fake never contacts hosts off this machine.
    assert await bot.set_webhook("https://bot.example.org/hook")
    fake.push_text(CHAT, "chờ")
    await asyncio.sleep(0.05)
    assert fake.webhook_deliveries == [] and len(fake.pending_updates) == 1
    await bot.delete_webhook()
    assert len(await bot.get_updates()) == 1            # pending updates survive the switch


# ------------------------------------------------------------------ media, polls, commands


async def test_photo_upload_and_download(bot, fake):
    sent = await bot.send_photo(CHAT, photo=JPEG_BYTES, caption="<i>Biểu đồ</i> tháng 11",
                                parse_mode="HTML")
    call = fake.calls("sendPhoto")[0]
    assert call.content_type == "multipart/form-data" and "photo" in call.files
    assert sent.caption == "Biểu đồ tháng 11" and sent.caption_entities[0].type == "italic"
    assert (sent.photo[-1].width, sent.photo[-1].height) == (8, 6)
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == JPEG_BYTES
    again = await bot.send_photo(CHAT, photo=sent.photo[-1].file_id)   # by file_id
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    pushed = fake.push_photo(CHAT)
    user_file = await bot.get_file(pushed["message"]["photo"][-1]["file_id"])
    assert len(await user_file.download_as_bytearray()) == len(JPEG_BYTES)
    with pytest.raises(BadRequest, match="(?i)Wrong file identifier"):
        await bot.send_photo(CHAT, photo="no-such-file-id")
    with pytest.raises(BadRequest, match="(?i)Message caption is too long"):
        await bot.send_photo(CHAT, photo=JPEG_BYTES, caption="c" * 1025)


async def test_quiz_poll(bot, fake):
    message = await bot.send_poll(
        CHAT, "Thời hạn cấp lại CCCD là bao lâu?", ["3 ngày", "7 ngày", "15 ngày"],
        type="quiz", correct_option_ids=[1], is_anonymous=False, open_period=30,
        explanation="Theo Luật Căn cước 2023")
    poll = message.poll
    assert poll.type == "quiz" and poll.correct_option_ids == (1,) and not poll.is_anonymous
    assert fake.calls("sendPoll")[0].params["options"] == [
        {"text": "3 ngày"}, {"text": "7 ngày"}, {"text": "15 ngày"}]
    answer = fake.push_poll_answer(CHAT, poll.id, [1])
    parsed = Update.de_json(answer, bot).poll_answer
    assert parsed.option_ids == (1,) and parsed.user.id == CHAT
    with pytest.raises(ValueError):
        fake.push_poll_answer(CHAT, poll.id, [0])       # quizzes allow no change of mind
    stopped = await bot.stop_poll(CHAT, message.message_id)
    assert stopped.is_closed and [o.voter_count for o in stopped.options] == [0, 1, 0]
    with pytest.raises(BadRequest, match="(?i)Poll has already been closed"):
        await bot.stop_poll(CHAT, message.message_id)
    with pytest.raises(BadRequest, match="(?i)Wrong correct option id specified"):
        await bot.send_poll(CHAT, "Câu hỏi?", ["a", "b"], type="quiz", correct_option_ids=[5])
    with warnings.catch_warnings():                    # the pre-9.6 parameter still works
        warnings.simplefilter("ignore")
        old = await bot.send_poll(CHAT, "Câu hỏi?", ["a", "b"], type="quiz",
                                  correct_option_id=0)
        assert old.poll.correct_option_ids == (0,)


async def test_open_period_closes_the_poll():
    async with FakeTelegramAPI(poll_time_scale=0.01) as fake:
        fake.add_chat(CHAT)
        async with TgBot(fake.token, base_url=fake.base_url) as tg:
            message = await tg.send_poll(CHAT, "Ý kiến?", ["Đồng ý", "Không"], open_period=5)
            await until(lambda: fake.pending_updates)
            [update] = await tg.get_updates()
            assert update.poll.id == message.poll.id and update.poll.is_closed


async def test_commands(bot, fake):
    commands = [BotCommand("start", "Bắt đầu"), BotCommand("hoi", "Hỏi đáp thủ tục")]
    assert await bot.set_my_commands(commands) is True
    assert await bot.set_my_commands([BotCommand("admin", "Quản trị")],
                                     scope=BotCommandScopeChat(CHAT)) is True
    assert await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    assert tuple(await bot.get_my_commands()) == tuple(commands)
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(CHAT))] == [
        "admin"]
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert await bot.delete_my_commands() is True
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match="(?i)Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Hỏi", "không hợp lệ")])
    assert fake.commands(scope={"type": "chat", "chat_id": CHAT})[0]["command"] == "admin"


async def test_chat_action_close_and_log_out(bot, fake):
    assert await bot.send_chat_action(CHAT, "typing") is True
    with pytest.raises(BadRequest, match="(?i)Wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")
    assert await bot.close() is True
    assert await bot.log_out() is True
    with pytest.raises(InvalidToken):
        await bot.get_me()
