"""Web Push: browser notifications for web-chat visitors who allow them.

The page subscribes its browser with the push service of that browser (Chrome's, Firefox's…)
and hands the server the subscription (an endpoint URL and two keys); a message sent
outside a turn is then also posted there, encrypted for that browser (RFC 8291, content
encoding aes128gcm) and signed with the server's VAPID key (RFC 8292), by `pywebpush`.

What the push service answers decides what happens (`PushOutcome`): 201 sent; 404 or 410
the subscription is gone and is dropped; 429 and 5xx nothing was delivered — the caller
retries later (`RateLimited`, `DeliveryError`); no answer at all after the request went
out: it may have been delivered (uncertain). One subscription per session, so one push
per message."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable
from enum import StrEnum

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.config import Settings
from bot.db.models_web import WebPushSubscription
from bot.db.session import Database
from bot.kernel.clock import utcnow
from bot.kernel.sending import DeliveryError, RateLimited

log = logging.getLogger(__name__)

TTL = 7 * 24 * 3600  # seconds the push service keeps a message for a browser that is offline
TIMEOUT = 20.0  # seconds for one push request
BODY_CHARS = 180  # the notification's text: the start of the message
URL = "/"  # the chat page, which shows the message in the conversation

# What a browser's push subscription looks like: an https endpoint and two base64url keys.
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
MAX_ENDPOINT = 1024


class PushOutcome(StrEnum):
    NONE = "none"  # the session has no subscription (or it was just found gone)
    SENT = "sent"
    UNCERTAIN = "uncertain"  # the request went out and no answer came back


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def vapid_keys() -> tuple[str, str]:
    """A new VAPID key pair (P-256): the private key (base64url of its 32 bytes) and the
    public key (base64url of the uncompressed point, the "application server key" the
    browser subscribes with)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.UncompressedPoint)
    return _b64url(private), _b64url(public)


def public_key_of(private_key: str) -> str:
    """The public key that goes with a private key made by `vapid_keys`."""
    vapid = Vapid.from_string(private_key=private_key)
    public = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.UncompressedPoint)
    return _b64url(public)


def valid_subscription(value: object) -> tuple[str, str, str] | None:
    """(endpoint, p256dh, auth) of a subscription as the browser gives it; None when it is
    not one."""
    if not isinstance(value, dict):
        return None
    endpoint, keys = value.get("endpoint"), value.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        return None
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not endpoint.startswith(("https://", "http://")) or len(endpoint) > MAX_ENDPOINT:
        return None
    for key, limit in ((p256dh, 128), (auth, 64)):
        if not isinstance(key, str) or not key or len(key) > limit or not _B64URL.match(key):
            return None
    return endpoint, str(p256dh), str(auth)


def summary(replies: list[dict]) -> str:
    text = " ".join(" ".join(str(r.get("text") or "").split()) for r in replies).strip()
    return text if len(text) <= BODY_CHARS else text[:BODY_CHARS - 1].rstrip() + "…"


class WebPush:
    """Subscriptions and sending. `title()` gives the notification's title (the bot's name
    from the content pack)."""

    def __init__(self, db: Database, settings: Settings, title: Callable[[], str]) -> None:
        self.db, self.title = db, title
        self.enabled = settings.webpush_enabled
        self.public_key = settings.webpush_vapid_public_key if self.enabled else None
        self.subject = settings.webpush_vapid_subject or ""
        self._vapid = Vapid.from_string(private_key=settings.webpush_vapid_private_key) if self.enabled else None
        self._http: aiohttp.ClientSession | None = None
        if self.enabled and settings.webpush_vapid_private_key and \
                public_key_of(settings.webpush_vapid_private_key) != self.public_key:
            log.error("WEBPUSH_VAPID_PUBLIC_KEY does not match WEBPUSH_VAPID_PRIVATE_KEY: browsers will refuse "
                      "the notifications; make a new pair with `cchc-bot webpush keys`")

    async def subscribe(self, session: str, endpoint: str, p256dh: str, auth: str) -> None:
        values = {"session": session, "endpoint": endpoint, "p256dh": p256dh, "auth": auth, "created_at": utcnow()}
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        statement = insert(WebPushSubscription).values(**values).on_conflict_do_update(
            index_elements=["session"], set_={k: v for k, v in values.items() if k != "session"})
        async with self.db.serialised(), self.db.engine.begin() as conn:
            await conn.execute(statement)

    async def unsubscribe(self, session: str, endpoint: str | None = None) -> None:
        statement = delete(WebPushSubscription).where(WebPushSubscription.session == session)
        if endpoint is not None:
            statement = statement.where(WebPushSubscription.endpoint == endpoint)
        async with self.db.serialised(), self.db.engine.begin() as conn:
            await conn.execute(statement)

    async def push(self, session: str, replies: list[dict]) -> PushOutcome:
        """Notify the session's browser of `replies`, if it subscribed. Raises
        `RateLimited` or a transient `DeliveryError` when nothing was delivered and it is
        worth trying again."""
        if self._vapid is None:
            return PushOutcome.NONE
        async with self.db.engine.connect() as conn:
            found = (await conn.execute(select(WebPushSubscription).where(
                WebPushSubscription.session == session))).first()
        if found is None:
            return PushOutcome.NONE
        payload = json.dumps({"title": self.title(), "body": summary(replies), "url": URL}, ensure_ascii=False)
        info = {"endpoint": found.endpoint, "keys": {"p256dh": found.p256dh, "auth": found.auth}}
        try:
            await webpush_async(info, payload, vapid_private_key=self._vapid, vapid_claims={"sub": self.subject},
                                ttl=TTL, timeout=TIMEOUT, aiohttp_session=self._session())
        except WebPushException as exc:
            return await self._refused(session, found.endpoint, exc)
        except aiohttp.ClientConnectorError as exc:  # never connected: nothing went out
            raise DeliveryError(f"push service unreachable: {exc}"[:160]) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("push request without an answer", extra={"error": type(exc).__name__})
            return PushOutcome.UNCERTAIN
        return PushOutcome.SENT

    async def _refused(self, session: str, endpoint: str, exc: WebPushException) -> PushOutcome:
        status = exc.response.status if exc.response is not None else 0
        if status in (404, 410):
            log.info("push subscription gone; dropped", extra={"status": status})
            await self.unsubscribe(session, endpoint)
            return PushOutcome.NONE
        if status == 429:
            retry = exc.response.headers.get("Retry-After", "") if exc.response is not None else ""
            raise RateLimited(float(retry) if retry.isdigit() else 60.0, "push service rate limit")
        if status >= 500:
            raise DeliveryError(f"push service error {status}")
        # 400, 401/403 (the VAPID key or subject refused), 413: trying again cannot help.
        log.error("push refused", extra={"status": status, "reason": str(exc)[:200]})
        return PushOutcome.NONE

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
