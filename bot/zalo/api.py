"""Calling the OA API: the access token in its header, one retry after a token refresh,
and Zalo's error codes (which come back with HTTP 200) turned into the channel errors
every sender raises."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp

from bot.config import Settings
from bot.kernel.sending import (
    DeliveryError,
    OutsideReplyWindow,
    RateLimited,
    Rejected,
    Uncertain,
    Unreachable,
)
from bot.zalo.tokens import TokenManager

log = logging.getLogger(__name__)

CS_MESSAGE = "/v3.0/oa/message/cs"  # reply ("tư vấn") messages to one person
BROADCAST = "/v2.0/oa/message"  # article broadcast to followers by target
ARTICLE_CREATE = "/v2.0/article/create"
ARTICLE_VERIFY = "/v2.0/article/verify"

TOKEN_INVALID = {-216, -220, -124}
NOT_FOLLOWER = -213
OUTSIDE_WINDOW = {-230, -232}
RATE_LIMITED = -32
QUOTA_EXCEEDED = -211
QUOTA_BACKOFF = 3600.0
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


class NotFollower(Unreachable):
    """The person does not follow the OA (or unfollowed it)."""


def error_for(code: int, message: str, settings: Settings) -> DeliveryError:
    text = f"zalo error {code}: {message}"
    if code == NOT_FOLLOWER:
        return NotFollower(text)
    if code in OUTSIDE_WINDOW:
        return OutsideReplyWindow(text)
    if code == RATE_LIMITED:
        return RateLimited(settings.zalo_rate_limit_backoff, text)
    if code == QUOTA_EXCEEDED:
        return RateLimited(QUOTA_BACKOFF, text)
    if code in TOKEN_INVALID:
        return DeliveryError(text)  # still refused after a refresh: try again later
    return Rejected(text)


class ZaloClient:
    def __init__(
        self,
        settings: Settings,
        tokens: TokenManager,
        http: Callable[[], Awaitable[aiohttp.ClientSession]],
    ) -> None:
        self.settings, self.tokens, self._http = settings, tokens, http
        self.base = settings.zalo_api_base_url.rstrip("/")

    async def post(self, path: str, body: dict) -> dict:
        """POST to the API; returns `data` of a successful answer or raises a
        DeliveryError subclass. A refused token is refreshed and the call tried once more."""
        token = await self.tokens.access_token()
        answer = await self._post(path, body, token)
        if answer.get("error") in TOKEN_INVALID:
            log.info("zalo refused the access token; refreshing", extra={"error": answer.get("error")})
            token = await self.tokens.refresh(stale=token)
            answer = await self._post(path, body, token)
        code = answer.get("error", 0)
        if code:
            raise error_for(int(code), str(answer.get("message", "")), self.settings)
        data = answer.get("data")
        return data if isinstance(data, dict) else {}

    async def _post(self, path: str, body: dict, token: str) -> dict:
        session = await self._http()
        try:
            async with session.post(self.base + path, json=body, headers={"access_token": token}) as resp:
                if resp.status == 429:
                    raise RateLimited(self.settings.zalo_rate_limit_backoff, "zalo HTTP 429")
                if resp.status >= 500:
                    raise DeliveryError(f"zalo HTTP {resp.status}")
                answer = await resp.json(content_type=None)
        except _NOT_SENT as exc:  # the request never left this machine: safe to retry
            raise DeliveryError(f"zalo unreachable: {type(exc).__name__}") from exc
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # Lost after the request left (timeout, disconnect, unreadable answer): Zalo may
            # have taken it, and it has no idempotency key.
            raise Uncertain(f"zalo answer lost: {type(exc).__name__}") from exc
        if not isinstance(answer, dict):
            raise DeliveryError("zalo answer not an object")
        try:
            answer["error"] = int(answer.get("error", 0) or 0)
        except (TypeError, ValueError):
            raise DeliveryError("zalo answer without an error code") from None
        return answer
