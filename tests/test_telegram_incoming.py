"""Telegram updates → `Incoming`, from captured-style payloads: private chats as before,
and the staff group's button taps and replies."""

from __future__ import annotations

from telegram import Update

from bot.channels.telegram import to_incoming
from tests.fakes.telegram_api import load_fixture


def incoming(name: str):
    return to_incoming(Update.de_json(load_fixture(name), None))


def test_private_chat_unchanged():
    text = incoming("text_message")
    assert text.chat_id is None and text.kind == "text" and text.user_id == "6012345678"
    tap = incoming("callback_query")
    assert (tap.kind, tap.payload, tap.user_id, tap.chat_id) == ("button", "quiz:q3:a", "6012345678", None)
    photo = incoming("photo_message")
    assert photo.kind == "image" and photo.attachments and photo.chat_id is None


def test_staff_group_tap_is_the_person_in_the_group():
    tap = incoming("group_callback_query")
    assert (tap.kind, tap.payload) == ("button", "fbtake:123")
    assert (tap.user_id, tap.chat_id, tap.display_name) == ("7012345001", "-1001234567890", "Hà")


def test_reply_to_the_bot_carries_the_quoted_text():
    reply = incoming("group_reply_to_ticket")
    assert reply.text.startswith("Chào anh") and reply.chat_id == "-1001234567890"
    assert "PA-2026-000123" in reply.quoted and reply.user_id == "7012345001"


def test_reply_to_a_colleague_quotes_nothing():
    chatter = incoming("group_chatter")
    assert chatter.chat_id == "-1001234567890" and chatter.quoted is None
