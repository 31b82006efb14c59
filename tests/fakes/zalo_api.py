"""A local fake of the Zalo Official Account API, faithful to the wire format the bot uses.

It serves, on one aiohttp app (base URL for both ZALO_API_BASE_URL and ZALO_OAUTH_BASE_URL):
- POST /v4/oa/access_token — header `secret_key`, form refresh_token/app_id/grant_type;
  each refresh token works once; errors come back as HTTP 200 with error_name/description.
- POST /v3.0/oa/message/cs — header `access_token`; text ≤ 2,000 characters, at most five
  template buttons; errors as HTTP 200 with a non-zero `error`: -216 unknown token, -220
  expired token, -213 not a follower, -230 no interaction within 7 days, -32 rate limit,
  -211 quota, -201 bad parameters. Within 48 hours of an interaction the first 8 replies are
  free ("reply"); others spend the OA's monthly quota ("sub_quota").
- POST /v2.0/article/create, /v2.0/article/verify, /v2.0/oa/message (article broadcast).

And it plays the people: `user_says`, `user_sends_image`, `follow`… sign events the way
Zalo does and POST them to the bot's webhook (`push` can send duplicates, forged
signatures or stale timestamps). Everything sent is recorded in `sent`; its own clock
(`advance`) lets tests move time for tokens and the reply window."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

MAX_TEXT = 2000
MAX_BUTTONS = 5
MAX_TITLE = 100
BUTTON_TYPES = {"oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.sms", "oa.open.phone"}
WINDOW = 7 * 24 * 3600
FREE_WINDOW = 48 * 3600
FREE_REPLIES = 8


@dataclass
class FakeUser:
    user_id: str
    following: bool = True
    last_interaction: float | None = None
    free_left: int = 0


@dataclass
class Sent:
    user_id: str
    message: dict
    quota_type: str
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return self.message.get("text", "")

    @property
    def buttons(self) -> list[dict]:
        payload = (self.message.get("attachment") or {}).get("payload") or {}
        return payload.get("buttons") or []


@dataclass
class FakeZaloOA:
    app_id: str = "3624810000000000001"
    app_secret: str = "fake-app-secret"
    oa_secret_key: str = "fake-oa-secret-key"
    oa_id: str = "1800000000000000001"
    access_ttl: int = 90000  # seconds, as Zalo's "expires_in"
    refresh_delay: float = 0.0  # widen the window of a refresh race
    revoke_on_refresh: bool = False  # whether a refresh kills the previous access token
    max_requests_per_second: int | None = None
    cs_quota: int = 100_000
    broadcast_quota: int = 4
    send_delay: float = 0.0  # a slow API, to see what happens while an answer is on its way
    send_gate: asyncio.Event | None = None  # when given, sends wait until it is set

    webhook_url: str | None = None
    users: dict[str, FakeUser] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)  # (user_id, error) of refused sends
    refreshes: list[tuple[str, bool]] = field(default_factory=list)  # (refresh token, accepted)
    broadcasts: list[dict] = field(default_factory=list)
    articles: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._offset = 0.0
        self._access: dict[str, float] = {}  # token -> expiry (fake clock)
        self._refresh: dict[str, bool] = {}  # token -> still unused
        self._calls: list[float] = []
        self._article_tokens: dict[str, str] = {}
        self._msg_ids = itertools.count(1)
        self._by_user: dict[str, list[Sent]] = {}
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.base_url = ""

    # ---- time and tokens -------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def issue_pair(self) -> tuple[str, str]:
        access, refresh = "at-" + secrets.token_urlsafe(24), "rt-" + secrets.token_urlsafe(24)
        self._access[access] = self.now() + self.access_ttl
        self._refresh[refresh] = True
        return access, refresh

    def expire_access_tokens(self) -> None:
        for token in self._access:
            self._access[token] = self.now() - 1

    @property
    def accepted_refreshes(self) -> int:
        return sum(ok for _, ok in self.refreshes)

    # ---- server ----------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v4/oa/access_token", self._refresh_token)
        app.router.add_post("/v3.0/oa/message/cs", self._cs)
        app.router.add_post("/v2.0/article/create", self._article_create)
        app.router.add_post("/v2.0/article/verify", self._article_verify)
        app.router.add_post("/v2.0/oa/message", self._broadcast)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._client = aiohttp.ClientSession()
        return self.base_url

    async def close(self) -> None:
        if self._client:
            await self._client.close()
        if self._runner:
            await self._runner.cleanup()

    @staticmethod
    def _error(code: int, message: str) -> web.Response:
        return web.json_response({"error": code, "message": message})

    def _token_error(self, request: web.Request) -> web.Response | None:
        token = request.headers.get("access_token", "")
        if token not in self._access:
            return self._error(-216, "Access token is invalid")
        if self._access[token] <= self.now():
            return self._error(-220, "Access token has expired")
        return None

    def _rate_limited(self) -> bool:
        if not self.max_requests_per_second:
            return False
        now = time.monotonic()
        self._calls = [t for t in self._calls if now - t < 1.0]
        if len(self._calls) >= self.max_requests_per_second:
            return True
        self._calls.append(now)
        return False

    async def _refresh_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        token = str(form.get("refresh_token", ""))
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            self.refreshes.append((token, False))
            return web.json_response(
                {
                    "error_name": "Invalid app",
                    "error_reason": "app_id or secret_key is wrong",
                    "error_description": "Invalid app id or secret key",
                    "error": -14002,
                }
            )
        if form.get("grant_type") != "refresh_token" or not self._refresh.get(token):
            self.refreshes.append((token, False))
            return web.json_response(
                {
                    "error_name": "Invalid refresh token",
                    "error_reason": "refresh token is invalid, expired or already used",
                    "error_description": "Refresh token is invalid",
                    "error": -14014,
                }
            )
        self._refresh[token] = False  # one use only, decided before the slow part
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        if self.revoke_on_refresh:
            self._access.clear()
        access, refresh = self.issue_pair()
        self.refreshes.append((token, True))
        return web.json_response({"access_token": access, "refresh_token": refresh, "expires_in": str(self.access_ttl)})

    def _invalid_message(self, message: object) -> str | None:
        if not isinstance(message, dict):
            return "message is required"
        text = message.get("text")
        attachment = message.get("attachment")
        if text is None and attachment is None:
            return "message needs text or attachment"
        if text is not None and (not isinstance(text, str) or not text.strip()):
            return "text must be a non-empty string"
        if isinstance(text, str) and len(text) > MAX_TEXT:
            return f"text exceeds {MAX_TEXT} characters"
        if attachment is None:
            return None
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        if attachment.get("type") != "template" or not isinstance(payload, dict):
            return "unsupported attachment"
        if payload.get("template_type") == "media":
            elements = payload.get("elements") or []
            # Zalo fetches the image itself: only an http(s) address will do.
            ok = (len(elements) == 1 and elements[0].get("media_type") == "image"
                  and re.match(r"https?://\S+$", str(elements[0].get("url") or "")))
            return None if ok else "media template needs one image URL"
        buttons = payload.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
            return f"a template takes 1 to {MAX_BUTTONS} buttons"
        for b in buttons:
            if b.get("type") not in BUTTON_TYPES or not b.get("title") or len(b["title"]) > MAX_TITLE:
                return "invalid button"
            p = b.get("payload")
            if b["type"] in ("oa.query.show", "oa.query.hide") and not (isinstance(p, str) and 0 < len(p) <= 1000):
                return "query button payload must be a string of at most 1000 characters"
            if b["type"] == "oa.open.url" and not (isinstance(p, dict) and p.get("url")):
                return "url button needs payload.url"
            if b["type"] == "oa.open.phone" and not (isinstance(p, dict) and p.get("phone_code")):
                return "phone button needs payload.phone_code"
        return None

    async def _cs(self, request: web.Request) -> web.Response:
        if (refused := self._token_error(request)) is not None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            return self._error(-201, "Body is not valid JSON")
        user_id = str((body.get("recipient") or {}).get("user_id", ""))
        if self.send_delay:
            await asyncio.sleep(self.send_delay)
        if self.send_gate is not None:
            await self.send_gate.wait()
        if self._rate_limited():
            self.refused.append((user_id, -32))
            return self._error(-32, "The request rate per minute of this OA exceeded the limit")
        if (problem := self._invalid_message(body.get("message"))) is not None:
            self.refused.append((user_id, -201))
            return self._error(-201, f"Parameters are invalid: {problem}")
        user = self.users.get(user_id)
        if user is None or not user.following:
            self.refused.append((user_id, -213))
            return self._error(-213, "User has not followed the OA")
        age = self.now() - user.last_interaction if user.last_interaction is not None else None
        if age is None or age > WINDOW:
            self.refused.append((user_id, -230))
            return self._error(-230, "User has not interacted with the OA in the last 7 days")
        if age <= FREE_WINDOW and user.free_left > 0:
            user.free_left -= 1
            quota_type = "reply"
        elif self.cs_quota > 0:
            self.cs_quota -= 1
            quota_type = "sub_quota"
        else:
            self.refused.append((user_id, -211))
            return self._error(-211, "Out of quota")
        sent = Sent(user_id, body["message"], quota_type)
        self.sent.append(sent)
        self._by_user.setdefault(user_id, []).append(sent)
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {
                    "message_id": f"m{next(self._msg_ids)}",
                    "user_id": user_id,
                    "quota": {"quota_type": quota_type},
                },
            }
        )

    async def _article_create(self, request: web.Request) -> web.Response:
        if (refused := self._token_error(request)) is not None:
            return refused
        body = await request.json()
        cover = body.get("cover") or {}
        if (
            body.get("type") != "normal"
            or not body.get("title")
            or not cover.get("photo_url")
            or not body.get("body")
            or len(body.get("author", "")) > 50
            or len(body["title"]) > 150
        ):
            return self._error(-201, "Parameters are invalid")
        token = secrets.token_hex(8)
        self._article_tokens[token] = f"article-{len(self.articles) + 1}"
        self.articles[self._article_tokens[token]] = body
        return web.json_response({"error": 0, "message": "Success", "data": {"token": token}})

    async def _article_verify(self, request: web.Request) -> web.Response:
        if (refused := self._token_error(request)) is not None:
            return refused
        token = (await request.json()).get("token")
        if token not in self._article_tokens:
            return self._error(-201, "Invalid token")
        return web.json_response({"error": 0, "message": "Success", "data": {"id": self._article_tokens[token]}})

    async def _broadcast(self, request: web.Request) -> web.Response:
        if (refused := self._token_error(request)) is not None:
            return refused
        body = await request.json()
        elements = ((body.get("message") or {}).get("attachment") or {}).get("payload", {}).get("elements") or []
        target = (body.get("recipient") or {}).get("target")
        if not target or len(elements) != 1 or elements[0].get("attachment_id") not in self.articles:
            return self._error(-201, "Parameters are invalid")
        if self.broadcast_quota <= 0:
            return self._error(-211, "Out of broadcast quota")
        self.broadcast_quota -= 1
        followers = sorted(u.user_id for u in self.users.values() if u.following)
        self.broadcasts.append({"article_id": elements[0]["attachment_id"], "target": target, "reached": followers})
        return web.json_response({"error": 0, "message": "Success", "data": {"message_id": f"b{len(self.broadcasts)}"}})

    # ---- people ----------------------------------------------------------------------
    def user(self, user_id: str) -> FakeUser:
        return self.users.setdefault(user_id, FakeUser(user_id))

    def _interacted(self, user_id: str) -> None:
        user = self.user(user_id)
        user.last_interaction = self.now()
        user.free_left = FREE_REPLIES

    @staticmethod
    def _stamp() -> str:
        return str(int(time.time() * 1000))  # Zalo stamps events with the wall clock

    def message_event(self, user_id: str, name: str, message: dict) -> dict:
        return {
            "app_id": self.app_id,
            "user_id_by_app": "app-" + user_id,
            "event_name": name,
            "timestamp": self._stamp(),
            "sender": {"id": user_id},
            "recipient": {"id": self.oa_id},
            "message": {"msg_id": secrets.token_hex(16), **message},
        }

    def signature(self, body: bytes, event: dict, secret: str | None = None) -> str:
        data = self.app_id.encode() + body + str(event["timestamp"]).encode() + (secret or self.oa_secret_key).encode()
        return "mac=" + hashlib.sha256(data).hexdigest()

    async def push(
        self, event: dict, *, times: int = 1, secret: str | None = None, signature: str | None = None
    ) -> list[int]:
        """POST an event to the bot as Zalo does (signed), `times` times; the statuses."""
        body = json.dumps(event, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "X-ZEvent-Signature": signature or self.signature(body, event, secret),
        }
        statuses = []
        for _ in range(times):
            async with self._client.post(self.webhook_url, data=body, headers=headers) as resp:
                statuses.append(resp.status)
        return statuses

    async def user_says(self, user_id: str, text: str, *, times: int = 1) -> list[int]:
        self._interacted(user_id)
        return await self.push(self.message_event(user_id, "user_send_text", {"text": text}), times=times)

    async def user_taps(self, user_id: str, button: dict) -> list[int]:
        """A tap on a query button: Zalo sends its payload as the user's text."""
        assert button["type"] in ("oa.query.show", "oa.query.hide"), button
        return await self.user_says(user_id, button["payload"])

    async def user_sends_image(self, user_id: str, url: str, caption: str | None = None) -> list[int]:
        self._interacted(user_id)
        message = {"attachments": [{"type": "image", "payload": {"thumbnail": url, "url": url}}]}
        if caption:
            message["text"] = caption
        return await self.push(self.message_event(user_id, "user_send_image", message))

    async def user_sends_sticker(self, user_id: str) -> list[int]:
        self._interacted(user_id)
        message = {
            "attachments": [
                {
                    "type": "sticker",
                    "payload": {
                        "id": "a5b1c3",
                        "url": "https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=a5b1c3",
                    },
                }
            ]
        }
        return await self.push(self.message_event(user_id, "user_send_sticker", message))

    def follow_event(self, user_id: str, name: str = "follow") -> dict:
        return {
            "app_id": self.app_id,
            "oa_id": self.oa_id,
            "user_id_by_app": "app-" + user_id,
            "event_name": name,
            "timestamp": self._stamp(),
            "source": "oa_profile",
            "follower": {"id": user_id},
        }

    async def follow(self, user_id: str, *, times: int = 1) -> list[int]:
        self.user(user_id).following = True
        self._interacted(user_id)
        return await self.push(self.follow_event(user_id), times=times)

    async def unfollow(self, user_id: str, *, times: int = 1) -> list[int]:
        self.user(user_id).following = False
        return await self.push(self.follow_event(user_id, "unfollow"), times=times)

    def messages_to(self, user_id: str) -> list[Sent]:
        return list(self._by_user.get(user_id, ()))


class ZaloChat:
    """One person on Zalo talking to the bot through the fake, read like `tests.conftest.Chat`:
    `await chat.send("…")`, `await chat.tap("…")`, then look at `chat.last` / `chat.text`."""

    def __init__(self, fake: FakeZaloOA, channel, user_id: str = "8417213025061394802") -> None:
        self.fake, self.channel, self.user_id = fake, channel, user_id
        self._mark = 0

    @property
    def last(self) -> list[Sent]:
        """Everything the person received since their last action (pushes included)."""
        return self.fake.messages_to(self.user_id)[self._mark :]

    async def _after(self, push) -> list[Sent]:
        self._mark = len(self.fake.messages_to(self.user_id))
        statuses = await push
        assert all(s == 200 for s in statuses), statuses
        await self.channel.drain()
        return self.last

    async def send(self, text: str, times: int = 1) -> list[Sent]:
        return await self._after(self.fake.user_says(self.user_id, text, times=times))

    async def tap(self, label_part: str) -> list[Sent]:
        for button in self.buttons():
            if label_part in button["title"] and button["type"].startswith("oa.query"):
                return await self._after(self.fake.user_taps(self.user_id, button))
        raise AssertionError(f"no button with {label_part!r} in {[b['title'] for b in self.buttons()]}")

    async def follow(self) -> list[Sent]:
        return await self._after(self.fake.follow(self.user_id))

    def buttons(self) -> list[dict]:
        return [b for sent in self.last for b in sent.buttons]

    def labels(self) -> list[str]:
        return [b["title"] for b in self.buttons()]

    @property
    def text(self) -> str:
        return "\n".join(sent.text for sent in self.last)
