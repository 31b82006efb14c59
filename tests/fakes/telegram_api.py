"""A local fake of the Telegram Bot API server, for tests.

It is an aiohttp app on 127.0.0.1 (random free port) that answers the Bot API wire format the
way api.telegram.org does, so a real `telegram.Bot` / `telegram.ext.Application` can be pointed
at it::

    async with FakeTelegramAPI() as fake:
        app = (ApplicationBuilder().token(fake.token)
               .base_url(fake.base_url).base_file_url(fake.base_file_url).build())
        fake.push_text(6012345678, "/start")
        ...
        msgs = await fake.wait_for_messages(6012345678, 1)

What it reproduces
  * URLs ``{base_url}{token}/{method}`` (methods are case-insensitive, GET or POST), the file
    URL ``{base_file_url}{token}/{file_path}``; wrong token -> 401 ``Unauthorized``, malformed
    token or unknown method -> 404 ``Not Found``.
  * Parameters from the query string, JSON bodies, urlencoded forms and multipart forms alike;
    string values are coerced by field like the server does (``reply_markup`` & co. are
    JSON-serialized strings, numbers and booleans come as text).
  * The envelope ``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": ...,
    "description": ..., "parameters": {...}}`` with the HTTP status equal to error_code.
  * getUpdates long polling: ``offset`` confirms (negative offset keeps the last N), ``limit``,
    ``timeout`` (floats accepted too, to keep tests fast), ``allowed_updates`` (applies to
    updates created after the call; default excludes chat_member / message_reaction*), a newer
    getUpdates terminates a waiting one with 409, and getUpdates while a webhook is set is 409.
  * Webhooks: pushed updates are POSTed (JSON) to the URL with the
    ``X-Telegram-Bot-Api-Secret-Token`` header, redelivered while the receiver answers non-2xx,
    errors reported by getWebhookInfo; a JSON reply carrying ``method`` is executed like the real
    server does. For safety it only ever delivers to loopback hosts (others are accepted by
    setWebhook but never contacted); plain http is accepted for loopback hosts only.
  * Text like the server sees it: HTML / MarkdownV2 / Markdown parsed into plain text +
    entities (TDLib's error messages for broken markup), surrounding whitespace trimmed, URLs /
    mentions / hashtags / bot commands detected, length limits (4096 text, 1024 caption).
  * Chats must be known (a user wrote first, or ``add_chat``) unless ``strict_chats=False``:
    otherwise 400 ``chat not found``, as for a user who never started the bot.

Deliberate differences: polls close after ``open_period * poll_time_scale`` seconds; ``close``
never answers 429; file ids are random strings, not decodable.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import copy
import dataclasses
import hashlib
import ipaddress
import itertools
import json
import math
import re
import socket
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from aiohttp import web

__all__ = [
    "ApiError",
    "Call",
    "EntityParseError",
    "FakeTelegramAPI",
    "RateLimit",
    "UploadedFile",
    "WebhookDelivery",
    "load_fixture",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
]

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "telegram"

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
# Bot API 10.0 as implemented by python-telegram-bot 22.8 (telegram.constants.PollLimit).
POLL_MIN_OPTIONS, POLL_MAX_OPTIONS = 1, 12
POLL_MAX_QUESTION, POLL_MAX_OPTION_TEXT, POLL_MAX_EXPLANATION = 300, 100, 200
POLL_MIN_OPEN_PERIOD, POLL_MAX_OPEN_PERIOD = 5, 2_628_000

DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
RATE_LIMITED_METHODS = frozenset({
    "sendmessage", "sendphoto", "senddocument", "sendpoll", "sendsticker", "sendmediagroup",
    "copymessage", "forwardmessage",
})
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)

# Small real images, so a bot that opens downloaded files gets valid data.
JPEG_BYTES = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KS"
    "EiMEExNDk7Pj4+JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7"
    "Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozv/wAARCAAGAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAEC"
    "AwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkK"
    "FhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKj"
    "pKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEB"
    "AQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMz"
    "UvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImK"
    "kpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMB"
    "AAIRAxEAPwDm6KKK+iPGP//Z"
)
WEBP_BYTES = base64.b64decode(
    "UklGRjoAAABXRUJQVlA4IC4AAACwAQCdASoIAAgAAkA4JaACdLoABGaAAP7wDP//Xo//PR/+ej/V9/1XiDM+YAAA"
)


def load_fixture(name: str) -> dict:
    """A captured-style update from tests/fixtures/telegram (``name`` with or without .json)."""
    path = FIXTURES_DIR / (name if name.endswith(".json") else f"{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# Errors and records
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status == error_code."""

    def __init__(self, error_code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def envelope(self) -> dict:
        body: dict[str, Any] = {
            "ok": False, "error_code": self.error_code, "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


class EntityParseError(ValueError):
    """Markup the server refuses; str() is TDLib's message."""


@dataclasses.dataclass
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"<upload {self.field}={self.filename!r} {len(self.data)} bytes>"


@dataclasses.dataclass
class Call:
    """One request the bot made, with what it was answered."""

    method: str                    # canonical Bot API name, e.g. "sendMessage"
    params: dict[str, Any]         # typed: JSON fields decoded, numbers/booleans converted
    files: dict[str, UploadedFile]
    http_method: str               # "GET", "POST", or "WEBHOOK-REPLY"
    content_type: str
    status: int
    response: dict                 # the envelope answered
    at: float                      # time.monotonic() when answered
    abandoned: bool = False        # the client had gone before the answer (e.g. a cancelled poll)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def error_code(self) -> int | None:
        return self.response.get("error_code")

    @property
    def description(self) -> str | None:
        return self.response.get("description")

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def summary(self) -> str:
        shown = []
        for key, value in self.params.items():
            text = repr(value)
            shown.append(f"{key}={text if len(text) <= 80 else text[:77] + '...'}")
        answer = "ok" if self.ok else f"{self.error_code} {self.description}"
        return f"{self.method}({', '.join(shown)}) -> {answer}"


@dataclasses.dataclass
class WebhookDelivery:
    update_id: int
    url: str
    status: int | None             # HTTP status of the receiver, None when unreachable
    error: str | None
    secret_token: str | None
    at: float


@dataclasses.dataclass
class RateLimit:
    """Flood limits, off unless ``fake.rate_limit = RateLimit()``.

    Per chat at most ``per_chat_per_second`` messages a second, in groups at most
    ``group_per_minute`` a minute, overall ``global_per_second``. Only successful sends count
    towards the limits; rejected ones are counted in ``rejected`` (keys "per_chat", "group",
    "global") and ``rejected_chats``. ``clock`` can be replaced to test without sleeping.
    """

    per_chat_per_second: float = 1.0
    global_per_second: float = 30.0
    group_per_minute: int = 20
    clock: Callable[[], float] = time.monotonic
    rejected: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    rejected_chats: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    _last_by_chat: dict = dataclasses.field(default_factory=dict, repr=False)
    _global: collections.deque = dataclasses.field(default_factory=collections.deque, repr=False)
    _groups: dict = dataclasses.field(default_factory=dict, repr=False)

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())

    def check(self, chat_id: int, is_group: bool) -> int | None:
        """None when the send may go (and it is counted), else retry_after in seconds."""
        now = self.clock()
        while self._global and self._global[0] <= now - 1.0:
            self._global.popleft()
        group_window = self._groups.setdefault(chat_id, collections.deque()) if is_group else None
        if group_window is not None:
            while group_window and group_window[0] <= now - 60.0:
                group_window.popleft()
        retry: int | None = None
        kind = ""
        interval = 1.0 / self.per_chat_per_second if self.per_chat_per_second > 0 else 0.0
        last = self._last_by_chat.get(chat_id)
        if interval and last is not None and now - last < interval:
            retry, kind = max(1, math.ceil(last + interval - now)), "per_chat"
        elif group_window is not None and len(group_window) >= self.group_per_minute:
            retry, kind = max(1, math.ceil(group_window[0] + 60.0 - now)), "group"
        elif len(self._global) >= self.global_per_second:
            retry, kind = max(1, math.ceil(self._global[0] + 1.0 - now)), "global"
        if retry is not None:
            self.rejected[kind] += 1
            self.rejected_chats[chat_id] += 1
            return retry
        self._last_by_chat[chat_id] = now
        self._global.append(now)
        if group_window is not None:
            group_window.append(now)
        return None


@dataclasses.dataclass
class _Failure:
    error_code: int
    description: str
    parameters: dict | None
    remaining: int


class _Described:
    """A result that the server answers with a ``description`` next to it."""

    def __init__(self, result: Any, description: str):
        self.result, self.description = result, description


# --------------------------------------------------------------------------------------------
# Text: UTF-16 offsets, entity parsing and detection
# --------------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


class _Builder:
    """Accumulates plain text and knows its length in UTF-16 code units."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += utf16_len(text)

    def text(self) -> str:
        return "".join(self.parts)


def _normalize_url(url: str) -> str | None:
    """The URL a text_link gets, or None where the server drops the entity."""
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme:
        if parts.scheme.lower() in ("http", "https", "ftp", "tonsite") and parts.netloc:
            if not parts.path:
                url = url.replace(parts.netloc, parts.netloc + "/", 1)
            return url
        if parts.scheme.lower() == "tg":
            return url
        return None
    host = url.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "." not in host or not re.fullmatch(r"[\w.-]+(:\d+)?", host):
        return None
    rest = url[len(host):]
    if not rest.startswith("/"):
        rest = "/" + rest
    return f"http://{host}{rest}"


def _link_entity(url: str | None, offset: int, length: int) -> dict | None:
    if url is None:
        return None
    m = re.fullmatch(r"tg://user\?id=(\d+)", url)
    if m:
        return {"offset": offset, "length": length, "type": "text_mention",
                "user": {"id": int(m.group(1)), "is_bot": False, "first_name": ""}}
    normalized = _normalize_url(url)
    if normalized is None:
        return None
    return {"offset": offset, "length": length, "type": "text_link", "url": normalized}


_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_HTML_ENTITY_RE = re.compile(r"&(?:#[xX]([0-9a-fA-F]+)|#([0-9]+)|([a-zA-Z]+));?")
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SURROGATE_ERROR = (
    "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
    "surrogate code units"
)


def _decode_html_entity(text: str, i: int) -> tuple[str | None, int]:
    m = _HTML_ENTITY_RE.match(text, i)
    if not m:
        return None, i
    hex_digits, dec_digits, name = m.groups()
    if name is not None:
        if name in _HTML_NAMED:
            return _HTML_NAMED[name], m.end()
        return None, i
    code = int(hex_digits, 16) if hex_digits is not None else int(dec_digits)
    if 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(_SURROGATE_ERROR)
    if code == 0 or code > 0x10FFFF:
        return None, i
    return chr(code), m.end()


def _decode_html_entities(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "&":
            decoded, j = _decode_html_entity(text, i)
            if decoded is not None:
                out.append(decoded)
                i = j
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def parse_html(markup: str) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode (after TDLib's parse_html): plain text and entities."""
    out = _Builder()
    entities: list[dict] = []
    stack: list[dict] = []
    i, n = 0, len(markup)
    while i < n:
        c = markup[i]
        if c == "&":
            decoded, j = _decode_html_entity(markup, i)
            if decoded is None:
                out.add("&")
                i += 1
            else:
                out.add(decoded)
                i = j
            continue
        if c != "<":
            j = i
            while j < n and markup[j] not in "<&":
                j += 1
            out.add(markup[i:j])
            i = j
            continue
        begin = i
        if i + 1 >= n:
            raise EntityParseError(
                f"Unclosed start tag at byte offset {_byte_offset(markup, begin)}")
        if markup[i + 1] == "/":
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(markup, begin)}")
            j = i + 2
            while j < n and not markup[j].isspace() and markup[j] != ">":
                j += 1
            end_name = markup[i + 2:j].lower()
            while j < n and markup[j].isspace():
                j += 1
            if j >= n or markup[j] != ">":
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(markup, begin)}")
            top = stack[-1]
            if end_name and end_name != top["tag"]:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(markup, begin)}, "
                    f'expected "</{top["tag"]}>", found "</{end_name}>"')
            stack.pop()
            _close_html_tag(top, out, entities)
            i = j + 1
            continue
        # start tag
        j = i + 1
        while j < n and not markup[j].isspace() and markup[j] != ">":
            j += 1
        if j >= n:
            raise EntityParseError(
                f"Unclosed start tag at byte offset {_byte_offset(markup, begin)}")
        tag = markup[i + 1:j].lower()
        if tag not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(markup, begin)}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and markup[j].isspace():
                j += 1
            if j >= n:
                raise EntityParseError(
                    f'Unclosed start tag "{tag}" at byte offset {_byte_offset(markup, begin)}')
            if markup[j] == ">":
                j += 1
                break
            name_start = j
            while j < n and not markup[j].isspace() and markup[j] not in "=>":
                j += 1
            attr = markup[name_start:j].lower()
            if not attr:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{_byte_offset(markup, begin)}")
            while j < n and markup[j].isspace():
                j += 1
            if j >= n:
                raise EntityParseError(
                    f'Unclosed start tag "{tag}" at byte offset {_byte_offset(markup, begin)}')
            if markup[j] != "=":
                attrs[attr] = ""
                continue
            j += 1
            while j < n and markup[j].isspace():
                j += 1
            if j >= n:
                raise EntityParseError(
                    f'Unclosed start tag "{tag}" at byte offset {_byte_offset(markup, begin)}')
            if markup[j] in "'\"":
                close = markup.find(markup[j], j + 1)
                if close < 0:
                    raise EntityParseError(
                        f"Unclosed start tag at byte offset {_byte_offset(markup, begin)}")
                attrs[attr] = _decode_html_entities(markup[j + 1:close])
                j = close + 1
            else:
                value_start = j
                while j < n and not markup[j].isspace() and markup[j] != ">":
                    j += 1
                if j >= n:
                    raise EntityParseError(
                        f"Unexpected end of name token at byte offset "
                        f"{_byte_offset(markup, value_start)}")
                attrs[attr] = markup[value_start:j]
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(markup, begin)}")
        stack.append({"tag": tag, "start": out.pos, "part": len(out.parts), "attrs": attrs})
        i = j
    if stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    return out.text(), _sorted_entities(entities)


def _close_html_tag(top: dict, out: _Builder, entities: list[dict]) -> None:
    offset, length = top["start"], out.pos - top["start"]
    if length <= 0:
        return
    tag, attrs = top["tag"], top["attrs"]
    kind = _HTML_TAGS[tag]
    if tag == "a":
        href = attrs.get("href")
        inner = "".join(out.parts[top["part"]:])
        entity = _link_entity(href if href is not None else inner, offset, length)
        if href is None and entity is not None and entity["type"] == "text_link":
            if inner.strip() != inner:
                entity = None
        if entity is not None:
            entities.append(entity)
        return
    entity: dict[str, Any] = {"offset": offset, "length": length, "type": kind}
    if tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    if tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    language = None
    if tag == "code":
        cls = attrs.get("class", "")
        if cls.startswith("language-") and len(cls) > len("language-"):
            language = cls[len("language-"):]
    if tag in ("pre", "code"):
        other = "code" if tag == "pre" else "pre"
        for k in range(len(entities) - 1, -1, -1):
            prev = entities[k]
            if prev["offset"] < offset:
                break
            if prev["type"] == other and prev["offset"] == offset and prev["length"] == length:
                lang = language if tag == "code" else prev.pop("_language", None)
                if lang:
                    entities[k] = {"offset": offset, "length": length, "type": "pre",
                                   "language": lang}
                    return
                break
        if language:
            entity["_language"] = language
    entities.append(entity)


def _sorted_entities(entities: list[dict]) -> list[dict]:
    for entity in entities:
        entity.pop("_language", None)
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline",
    "strikethrough": "Strikethrough", "spoiler": "Spoiler", "code": "Code", "pre": "Pre",
    "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
}


def _reserved(c: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{c}' is reserved and must be escaped with the preceding '\\'")


def parse_markdown_v2(markup: str) -> tuple[str, list[dict]]:
    """Telegram's MarkdownV2 (after TDLib's parse_markdown_v2); expandable quotes aside."""
    out = _Builder()
    entities: list[dict] = []
    stack: list[dict] = []
    quote_start: int | None = None
    i, n = 0, len(markup)

    def peek(k: int) -> str:
        return markup[k] if k < n else ""

    while i < n:
        c = markup[i]
        if c == "\\" and i + 1 < n and 0 < ord(markup[i + 1]) <= 126:
            out.add(markup[i + 1])
            i += 2
            continue
        top = stack[-1] if stack else None
        in_code = top is not None and top["type"] in ("code", "pre")
        if in_code and c != "`":
            out.add(c)
            i += 1
            continue
        if not in_code and c == ">" and (i == 0 or markup[i - 1] in "\r\n"):
            if quote_start is None:
                quote_start = out.pos
            i += 1
            continue
        if not in_code and c not in _MDV2_RESERVED:
            out.add(c)
            if c == "\n" and quote_start is not None and peek(i + 1) != ">":
                if out.pos > quote_start:
                    entities.append({"offset": quote_start, "length": out.pos - quote_start,
                                     "type": "blockquote"})
                quote_start = None
            i += 1
            continue
        is_end = False
        if top is not None:
            kind = top["type"]
            if kind == "bold":
                is_end = c == "*"
            elif kind == "italic":
                is_end = c == "_" and peek(i + 1) != "_"
            elif kind == "underline":
                is_end = c == "_" and peek(i + 1) == "_"
            elif kind == "strikethrough":
                is_end = c == "~"
            elif kind == "spoiler":
                is_end = c == "|" and peek(i + 1) == "|"
            elif kind == "code":
                is_end = c == "`"
            elif kind == "pre":
                is_end = markup.startswith("```", i)
            elif kind in ("text_link", "custom_emoji"):
                is_end = c == "]"
        if not is_end:
            entry: dict[str, Any] = {"byte": _byte_offset(markup, i), "start": out.pos,
                                     "part": len(out.parts)}
            if c == "_":
                if peek(i + 1) == "_":
                    entry["type"], i = "underline", i + 2
                else:
                    entry["type"], i = "italic", i + 1
            elif c == "*":
                entry["type"], i = "bold", i + 1
            elif c == "~":
                entry["type"], i = "strikethrough", i + 1
            elif c == "|" and peek(i + 1) == "|":
                entry["type"], i = "spoiler", i + 2
            elif c == "[":
                entry["type"], i = "text_link", i + 1
            elif c == "!" and peek(i + 1) == "[":
                entry["type"], i = "custom_emoji", i + 2
            elif c == "`":
                if markup.startswith("```", i):
                    i += 3
                    entry["type"], entry["name"] = "pre", "Pre"
                    j = i
                    while j < n and markup[j] not in " \n\r`":
                        j += 1
                    if j < n and markup[j] in " \n\r":
                        entry["name"] = "PreCode"
                        entry["language"] = markup[i:j]
                        if markup[j] in "\n\r":
                            j += 1
                            if j < n and markup[j] in "\n\r" and markup[j] != markup[j - 1]:
                                j += 1
                        i = j
                    entry["start"], entry["part"] = out.pos, len(out.parts)
                else:
                    entry["type"], i = "code", i + 1
            else:
                raise _reserved(c)
            stack.append(entry)
            continue
        # end of the innermost entity
        top = stack.pop()
        kind = top["type"]
        i += 3 if kind == "pre" else 2 if kind in ("underline", "spoiler") else 1
        offset, length = top["start"], out.pos - top["start"]
        if kind in ("text_link", "custom_emoji"):
            url = None
            if peek(i) == "(":
                url_start = i + 1
                j, chars = url_start, []
                while j < n and markup[j] != ")":
                    if markup[j] == "\\" and j + 1 < n and 0 < ord(markup[j + 1]) <= 126:
                        j += 1
                    chars.append(markup[j])
                    j += 1
                if j >= n:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(markup, url_start)}")
                url = "".join(chars)
                i = j + 1
            if kind == "custom_emoji":
                if url is None:
                    raise EntityParseError("The entity must contain a tg://emoji or tg://time URL")
                m = re.fullmatch(r"tg://emoji/?\?(?:.*&)?id=([1-9]\d*)(?:&.*)?(?:#.*)?", url,
                                 re.IGNORECASE)
                if not m:
                    raise EntityParseError("Invalid tg://emoji or tg://time URL specified")
                if length > 0:
                    entities.append({"offset": offset, "length": length, "type": "custom_emoji",
                                     "custom_emoji_id": m.group(1)})
                continue
            if url is None:
                url = "".join(out.parts[top["part"]:])
            entity = _link_entity(url, offset, length) if length > 0 else None
            if entity is not None:
                entities.append(entity)
            continue
        if length > 0:
            entity = {"offset": offset, "length": length, "type": kind}
            if kind == "pre" and top.get("language"):
                entity["language"] = top["language"]
            entities.append(entity)
    if stack:
        top = stack[-1]
        name = top.get("name") or _MDV2_NAMES[top["type"]]
        raise EntityParseError(f"Can't find end of {name} entity at byte offset {top['byte']}")
    if quote_start is not None and out.pos > quote_start:
        entities.append({"offset": quote_start, "length": out.pos - quote_start,
                         "type": "blockquote"})
    return out.text(), _sorted_entities(entities)


def parse_markdown(markup: str) -> tuple[str, list[dict]]:
    """Telegram's legacy Markdown parse mode: *bold* _italic_ `code` ```pre``` [text](url)."""
    out = _Builder()
    entities: list[dict] = []
    i, n = 0, len(markup)
    while i < n:
        c = markup[i]
        if c == "\\" and i + 1 < n and markup[i + 1] in "_*`[":
            out.add(markup[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.add(c)
            i += 1
            continue
        begin = _byte_offset(markup, i)
        start = out.pos
        if markup.startswith("```", i):
            end = markup.find("```", i + 3)
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {begin}")
            body = markup[i + 3:end]
            language = None
            first, sep, rest = body.partition("\n")
            if sep and first and " " not in first:
                language, body = first, rest
            out.add(body)
            if out.pos > start:
                entity = {"offset": start, "length": out.pos - start, "type": "pre"}
                if language:
                    entity["language"] = language
                entities.append(entity)
            i = end + 3
            continue
        end_char = "]" if c == "[" else c
        end = markup.find(end_char, i + 1)
        if end < 0:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        out.add(markup[i + 1:end])
        i = end + 1
        length = out.pos - start
        if c == "[":
            url = None
            if i < n and markup[i] == "(":
                close = markup.find(")", i + 1)
                if close >= 0:
                    url = markup[i + 1:close]
                    i = close + 1
            entity = _link_entity(url, start, length) if url and length > 0 else None
            if entity is not None:
                entities.append(entity)
            continue
        if length > 0:
            kind = {"*": "bold", "_": "italic", "`": "code"}[c]
            entities.append({"offset": start, "length": length, "type": kind})
    return out.text(), _sorted_entities(entities)


_DETECTORS = [
    ("bot_command", re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("email", re.compile(r"(?<![\w.@])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    ("url", re.compile(r"(?<![\w@])(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#&])#\w*[^\W\d]\w*")),
]


def detect_entities(text: str) -> list[dict]:
    """Entities the server finds by itself: bot commands, URLs, e-mails, mentions, hashtags."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in _DETECTORS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if kind == "url":
                while end > start and text[end - 1] in ".,;:!?)]}'":
                    end -= 1
            if any(s < end and start < e for s, e, _ in found):
                continue
            found.append((start, end, kind))
    found.sort()
    return [
        {"offset": utf16_len(text[:s]), "length": utf16_len(text[s:e]), "type": kind}
        for s, e, kind in found
    ]


_TRIM = " \t\n\r\x0b\x0c\u00a0\u2028\u2029"


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip surrounding whitespace like the server, keeping entity offsets right."""
    stripped_left = text.lstrip(_TRIM)
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(_TRIM)
    total = utf16_len(result)
    fixed = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    return result, fixed


def _merge_detected(text: str, entities: list[dict]) -> list[dict]:
    """Add auto-detected entities that do not overlap explicit links / code."""
    blocking = [e for e in entities if e["type"] in ("text_link", "code", "pre", "text_mention")]
    merged = list(entities)
    for found in detect_entities(text):
        s, e = found["offset"], found["offset"] + found["length"]
        if any(b["offset"] < e and s < b["offset"] + b["length"] for b in blocking):
            continue
        merged.append(found)
    return sorted(merged, key=lambda x: (x["offset"], -x["length"]))


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------

_JSON_FIELDS = frozenset({
    "reply_markup", "entities", "caption_entities", "explanation_entities", "question_entities",
    "description_entities", "commands", "scope", "allowed_updates", "options",
    "link_preview_options", "reply_parameters", "media", "correct_option_ids", "message_ids",
    "results", "permissions", "country_codes", "explanation_media",
})
_INT_FIELDS = frozenset({
    "offset", "limit", "message_id", "reply_to_message_id", "message_thread_id",
    "correct_option_id", "open_period", "close_date", "max_connections", "cache_time", "user_id",
    "width", "height", "duration", "until_date",
})
_FLOAT_FIELDS = frozenset({"timeout"})
_BOOL_FIELDS = frozenset({
    "disable_notification", "protect_content", "is_anonymous", "allows_multiple_answers",
    "is_closed", "show_alert", "drop_pending_updates", "disable_web_page_preview", "has_spoiler",
    "allow_sending_without_reply", "show_caption_above_media", "disable_content_type_detection",
    "allows_revoting", "shuffle_options", "allow_adding_options", "hide_results_until_closes",
    "members_only", "allow_paid_broadcast",
})
_CHAT_FIELDS = frozenset({"chat_id", "from_chat_id"})
_JSON_NAMES = {"reply_markup": "reply keyboard markup", "entities": "message entities"}


def _coerce(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value  # JSON bodies already carry typed values
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            what = _JSON_NAMES.get(name, name)
            raise bad_request(f"can't parse {what} JSON object") from None
    if name in _INT_FIELDS:
        try:
            return int(value.strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None
    if name in _FLOAT_FIELDS:
        try:
            number = float(value.strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None
        return int(number) if number.is_integer() else number
    if name in _BOOL_FIELDS:
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
        raise bad_request(f"invalid {name} specified")
    if name in _CHAT_FIELDS and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return value


# --------------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------------

_METHODS = [
    "getMe", "getUpdates", "sendMessage", "editMessageText", "editMessageReplyMarkup",
    "editMessageCaption", "answerCallbackQuery", "setMyCommands", "getMyCommands",
    "deleteMyCommands", "setWebhook", "deleteWebhook", "getWebhookInfo", "sendPhoto",
    "sendDocument", "sendPoll", "stopPoll", "sendChatAction", "deleteMessage", "getFile", "close",
    "logOut",
]
_CANONICAL = {name.lower(): name for name in _METHODS}


class FakeTelegramAPI:
    """A Bot API server on 127.0.0.1 that records what the bot does. See the module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "cchc_test_bot",
        *,
        bot_first_name: str = "CCHC Test Bot",
        strict_chats: bool = True,
        webhook_retry_delay: float = 0.05,
        webhook_max_attempts: int = 10,
        webhook_timeout: float = 10.0,
        poll_time_scale: float = 1.0,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.strict_chats = strict_chats
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_timeout = webhook_timeout
        self.poll_time_scale = poll_time_scale
        self.rate_limit: RateLimit | None = None

        self.sent: list[Call] = []
        self.pushed: list[dict] = []
        self.dropped_updates: list[dict] = []       # not allowed by allowed_updates
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.callback_answers: dict[str, dict] = {}  # callback_query id -> answer params

        self.port: int = 0
        self.base_url = ""
        self.base_file_url = ""

        self._users: dict[int, dict] = {}
        self._chats: dict[int, dict] = {}
        self._messages: dict[int, dict[int, dict]] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._next_message_id: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._reply_keyboards: dict[int, dict | None] = {}
        self._files: dict[str, dict] = {}
        self._polls: dict[str, dict] = {}
        self._open_callbacks: set[str] = set()
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._failures: dict[str, collections.deque[_Failure]] = {}
        self._queue: list[dict] = []
        self._allowed_updates: list[str] = []
        self._update_ids = itertools.count(800_000_001)
        self._callback_ids = itertools.count(4_382_117_093_847_563_001)
        self._poll_ids = itertools.count(5_314_826_790_123_456_001)
        self._file_counter = itertools.count(1)
        self._poll_seq = 0
        self._logged_out = False
        self._webhook: dict[str, Any] = {"url": ""}

        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._worker: asyncio.Task | None = None
        self._timers: list[asyncio.TimerHandle] = []
        self._activity: asyncio.Event | None = None
        self._closing = False

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self._activity = asyncio.Event()
        self._closing = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self.base_file_url = f"http://127.0.0.1:{self.port}/file/bot"
        self._session = aiohttp.ClientSession()
        self._worker = asyncio.create_task(self._webhook_worker(), name="fake-telegram-webhook")

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        for timer in self._timers:
            timer.cancel()
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except (asyncio.CancelledError, Exception):
                pass
            self._worker = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The server root, e.g. http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name,
                "username": self.bot_username}

    def _notify(self) -> None:
        if self._activity is not None:
            self._activity.set()
            self._activity = asyncio.Event()

    # ---------------------------------------------------------------- what the bot did

    def calls(self, method: str | None = None, *, ok: bool | None = None) -> list[Call]:
        """Recorded calls, optionally of one method (case-insensitive) and/or by outcome."""
        wanted = method.lower() if method else None
        return [c for c in self.sent
                if (wanted is None or c.method.lower() == wanted) and (ok is None or c.ok == ok)]

    def messages_to(self, chat_id: int) -> list[dict]:
        """The bot's messages in that chat as the user now sees them (edits applied, deleted
        ones gone), oldest first: full Message objects (message_id, text/caption/photo/poll,
        entities, reply_markup, edit_date...)."""
        chat_messages = self._messages.get(chat_id, {})
        return [copy.deepcopy(m) for mid, m in sorted(chat_messages.items())
                if m["from"]["id"] == self.bot_id and (chat_id, mid) not in self._deleted]

    def last_message_to(self, chat_id: int) -> dict | None:
        messages = self.messages_to(chat_id)
        return messages[-1] if messages else None

    def message(self, chat_id: int, message_id: int) -> dict | None:
        """Any stored message (the user's too), current state; None if unknown or deleted."""
        if (chat_id, message_id) in self._deleted:
            return None
        found = self._messages.get(chat_id, {}).get(message_id)
        return copy.deepcopy(found) if found is not None else None

    def reply_keyboard_of(self, chat_id: int) -> dict | None:
        """The reply keyboard (ReplyKeyboardMarkup dict) the user currently has, if any."""
        return copy.deepcopy(self._reply_keyboards.get(chat_id))

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        return copy.deepcopy(self._commands.get((self._scope_key(scope), language_code), []))

    def poll(self, poll_id: str) -> dict | None:
        entry = self._polls.get(poll_id)
        return copy.deepcopy(entry["poll"]) if entry else None

    @property
    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed (polling) or delivered (webhook)."""
        return copy.deepcopy(self._queue)

    @property
    def webhook_url(self) -> str:
        return self._webhook["url"]

    def dump(self, *, limit: int = 40) -> str:
        """What the bot did, for failure messages (getUpdates calls are only counted)."""
        polls = sum(1 for c in self.sent if c.method == "getUpdates")
        lines = [f"#{k} {c.summary()}" for k, c in enumerate(self.sent) if c.method != "getUpdates"]
        if len(lines) > limit:
            lines = [f"... {len(lines) - limit} earlier calls"] + lines[-limit:]
        head = f"Calls recorded by FakeTelegramAPI (+{polls} getUpdates):"
        pending = f"Pending updates: {[u['update_id'] for u in self._queue]}"
        return "\n".join([head, *(lines or ["(none)"]), pending])

    async def _wait_until(
        self, check: Callable[[], Any], timeout: float, what: str  # noqa: ASYNC109
    ) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = check()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{what} within {timeout} s\n{self.dump()}")
            event = self._activity
            assert event is not None, "FakeTelegramAPI.start() was not awaited"
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass

    async def wait_for(
        self,
        predicate: Callable[[Call], bool] | str,
        timeout: float = 30.0,  # noqa: ASYNC109  (a deadline: met at once when all is well)
        *,
        since: int = 0,
    ) -> Call:
        """The first recorded call (from index ``since``) satisfying ``predicate`` (or of the
        method named by a string), waiting up to ``timeout`` s; TimeoutError with a dump."""
        if isinstance(predicate, str):
            name = predicate.lower()

            def matches(call: Call) -> bool:
                return call.method.lower() == name
            label = f"no {predicate} call"
        else:
            matches = predicate
            label = f"no call satisfying {getattr(predicate, '__name__', predicate)!s}"

        def check() -> Call | None:
            return next((c for c in self.sent[since:] if matches(c)), None)
        return await self._wait_until(check, timeout, label)

    async def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 30.0  # noqa: ASYNC109
    ) -> list[dict]:
        """Wait until the bot has ``count`` visible messages in the chat; returns them all."""
        def check() -> list[dict] | None:
            messages = self.messages_to(chat_id)
            return messages if len(messages) >= count else None
        return await self._wait_until(
            check, timeout, f"fewer than {count} bot messages in chat {chat_id}")

    # ---------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
        parameters: dict | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` ("*" = any method) answer this error."""
        if error_code == 429:
            description = description or f"Too Many Requests: retry after {retry_after}"
            parameters = {"retry_after": retry_after, **(parameters or {})}
        description = description or {
            400: "Bad Request: injected by FakeTelegramAPI.fail_next",
            401: "Unauthorized",
            403: "Forbidden: bot was blocked by the user",
            404: "Not Found",
            409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
                 "instance is running",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }.get(error_code, "Error")
        self._failures.setdefault(method.lower(), collections.deque()).append(
            _Failure(error_code, description, parameters, times))

    def block(self, chat_id: int, *, push_update: bool = True) -> dict | None:
        """The user blocks the bot: sends to the chat answer 403. Like Telegram, the bot gets a
        my_chat_member update (returned) unless ``push_update=False``."""
        self._blocked.add(chat_id)
        return self._push_member_change(chat_id, "member", "kicked") if push_update else None

    def unblock(self, chat_id: int, *, push_update: bool = True) -> dict | None:
        self._blocked.discard(chat_id)
        return self._push_member_change(chat_id, "kicked", "member") if push_update else None

    # ---------------------------------------------------------------- feeding updates

    def add_chat(
        self,
        chat_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        title: str | None = None,
        chat_type: str | None = None,
        language_code: str | None = None,
    ) -> dict:
        """Make a chat known without a message (e.g. a subscriber from the database)."""
        if chat_id > 0:
            self._user(chat_id, first_name, last_name, username, language_code)
        return self._chat(chat_id, first_name, last_name, username, title, chat_type)

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        first_name: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
        user_id: int | None = None,
        language_code: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict:
        """The user writes ``text``; commands, URLs, mentions and hashtags get entities."""
        message = self._user_message(chat_id, first_name, username, last_name, user_id,
                                     language_code, reply_to_message_id)
        message["text"] = text
        entities = detect_entities(text)
        if entities:
            message["entities"] = entities
        return self._enqueue({"message": self._store(message)})

    def push_callback(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int | None = None,
        first_name: str | None = None,
        username: str | None = None,
        user_id: int | None = None,
        check_button: bool = True,
    ) -> dict:
        """The user taps the inline button carrying ``data`` under a bot message (default: the
        latest bot message in the chat with such a button, else the latest one). With
        ``check_button`` the button must exist, as a real client can only send shown data."""
        candidates = self.messages_to(chat_id)
        if message_id is not None:
            target = next((m for m in candidates if m["message_id"] == message_id), None)
            if target is None:
                raise LookupError(f"no bot message {message_id} in chat {chat_id}")
        else:
            target = next((m for m in reversed(candidates) if data in _callback_datas(m)), None)
            if target is None and not check_button and candidates:
                target = candidates[-1]
            if target is None:
                raise LookupError(
                    f"no bot message in chat {chat_id} with a button carrying {data!r}; "
                    f"buttons: {[_callback_datas(m) for m in candidates]}")
        if check_button and data not in _callback_datas(target):
            raise ValueError(
                f"message {target['message_id']} has no button with callback_data {data!r}: "
                f"{_callback_datas(target)}")
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 700_000_001)
        user = self._user(uid, first_name, None, username)
        query_id = str(next(self._callback_ids))
        self._open_callbacks.add(query_id)
        query = {"id": query_id, "from": user, "message": target,
                 "chat_instance": self._chat_instance(chat_id), "data": data}
        return self._enqueue({"callback_query": query})

    def push_photo(
        self,
        chat_id: int,
        caption: str | None = None,
        *,
        first_name: str | None = None,
        username: str | None = None,
        user_id: int | None = None,
        width: int = 1280,
        height: int = 960,
        content: bytes | None = None,
    ) -> dict:
        """The user sends a photo; its sizes can be fetched with getFile + the file URL."""
        message = self._user_message(chat_id, first_name, username, None, user_id, None, None)
        message["photo"] = self._photo_sizes(content or JPEG_BYTES, width, height)
        if caption:
            message["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                message["caption_entities"] = entities
        return self._enqueue({"message": self._store(message)})

    def push_sticker(
        self,
        chat_id: int,
        *,
        emoji: str = "👍",
        set_name: str = "HotCherry",
        first_name: str | None = None,
        username: str | None = None,
        user_id: int | None = None,
    ) -> dict:
        message = self._user_message(chat_id, first_name, username, None, user_id, None, None)
        thumb = self._register_file(WEBP_BYTES, "thumbnails", "webp", "AAMCAgADGQEAA",
                                    width=128, height=128)
        sticker = self._register_file(WEBP_BYTES, "stickers", "webp", "CAACAgIAAxkBAA",
                                      width=512, height=512)
        message["sticker"] = {
            "width": 512, "height": 512, "emoji": emoji, "set_name": set_name,
            "is_animated": False, "is_video": False, "type": "regular", "thumbnail": thumb,
            "file_id": sticker["file_id"],
            "file_unique_id": sticker["file_unique_id"], "file_size": sticker["file_size"],
        }
        return self._enqueue({"message": self._store(message)})

    def push_poll_answer(
        self,
        user_id: int,
        poll_id: str,
        option_ids: Iterable[int],
        *,
        first_name: str | None = None,
        username: str | None = None,
    ) -> dict:
        """A user votes (or retracts with ``[]``) in a non-anonymous poll the bot sent."""
        entry = self._polls.get(poll_id)
        if entry is None:
            raise LookupError(f"unknown poll {poll_id!r}; known: {list(self._polls)}")
        poll = entry["poll"]
        if poll["is_anonymous"]:
            raise ValueError("Telegram sends no poll_answer for anonymous polls (is_anonymous)")
        if poll["is_closed"]:
            raise ValueError(f"poll {poll_id} is closed")
        chosen = list(option_ids)
        in_range = all(0 <= k < len(poll["options"]) for k in chosen)
        if not in_range or len(set(chosen)) != len(chosen):
            raise ValueError(f"bad option ids {chosen} for {len(poll['options'])} options")
        if len(chosen) > 1 and not poll["allows_multiple_answers"]:
            raise ValueError("this poll allows one answer only")
        previous = entry["votes"].get(user_id)
        if previous and not poll.get("allows_revoting", True):
            raise ValueError("this poll does not allow changing the vote")
        for k in previous or []:
            poll["options"][k]["voter_count"] -= 1
        for k in chosen:
            poll["options"][k]["voter_count"] += 1
        if chosen:
            entry["votes"][user_id] = chosen
        else:
            entry["votes"].pop(user_id, None)
        poll["total_voter_count"] = len(entry["votes"])
        user = self._user(user_id, first_name, None, username)
        answer = {
            "poll_id": poll_id, "user": user, "option_ids": chosen,
            "option_persistent_ids": [poll["options"][k]["persistent_id"] for k in chosen],
        }
        return self._enqueue({"poll_answer": answer})

    def push_raw(self, update: dict) -> dict:
        """Queue any update dict (a fixture, say). Without update_id one is assigned. Chats,
        users, messages and callback query ids in it become known to the fake."""
        update = copy.deepcopy(update)
        message = next((update[k] for k in ("message", "edited_message", "channel_post")
                        if k in update), None)
        if message is not None:
            self._learn_message(message)
        query = update.get("callback_query")
        if query is not None:
            self._open_callbacks.add(str(query["id"]))
            user = query.get("from")
            if user:
                self._users.setdefault(user["id"], user)
            if isinstance(query.get("message"), dict) and query["message"].get("date"):
                self._learn_message(query["message"])
        return self._enqueue(update)

    def close_poll(self, poll_id: str, *, push_update: bool = True) -> dict:
        """Close a poll as its open_period running out does; the bot gets a ``poll`` update."""
        poll = self._polls[poll_id]["poll"]
        if not poll["is_closed"]:
            poll["is_closed"] = True
            if push_update:
                self._enqueue({"poll": copy.deepcopy(poll)})
        return copy.deepcopy(poll)

    # ---------------------------------------------------------------- internals: registries

    def _user(self, user_id: int, first_name: str | None = None, last_name: str | None = None,
              username: str | None = None, language_code: str | None = None) -> dict:
        """The user's profile: what is given, else what is known, else Lan speaking vi."""
        known = self._users.get(user_id, {})
        user: dict[str, Any] = {"id": user_id, "is_bot": False,
                                "first_name": first_name or known.get("first_name") or "Lan"}
        for key, value in (("last_name", last_name), ("username", username),
                           ("language_code", language_code)):
            value = value if value is not None else known.get(key)
            if key == "language_code" and not value:
                value = "vi"
            if value:
                user[key] = value
        self._users[user_id] = user
        return dict(user)

    def _chat(self, chat_id: int, first_name: str | None = None, last_name: str | None = None,
              username: str | None = None, title: str | None = None,
              chat_type: str | None = None) -> dict:
        known = self._chats.get(chat_id, {})
        if chat_id > 0:
            chat: dict[str, Any] = {
                "id": chat_id, "first_name": first_name or known.get("first_name") or "Lan"}
            for key, value in (("last_name", last_name), ("username", username)):
                value = value if value is not None else known.get(key)
                if value:
                    chat[key] = value
            chat["type"] = chat_type or known.get("type") or "private"
        else:
            kind = chat_type or known.get("type") or (
                "supergroup" if chat_id <= -1_000_000_000_000 else "group")
            chat = {"id": chat_id,
                    "title": title or known.get("title") or "Nhóm thử nghiệm CCHC", "type": kind}
            if kind == "group":
                chat["all_members_are_administrators"] = True
        self._chats[chat_id] = chat
        return dict(chat)

    def _user_message(self, chat_id: int, first_name: str | None, username: str | None,
                      last_name: str | None, user_id: int | None, language_code: str | None,
                      reply_to_message_id: int | None) -> dict:
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 700_000_001)
        user = self._user(uid, first_name, last_name, username, language_code)
        if chat_id > 0:
            chat = self._chat(chat_id, user["first_name"], user.get("last_name"),
                              user.get("username"))
        else:
            existing = self._chats.get(chat_id)
            chat = dict(existing) if existing else self._chat(chat_id)
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id), "from": user, "chat": chat,
            "date": int(time.time()),
        }
        if reply_to_message_id is not None:
            replied = self.message(chat_id, reply_to_message_id)
            if replied is None:
                raise LookupError(f"no message {reply_to_message_id} in chat {chat_id}")
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        return message

    def _new_message_id(self, chat_id: int) -> int:
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def _store(self, message: dict) -> dict:
        chat_id = message["chat"]["id"]
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        return copy.deepcopy(message)

    def _learn_message(self, message: dict) -> None:
        chat = message.get("chat") or {}
        if "id" not in chat:
            return
        chat_id = chat["id"]
        self._chats.setdefault(chat_id, dict(chat))
        user = message.get("from")
        if user and not user.get("is_bot"):
            self._users.setdefault(user["id"], dict(user))
        if "message_id" in message:
            self._messages.setdefault(chat_id, {})[message["message_id"]] = copy.deepcopy(message)
            self._next_message_id[chat_id] = max(self._next_message_id.get(chat_id, 1),
                                                 message["message_id"] + 1)

    def _chat_instance(self, chat_id: int) -> str:
        digest = hashlib.sha256(f"{self.bot_id}:{chat_id}".encode()).hexdigest()
        return str(-(int(digest[:15], 16) % 9_000_000_000_000_000_000 + 1))

    def _push_member_change(self, chat_id: int, old: str, new: str) -> dict:
        chat = self._chats.get(chat_id) or self._chat(chat_id)
        user = self._users.get(chat_id) or self._user(chat_id, chat.get("first_name"))
        now = int(time.time())
        new_member: dict[str, Any] = {"user": self.bot_user, "status": new}
        if new == "kicked":
            new_member["until_date"] = 0
        old_member: dict[str, Any] = {"user": self.bot_user, "status": old}
        if old == "kicked":
            old_member["until_date"] = 0
        change = {"chat": dict(chat), "from": dict(user), "date": now,
                  "old_chat_member": old_member, "new_chat_member": new_member}
        return self._enqueue({"my_chat_member": change})

    def _random_id(self, prefix: str, length: int) -> str:
        counter = next(self._file_counter)
        seed = hashlib.sha256(f"{self.token}:{prefix}:{counter}".encode()).digest()
        body = base64.urlsafe_b64encode(seed * 3).decode().rstrip("=")
        return (prefix + body)[:length]

    def _register_file(self, data: bytes, folder: str, extension: str, prefix: str, *,
                       width: int | None = None, height: int | None = None,
                       file_name: str | None = None, mime_type: str | None = None) -> dict:
        file_id = self._random_id(prefix, 71)
        unique = self._random_id("AQAD", 16)
        path = f"{folder}/file_{len(self._files)}.{extension}"
        self._files[file_id] = {"file_id": file_id, "file_unique_id": unique,
                                "file_size": len(data), "file_path": path, "data": data}
        info: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique,
                                "file_size": len(data)}
        if width is not None:
            info["width"], info["height"] = width, height
        if file_name is not None:
            info["file_name"] = file_name
        if mime_type is not None:
            info["mime_type"] = mime_type
        return info

    def _photo_sizes(self, data: bytes, width: int, height: int) -> list[dict]:
        sizes = []
        longest = max(width, height)
        targets = [t for t in (90, 320, 800, 1280, 2560) if t < longest] + [min(longest, 2560)]
        for target in dict.fromkeys(targets):
            scale = min(1.0, target / longest)
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            info = self._register_file(data, "photos", "jpg", "AgACAgIAAxkBAA", width=w, height=h)
            sizes.append(info)
        return sizes

    def _scope_key(self, scope: Any) -> str:
        if not scope:
            return '{"type": "default"}'
        return json.dumps(scope, sort_keys=True)

    # ---------------------------------------------------------------- update queue

    def _enqueue(self, update: dict) -> dict:
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        else:
            current = next(self._update_ids)
            self._update_ids = itertools.count(max(current, update["update_id"] + 1))
        kind = next((k for k in update if k != "update_id"), "")
        allowed = self._allowed_updates
        if (allowed and kind not in allowed) or (not allowed and kind in DEFAULT_EXCLUDED_UPDATES):
            self.dropped_updates.append(update)
            return copy.deepcopy(update)
        self._queue.append(update)
        self.pushed.append(update)
        self._notify()
        return copy.deepcopy(update)

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            self._queue = self._queue[offset:]
        else:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]

    # ---------------------------------------------------------------- HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return await self._serve_file(request, path[len("/file/bot"):])
        m = re.fullmatch(r"/bot([^/]*)/([^/]*)/?", path)
        if not m:
            return self._json(ApiError(404, "Not Found").envelope(), 404)
        token, method = m.groups()
        content_type = request.headers.get("Content-Type", "")
        canonical = _CANONICAL.get(method.lower(), method)
        try:
            params, files = await self._read_params(request)
        except ApiError as exc:
            params, files = {}, {}
            status, envelope = exc.error_code, exc.envelope()
        else:
            status, envelope = await self._dispatch(token, method, params, files)
        abandoned = request.transport is None or request.transport.is_closing()
        self._record(Call(canonical, params, files, request.method, content_type.split(";")[0],
                          status, envelope, time.monotonic(), abandoned))
        return self._json(envelope, status)

    def _record(self, call: Call) -> None:
        self.sent.append(call)
        self._notify()

    @staticmethod
    def _json(body: dict, status: int) -> web.Response:
        return web.Response(text=json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/json")

    async def _read_params(self, request: web.Request) -> tuple[dict, dict[str, UploadedFile]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "multipart/form-data":
                reader = await request.multipart()
                async for part in reader:
                    if part.name is None:
                        continue
                    if part.filename is not None:
                        data = await part.read(decode=False)
                        files[part.name] = UploadedFile(
                            part.name, part.filename,
                            part.headers.get("Content-Type", "application/octet-stream"),
                            bytes(data))
                    else:
                        raw[part.name] = await part.text()
            elif ctype == "application/json":
                body = await request.text()
                if body.strip():
                    try:
                        decoded = json.loads(body)
                    except ValueError:
                        raise bad_request("can't parse JSON body") from None
                    if not isinstance(decoded, dict):
                        raise bad_request("JSON body must be an object")
                    raw.update(decoded)
            else:
                body = await request.text()
                raw.update(parse_qsl(body, keep_blank_values=True))
        params = {name: _coerce(name, value) for name, value in raw.items()}
        for name, upload in files.items():
            params.setdefault(name, upload)
        return params, files

    async def _dispatch(self, token: str, method: str, params: dict,
                        files: dict[str, UploadedFile]) -> tuple[int, dict]:
        try:
            if token != self.token:
                if re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
                    raise ApiError(401, "Unauthorized")
                raise ApiError(404, "Not Found")
            handler = getattr(self, f"_m_{method.lower()}", None)
            if method.lower() not in _CANONICAL or handler is None:
                raise ApiError(404, "Not Found")
            if self._logged_out and method.lower() != "logout":
                raise ApiError(401, "Unauthorized")
            self._inject_failure(method.lower())
            result = await handler(params, files)
        except ApiError as exc:
            return exc.error_code, exc.envelope()
        if isinstance(result, _Described):
            return 200, {"ok": True, "result": result.result, "description": result.description}
        return 200, {"ok": True, "result": result}

    def _inject_failure(self, method: str) -> None:
        for key in (method, "*"):
            queue = self._failures.get(key)
            if queue:
                failure = queue[0]
                failure.remaining -= 1
                if failure.remaining <= 0:
                    queue.popleft()
                raise ApiError(failure.error_code, failure.description, failure.parameters)

    async def _serve_file(self, request: web.Request, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._json(ApiError(404, "Not Found").envelope(), 404)
        for info in self._files.values():
            if info["file_path"] == file_path:
                return web.Response(body=info["data"], content_type="application/octet-stream")
        return self._json(ApiError(404, "Not Found").envelope(), 404)

    # ---------------------------------------------------------------- webhook delivery

    async def _webhook_worker(self) -> None:
        attempts = 0
        while not self._closing:
            url = self._webhook["url"]
            if not url or not self._queue or not _is_loopback_url(url):
                if url and self._queue and not _is_loopback_url(url):
                    self._webhook["last_error_message"] = (
                        "FakeTelegramAPI delivers webhooks to loopback hosts only")
                event = self._activity
                assert event is not None
                await event.wait()
                continue
            update = self._queue[0]
            status, error, reply = await self._post_update(url, update)
            self.webhook_deliveries.append(WebhookDelivery(
                update["update_id"], url, status, error, self._webhook.get("secret_token"),
                time.monotonic()))
            if error is None:
                attempts = 0
                if self._queue and self._queue[0] is update:
                    self._queue.pop(0)
                self._notify()
                if isinstance(reply, dict) and isinstance(reply.get("method"), str):
                    await self._run_webhook_reply(reply)
                continue
            attempts += 1
            self._webhook["last_error_date"] = int(time.time())
            self._webhook["last_error_message"] = error
            self._notify()
            if attempts >= self.webhook_max_attempts:
                attempts = 0
                if self._queue and self._queue[0] is update:
                    self.dropped_updates.append(self._queue.pop(0))
            await asyncio.sleep(self.webhook_retry_delay)

    async def _post_update(self, url: str, update: dict) -> tuple[int | None, str | None, Any]:
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        secret = self._webhook.get("secret_token")
        if secret:
            headers[SECRET_HEADER] = secret
        try:
            async with self._session.post(
                url, data=json.dumps(update, ensure_ascii=False).encode(), headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as resp:
                body = await resp.read()
                if not 200 <= resp.status < 300:
                    return resp.status, (
                        f"Wrong response from the webhook: {resp.status} {resp.reason}"), None
                reply = None
                if body.strip() and resp.content_type == "application/json":
                    try:
                        reply = json.loads(body)
                    except ValueError:
                        reply = None
                return resp.status, None, reply
        except TimeoutError:
            return None, "Read timeout expired", None
        except aiohttp.ClientConnectorError:
            return None, "Connection refused", None
        except aiohttp.ClientError as exc:
            return None, f"Connection error: {exc.__class__.__name__}", None

    async def _run_webhook_reply(self, reply: dict) -> None:
        method = reply["method"]
        params = {k: _safe_coerce(k, v) for k, v in reply.items() if k != "method"}
        status, envelope = await self._dispatch(self.token, method, params, {})
        self._record(Call(_CANONICAL.get(method.lower(), method), params, {}, "WEBHOOK-REPLY",
                          "application/json", status, envelope, time.monotonic()))

    # ---------------------------------------------------------------- validation helpers

    def _resolve_chat(self, params: dict, *, check_blocked: bool = True) -> tuple[int, dict]:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str):
            name = chat_id.lstrip("@").lower()
            found = next((c for c in self._chats.values()
                          if str(c.get("username", "")).lower() == name), None)
            if found is None:
                raise bad_request("chat not found")
            chat_id = found["id"]
        if chat_id not in self._chats:
            if self.strict_chats:
                raise bad_request("chat not found")
            self.add_chat(chat_id, first_name="User")
        if check_blocked:
            self._check_blocked(chat_id)
        return chat_id, dict(self._chats[chat_id])

    def _check_blocked(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            if chat_id > 0:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")

    def _formatted(self, text: Any, parse_mode: Any, entities: Any, *, kind: str,
                   limit: int | None, empty_error: str | None) -> tuple[str, list[dict]]:
        """Parse + trim + detect + check length, like the server does with text/captions."""
        text = "" if text is None else str(text)
        if entities:
            if not isinstance(entities, list):
                raise bad_request(f"can't parse {kind} entities JSON object")
            plain, parsed = text, [dict(e) for e in entities]
            for e in parsed:
                if not {"type", "offset", "length"} <= e.keys():
                    raise bad_request(f"can't parse {kind} entities JSON object")
        elif parse_mode:
            mode = str(parse_mode).lower()
            parser = {"html": parse_html, "markdownv2": parse_markdown_v2,
                      "markdown": parse_markdown}.get(mode)
            if parser is None:
                raise bad_request("unsupported parse_mode")
            try:
                plain, parsed = parser(text)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        else:
            plain, parsed = text, []
        plain, parsed = _trim(plain, parsed)
        if not plain and empty_error:
            raise bad_request(empty_error)
        if limit is not None and len(plain) > limit:
            raise bad_request("message is too long" if kind == "text"
                              else "message caption is too long")
        return plain, _merge_detected(plain, parsed)

    def _check_reply_markup(self, markup: Any, *, inline_only: bool = False) -> dict | None:
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of '
                    "Arrays")
            actions = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                       "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                       "copy_text", "callback_game", "pay")
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise bad_request(
                            'can\'t parse inline keyboard button: Field "text" must be of type '
                            "String")
                    if not any(a in button for a in actions):
                        raise bad_request(
                            "can't parse inline keyboard button: Text buttons are unallowed in "
                            "the inline keyboard")
                    if "callback_data" in button:
                        data = button["callback_data"]
                        size = len(str(data).encode("utf-8"))
                        if not isinstance(data, str) or not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                            raise bad_request("BUTTON_DATA_INVALID")
                    if "url" in button:
                        url = str(button["url"])
                        if not re.match(r"(?i)(https?|tg)://\S+$", url):
                            raise bad_request("BUTTON_URL_INVALID")
            return markup
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
            for row in rows:
                for button in row:
                    if not isinstance(button, str | dict) or (
                            isinstance(button, dict) and not isinstance(button.get("text"), str)):
                        raise bad_request("can't parse keyboard button")
            return markup
        if "remove_keyboard" in markup or "force_reply" in markup:
            return markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    def _reply_to(self, chat_id: int, params: dict) -> dict | None:
        reply = params.get("reply_parameters")
        message_id, allow = None, bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply", allow))
            if reply.get("chat_id") not in (None, chat_id):
                other = reply["chat_id"]
                target_chat = other if isinstance(other, int) else chat_id
            else:
                target_chat = chat_id
        else:
            message_id = params.get("reply_to_message_id")
            target_chat = chat_id
        if message_id is None:
            return None
        found = self.message(target_chat, int(message_id))
        if found is None:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        found.pop("reply_to_message", None)
        return found

    def _send(self, method: str, chat_id: int, chat: dict, params: dict, content: dict) -> dict:
        """Finish a send: blocked / flood checks, then the stored Message the API returns."""
        markup = self._check_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        self._check_blocked(chat_id)
        if self.rate_limit is not None and method in RATE_LIMITED_METHODS:
            retry_after = self.rate_limit.check(chat_id, chat["type"] in ("group", "supergroup"))
            if retry_after is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}",
                               {"retry_after": retry_after})
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id), "from": self.bot_user, "chat": chat,
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        if markup is not None:
            if "inline_keyboard" in markup:
                message["reply_markup"] = markup
            elif "keyboard" in markup:
                self._reply_keyboards[chat_id] = markup
            elif "remove_keyboard" in markup:
                self._reply_keyboards[chat_id] = None
        if params.get("has_spoiler"):
            message["has_media_spoiler"] = True
        return self._store(message)

    def _find_own_message(self, params: dict, error: str) -> tuple[int, dict]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat_id, _ = self._resolve_chat(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None or (chat_id, message_id) in self._deleted:
            raise bad_request(error)
        return chat_id, stored

    def _input_file(self, params: dict, files: dict[str, UploadedFile], field: str,
                    ) -> tuple[bytes | None, str | None, dict | None]:
        """(uploaded bytes, filename, existing file info) for a photo/document parameter."""
        value = params.get(field)
        if isinstance(value, UploadedFile):
            return value.data, value.filename, None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://"):])
            if upload is None:
                raise bad_request(f"there is no {field} in the request")
            return upload.data, upload.filename, None
        if isinstance(value, str) and value:
            if value in self._files:
                return None, None, self._files[value]
            if re.match(r"(?i)https?://\S+$", value):
                return JPEG_BYTES, value.rsplit("/", 1)[-1] or "file", None
            raise bad_request("wrong file identifier/HTTP URL specified")
        raise bad_request(f"there is no {field} in the request")

    # ---------------------------------------------------------------- Bot API methods

    async def _m_getme(self, p: dict, files: dict) -> dict:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    async def _m_getupdates(self, p: dict, files: dict) -> list[dict]:
        if self._webhook["url"]:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        limit = p.get("limit") or 100
        limit = min(max(int(limit), 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)
        if "allowed_updates" in p and isinstance(p["allowed_updates"], list):
            self._allowed_updates = [str(x) for x in p["allowed_updates"]]
        self._confirm(p.get("offset"))
        self._poll_seq += 1
        my_seq = self._poll_seq
        self._notify()  # wakes a waiting older request, which then answers 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._queue and not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            event = self._activity
            assert event is not None
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass
            if self._poll_seq != my_seq:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                    "that only one bot instance is running")
            if self._webhook["url"]:
                break
        return copy.deepcopy(self._queue[:limit])

    async def _m_sendmessage(self, p: dict, files: dict) -> dict:
        chat_id, chat = self._resolve_chat(p, check_blocked=False)
        text, entities = self._formatted(p.get("text"), p.get("parse_mode"), p.get("entities"),
                                         kind="text", limit=MAX_TEXT_LENGTH,
                                         empty_error="message text is empty")
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        preview = p.get("link_preview_options")
        if isinstance(preview, dict) and preview:
            content["link_preview_options"] = preview
        return self._send("sendmessage", chat_id, chat, p, content)

    async def _m_sendphoto(self, p: dict, files: dict) -> dict:
        chat_id, chat = self._resolve_chat(p, check_blocked=False)
        data, _, existing = self._input_file(p, files, "photo")
        caption = self._caption(p)
        if existing is not None:
            entry = next((m.get("photo") for msgs in self._messages.values()
                          for m in msgs.values() if m.get("photo") and any(
                              s["file_id"] == existing["file_id"] for s in m["photo"])), None)
            sizes = copy.deepcopy(entry) if entry else [
                {k: existing[k] for k in ("file_id", "file_unique_id", "file_size")}
                | {"width": 800, "height": 600}]
        else:
            assert data is not None
            width, height = _image_size(data) or (800, 600)
            sizes = self._photo_sizes(data, width, height)
        return self._send("sendphoto", chat_id, chat, p, {"photo": sizes, **caption})

    async def _m_senddocument(self, p: dict, files: dict) -> dict:
        chat_id, chat = self._resolve_chat(p, check_blocked=False)
        data, filename, existing = self._input_file(p, files, "document")
        caption = self._caption(p)
        if existing is not None:
            document = {k: existing[k] for k in ("file_id", "file_unique_id", "file_size")}
        else:
            assert data is not None
            upload = p.get("document")
            mime = upload.content_type if isinstance(upload, UploadedFile) else None
            name = filename or "document"
            document = self._register_file(
                data, "documents", name.rsplit(".", 1)[-1] if "." in name else "bin",
                "BQACAgIAAxkBAA", file_name=name, mime_type=mime or "application/octet-stream")
        return self._send("senddocument", chat_id, chat, p, {"document": document, **caption})

    def _caption(self, p: dict) -> dict:
        if p.get("caption") in (None, ""):
            return {}
        caption, entities = self._formatted(p.get("caption"), p.get("parse_mode"),
                                            p.get("caption_entities"), kind="caption",
                                            limit=MAX_CAPTION_LENGTH, empty_error=None)
        out: dict[str, Any] = {}
        if caption:
            out["caption"] = caption
            if entities:
                out["caption_entities"] = entities
        if p.get("show_caption_above_media"):
            out["show_caption_above_media"] = True
        return out

    async def _m_editmessagetext(self, p: dict, files: dict) -> dict:
        chat_id, stored = self._find_own_message(p, "message to edit not found")
        if stored["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        if "text" not in stored:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._formatted(p.get("text"), p.get("parse_mode"), p.get("entities"),
                                         kind="text", limit=MAX_TEXT_LENGTH,
                                         empty_error="message text is empty")
        markup = self._check_reply_markup(p.get("reply_markup"), inline_only=True)
        if (text == stored["text"] and entities == stored.get("entities", [])
                and markup == stored.get("reply_markup")):
            raise ApiError(400, NOT_MODIFIED)
        stored["text"] = text
        _set_or_drop(stored, "entities", entities or None)
        _set_or_drop(stored, "reply_markup", markup)
        stored["edit_date"] = int(time.time())
        return copy.deepcopy(stored)

    async def _m_editmessagecaption(self, p: dict, files: dict) -> dict:
        chat_id, stored = self._find_own_message(p, "message to edit not found")
        if stored["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        if not any(k in stored for k in ("photo", "document", "video", "audio", "animation")):
            raise bad_request("there is no caption in the message to edit")
        caption = self._caption(p)
        markup = self._check_reply_markup(p.get("reply_markup"), inline_only=True)
        if (caption.get("caption") == stored.get("caption")
                and caption.get("caption_entities") == stored.get("caption_entities")
                and markup == stored.get("reply_markup")):
            raise ApiError(400, NOT_MODIFIED)
        _set_or_drop(stored, "caption", caption.get("caption"))
        _set_or_drop(stored, "caption_entities", caption.get("caption_entities"))
        _set_or_drop(stored, "reply_markup", markup)
        stored["edit_date"] = int(time.time())
        return copy.deepcopy(stored)

    async def _m_editmessagereplymarkup(self, p: dict, files: dict) -> dict:
        chat_id, stored = self._find_own_message(p, "message to edit not found")
        if stored["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        markup = self._check_reply_markup(p.get("reply_markup"), inline_only=True)
        if markup == stored.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        _set_or_drop(stored, "reply_markup", markup)
        stored["edit_date"] = int(time.time())
        return copy.deepcopy(stored)

    async def _m_answercallbackquery(self, p: dict, files: dict) -> bool:
        query_id = p.get("callback_query_id")
        if not query_id:
            raise bad_request("query_id is empty" if query_id == "" else
                              "parameter \"callback_query_id\" is required")
        query_id = str(query_id)
        if query_id not in self._open_callbacks:
            raise ApiError(400, QUERY_TOO_OLD)
        text = p.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        self.callback_answers[query_id] = dict(p)
        return True

    async def _m_setmycommands(self, p: dict, files: dict) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad_request("parameter \"commands\" is required" if commands is None
                              else "can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand")
            name = str(command.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description.strip()) <= 256:
                raise bad_request("command description is empty" if not description.strip()
                                  else "BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(p)
        clean = [{"command": c["command"], "description": c["description"]} for c in commands]
        if clean:
            self._commands[key] = clean
        else:
            self._commands.pop(key, None)
        return True

    def _commands_key(self, p: dict) -> tuple[str, str]:
        scope = self._check_scope(p.get("scope"))
        return self._scope_key(scope), str(p.get("language_code") or "")

    def _check_scope(self, scope: Any) -> Any:
        if scope in (None, ""):
            return None
        valid = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators",
                 "chat", "chat_administrators", "chat_member"}
        if not isinstance(scope, dict) or scope.get("type") not in valid:
            raise bad_request("can't parse BotCommandScope")
        needs_chat = scope["type"] in ("chat", "chat_administrators", "chat_member")
        if needs_chat and "chat_id" not in scope:
            raise bad_request("chat_id is empty")
        return None if scope == {"type": "default"} else scope

    async def _m_getmycommands(self, p: dict, files: dict) -> list[dict]:
        key = self._commands_key(p)
        return copy.deepcopy(self._commands.get(key, []))

    async def _m_deletemycommands(self, p: dict, files: dict) -> bool:
        key = self._commands_key(p)
        self._commands.pop(key, None)
        return True

    async def _m_setwebhook(self, p: dict, files: dict) -> Any:
        url = str(p.get("url") or "")
        if not url:
            return await self._m_deletewebhook(p, files)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: Failed to resolve host: Name or service not known"
                              if parts.scheme in ("http", "https") else
                              "bad webhook: An HTTPS URL must be provided for webhook")
        loopback = _is_loopback_url(url)
        if not loopback:
            if parts.scheme != "https":
                raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            if parts.port not in (None, 80, 88, 443, 8443):
                raise bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = p.get("secret_token")
        if secret not in (None, "") and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        max_connections = int(p.get("max_connections") or 40)
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if "allowed_updates" in p and isinstance(p["allowed_updates"], list):
            self._allowed_updates = [str(x) for x in p["allowed_updates"]]
        if p.get("drop_pending_updates"):
            self._queue.clear()
        same = (self._webhook["url"] == url and self._webhook.get("secret_token") == secret
                and self._webhook.get("max_connections") == max_connections)
        self._webhook = {
            "url": url, "secret_token": secret or None, "max_connections": max_connections,
            "has_custom_certificate": "certificate" in p, "ip_address": p.get("ip_address"),
        }
        self._notify()
        return _Described(True, "Webhook is already set" if same else "Webhook was set")

    async def _m_deletewebhook(self, p: dict, files: dict) -> Any:
        was_set = bool(self._webhook["url"])
        self._webhook = {"url": ""}
        if p.get("drop_pending_updates"):
            self._queue.clear()
        self._notify()
        return _Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    async def _m_getwebhookinfo(self, p: dict, files: dict) -> dict:
        hook = self._webhook
        info: dict[str, Any] = {
            "url": hook["url"], "has_custom_certificate": bool(hook.get("has_custom_certificate")),
            "pending_update_count": len(self._queue),
        }
        if hook["url"]:
            for key in ("ip_address", "last_error_date", "last_error_message"):
                if hook.get(key):
                    info[key] = hook[key]
            info["max_connections"] = hook.get("max_connections", 40)
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
        return info

    async def _m_sendpoll(self, p: dict, files: dict) -> dict:
        chat_id, chat = self._resolve_chat(p, check_blocked=False)
        question, question_entities = self._formatted(
            p.get("question"), p.get("question_parse_mode"), p.get("question_entities"),
            kind="question", limit=None, empty_error="poll question must be non-empty")
        if len(question) > POLL_MAX_QUESTION:
            raise bad_request(f"poll question length must not exceed {POLL_MAX_QUESTION}")
        raw_options = p.get("options")
        if not isinstance(raw_options, list):
            raise bad_request("can't parse options JSON object" if raw_options is not None
                              else "poll must have at least 1 option")
        options = []
        for option in raw_options:
            text = option.get("text") if isinstance(option, dict) else option
            if not isinstance(text, str) or not text.strip():
                raise bad_request("poll options must be non-empty")
            if len(text) > POLL_MAX_OPTION_TEXT:
                raise bad_request(f"poll options length must not exceed {POLL_MAX_OPTION_TEXT}")
            options.append({"text": text.strip(), "voter_count": 0,
                            "persistent_id": self._random_id("", 8)})
        if len(options) < POLL_MIN_OPTIONS:
            raise bad_request(f"poll must have at least {POLL_MIN_OPTIONS} option")
        if len(options) > POLL_MAX_OPTIONS:
            raise bad_request(f"poll can't have more than {POLL_MAX_OPTIONS} options")
        poll_type = p.get("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise bad_request("wrong poll type specified")
        correct = p.get("correct_option_ids")
        if correct is None and p.get("correct_option_id") is not None:
            correct = [p["correct_option_id"]]
        if correct is not None and not isinstance(correct, list):
            correct = [correct]
        multiple = bool(p.get("allows_multiple_answers"))
        if poll_type == "quiz":
            if not correct or any(not isinstance(k, int) or not 0 <= k < len(options)
                                  for k in correct):
                raise bad_request("wrong correct option ID specified")
            if len(correct) > 1 and not multiple:
                raise bad_request("wrong correct option ID specified")
        elif correct:
            raise bad_request("correct option IDs can be specified only for quizzes")
        open_period, close_date = p.get("open_period"), p.get("close_date")
        if open_period is not None and close_date is not None:
            raise bad_request("can't use open_period and close_date simultaneously")
        if open_period is not None and not (
                POLL_MIN_OPEN_PERIOD <= int(open_period) <= POLL_MAX_OPEN_PERIOD):
            raise bad_request("wrong open period specified")
        poll_id = str(next(self._poll_ids))
        poll: dict[str, Any] = {
            "id": poll_id, "question": question, "options": options, "total_voter_count": 0,
            "is_closed": bool(p.get("is_closed")),
            "is_anonymous": p.get("is_anonymous", True) is not False,
            "type": poll_type, "allows_multiple_answers": multiple,
            "allows_revoting": bool(p.get("allows_revoting", poll_type != "quiz")),
            "members_only": bool(p.get("members_only")),
        }
        if question_entities:
            poll["question_entities"] = question_entities
        if poll_type == "quiz":
            poll["correct_option_ids"] = list(correct or [])
            if p.get("explanation"):
                explanation, explanation_entities = self._formatted(
                    p.get("explanation"), p.get("explanation_parse_mode"),
                    p.get("explanation_entities"), kind="explanation", limit=None,
                    empty_error=None)
                if len(explanation) > POLL_MAX_EXPLANATION or explanation.count("\n") > 2:
                    raise bad_request("explanation is too long")
                poll["explanation"] = explanation
                if explanation_entities:
                    poll["explanation_entities"] = explanation_entities
        if open_period is not None:
            poll["open_period"] = int(open_period)
            poll["close_date"] = int(time.time()) + int(open_period)
        elif close_date is not None:
            poll["close_date"] = int(close_date)
        message = self._send("sendpoll", chat_id, chat, p, {"poll": poll})
        stored = self._messages[chat_id][message["message_id"]]
        self._polls[poll_id] = {"poll": stored["poll"], "chat_id": chat_id,
                                "message_id": message["message_id"], "votes": {}}
        delay = None
        if open_period is not None:
            delay = int(open_period)
        elif close_date is not None:
            delay = max(0, int(close_date) - int(time.time()))
        if delay is not None and not poll["is_closed"]:
            loop = asyncio.get_running_loop()
            self._timers.append(loop.call_later(delay * self.poll_time_scale,
                                                self._expire_poll, poll_id))
        return message

    def _expire_poll(self, poll_id: str) -> None:
        if not self._closing and poll_id in self._polls:
            self.close_poll(poll_id)

    async def _m_stoppoll(self, p: dict, files: dict) -> dict:
        chat_id, stored = self._find_own_message(p, "message with poll to stop not found")
        if "poll" not in stored:
            raise bad_request("message with poll to stop not found")
        if stored["from"]["id"] != self.bot_id:
            raise bad_request("poll can't be stopped")
        poll = stored["poll"]
        if poll["is_closed"]:
            raise bad_request("poll has already been closed")
        markup = self._check_reply_markup(p.get("reply_markup"), inline_only=True)
        poll["is_closed"] = True
        if markup is not None:
            stored["reply_markup"] = markup
        return copy.deepcopy(poll)

    async def _m_sendchataction(self, p: dict, files: dict) -> bool:
        self._resolve_chat(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _m_deletemessage(self, p: dict, files: dict) -> bool:
        chat_id, _ = self._resolve_chat(p, check_blocked=False)
        message_id = p.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        if (message_id not in self._messages.get(chat_id, {})
                or (chat_id, message_id) in self._deleted):
            raise bad_request("message to delete not found")
        self._deleted.add((chat_id, message_id))
        self._notify()
        return True

    async def _m_getfile(self, p: dict, files: dict) -> dict:
        info = self._files.get(str(p.get("file_id") or ""))
        if info is None:
            raise bad_request("invalid file_id")
        return {k: info[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}

    async def _m_close(self, p: dict, files: dict) -> bool:
        return True

    async def _m_logout(self, p: dict, files: dict) -> bool:
        self._logged_out = True
        return True


def _set_or_drop(target: dict, key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def _safe_coerce(name: str, value: Any) -> Any:
    try:
        return _coerce(name, value)
    except ApiError:
        return value


def _callback_datas(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


def _is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG, if recognisable."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE,
                          0xCF):
                height = int.from_bytes(data[i + 5:i + 7], "big")
                width = int.from_bytes(data[i + 7:i + 9], "big")
                return width, height
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return None
