"""A Web Push service on 127.0.0.1, as a browser vendor runs one (RFC 8030), for tests.

It hands out subscriptions the way a browser's `pushManager.subscribe()` does — an
endpoint URL, and the browser's P-256 public key and auth secret, whose private halves
stay here — and for each push it receives it checks what a real push service and
browser check:
  * `TTL` (RFC 8030): present, a whole number of seconds;
  * `Content-Encoding: aes128gcm` (RFC 8188) and the body's size (at most 4096 bytes);
  * `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292): the JWT signed ES256 by
    that key, its `aud` this service's origin, `exp` in the future and within 24 hours,
    `sub` a mailto: or https: contact; `k` the application server key the browser
    subscribed with, when one is given;
then decrypts the body with the subscription's private key and auth secret (RFC 8291,
`http_ece`) and keeps the plaintext. A push that fails a check is answered 400 and kept
in `refused` with the reason.

Answers can be scripted per subscription (`answer_next`: 404, 410, 429, 500…), and held
(`gate`, or from the push after `hold_after` on): the push is already accepted and recorded,
as a real service would have it, while the answer waits."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

_VAPID = re.compile(r"^vapid t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Browser:
    """One subscription: the browser's keys (private half kept) and what it received."""

    name: str
    key: ec.EllipticCurvePrivateKey
    auth: bytes
    received: list[dict] = field(default_factory=list)  # decrypted payloads, accepted (2xx)
    answers: list[tuple[int, dict]] = field(default_factory=list)  # scripted, oldest first

    def public(self) -> str:
        return b64url(self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                         serialization.PublicFormat.UncompressedPoint))


class FakePushService:
    def __init__(self, application_server_key: str | None = None) -> None:
        self.application_server_key = application_server_key
        self.browsers: dict[str, Browser] = {}
        self.refused: list[tuple[str, str]] = []
        self.attempts: dict[str, int] = defaultdict(int)  # pushes received, whatever the answer
        self.gate = asyncio.Event()
        self.gate.set()
        self.held = 0
        self.hold_after: int | None = None  # hold answers from the push after this many on
        self.accepted = 0
        self.origin = ""
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> FakePushService:
        app = web.Application()
        app.router.add_post("/push/{name}", self._push)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.origin = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_: object) -> None:
        self.gate.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def subscribe(self, name: str | None = None) -> dict:
        """A new browser's subscription, as `PushSubscription.toJSON()` gives it."""
        name = name or secrets.token_hex(8)
        browser = Browser(name, ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16))
        self.browsers[name] = browser
        return {"endpoint": f"{self.origin}/push/{name}", "expirationTime": None,
                "keys": {"p256dh": browser.public(), "auth": b64url(browser.auth)}}

    def answer_next(self, name: str, status: int, times: int = 1, **headers: str) -> None:
        self.browsers[name].answers.extend([(status, headers)] * times)

    def received(self, name: str) -> list[dict]:
        return self.browsers[name].received

    def _check_vapid(self, header: str) -> str | None:
        match = _VAPID.match(header)
        if match is None:
            return "Authorization is not 'vapid t=…, k=…'"
        token, key = match.groups()
        if self.application_server_key and key != self.application_server_key:
            return "k is not the application server key the browser subscribed with"
        try:
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
            head, claims, signature = token.split(".")
            if json.loads(b64url_decode(head)) != {"typ": "JWT", "alg": "ES256"}:
                return "JWT header is not ES256"
            raw = b64url_decode(signature)
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
            public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
            body = json.loads(b64url_decode(claims))
        except InvalidSignature:
            return "JWT signature does not verify"
        except ValueError as exc:
            return f"JWT unreadable: {exc}"
        now = time.time()
        if body.get("aud") != self.origin:
            return f"aud {body.get('aud')!r} is not {self.origin}"
        if not isinstance(body.get("exp"), int) or not now < body["exp"] <= now + 24 * 3600:
            return "exp is not within the next 24 hours"
        if not str(body.get("sub", "")).startswith(("mailto:", "https:")):
            return "sub is not a mailto: or https: contact"
        return None

    async def _push(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        browser = self.browsers.get(name)
        if browser is None:
            return web.Response(status=404)
        self.attempts[name] += 1
        body = await request.read()
        problem = None
        if not request.headers.get("TTL", "").isdigit():
            problem = "TTL missing or not a number of seconds"
        elif request.headers.get("Content-Encoding") != "aes128gcm":
            problem = f"Content-Encoding is {request.headers.get('Content-Encoding')!r}, not aes128gcm"
        elif len(body) > 4096:
            problem = "body larger than 4096 bytes"
        else:
            problem = self._check_vapid(request.headers.get("Authorization", ""))
        if problem is None:
            try:
                plain = http_ece.decrypt(body, private_key=browser.key, auth_secret=browser.auth, version="aes128gcm")
                payload = json.loads(plain)
            except Exception as exc:
                problem = f"payload does not decrypt: {type(exc).__name__} {exc}"
        if problem is not None:
            self.refused.append((name, problem))
            return web.Response(status=400, text=problem)
        if browser.answers:
            status, headers = browser.answers.pop(0)
            if status >= 300:
                return web.Response(status=status, headers=headers)
        browser.received.append(payload)
        self.accepted += 1
        if self.hold_after is not None and self.accepted > self.hold_after:
            self.gate.clear()
        if not self.gate.is_set():
            self.held += 1
            await self.gate.wait()
        return web.Response(status=201, headers={"Location": f"{self.origin}/message/{secrets.token_hex(6)}"})
