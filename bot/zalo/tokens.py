"""The OA's access token: kept in the database, refreshed before it expires and when Zalo
says it is no longer valid, and never refreshed by two processes at once.

Each refresh token works once. Two processes refreshing with the same one would leave
one of them (and, if its answer is the one stored, everyone) locked out. So a refresh
takes the token row's lock first — a row lock on PostgreSQL, the single writer lock on
SQLite, both taken by the first UPDATE of the transaction — then looks again: if another
process already refreshed, its new token is used and Zalo is not asked."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.db.models_zalo import ZaloToken
from bot.db.session import Database
from bot.kernel.clock import utcnow
from bot.kernel.sending import DeliveryError

log = logging.getLogger(__name__)

REFRESH_PATH = "/v4/oa/access_token"
REFRESH_TOKEN_LIFETIME = timedelta(days=90)  # Zalo: a refresh token lives three months
SEEDED_ACCESS_LIFETIME = timedelta(hours=1)  # age unknown: refresh soon, which also checks the pair


class TokenError(DeliveryError):
    """No usable token: none stored yet, or Zalo refused the refresh token (the operator
    must set a new pair: `cchc-bot zalo token set`)."""


@dataclass(frozen=True)
class TokenStatus:
    access_expires_at: datetime
    refresh_expires_at: datetime | None
    refreshed_at: datetime | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenManager:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        http: Callable[[], Awaitable[aiohttp.ClientSession]],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db, self.settings, self._http, self.clock = db, settings, http, clock
        self.app_id = settings.zalo_app_id or ""
        self.margin = timedelta(seconds=settings.zalo_token_refresh_margin)
        self._cached: tuple[str, datetime] | None = None
        self._local = asyncio.Lock()  # one refresh at a time inside this process

    def _fresh(self, expires_at: datetime) -> bool:
        return expires_at - self.margin > self.clock()

    async def access_token(self) -> str:
        """A token to call the API with, refreshed first if it is about to expire."""
        if self._cached and self._fresh(self._cached[1]):
            return self._cached[0]
        async with self.db.session() as session:
            row = await session.get(ZaloToken, self.app_id)
        if row is None:
            raise TokenError("no Zalo token pair stored: set ZALO_ACCESS_TOKEN/ZALO_REFRESH_TOKEN")
        if self._fresh(row.access_expires_at):
            self._cached = (row.access_token, row.access_expires_at)
            return row.access_token
        return await self.refresh(stale=row.access_token)

    async def refresh(self, stale: str | None, *, force: bool = False) -> str:
        """Replace `stale` (the token Zalo refused, or the one about to expire) with a new
        one — unless another process already did, then use theirs. `force`: refresh anyway."""
        try:
            return await self._refresh(stale, force)
        except SQLAlchemyError as exc:  # e.g. SQLite busy past its timeout: try again later
            log.error("zalo token store unavailable", extra={"error": type(exc).__name__})
            raise TokenError("token store unavailable") from exc

    async def _refresh(self, stale: str | None, force: bool) -> str:
        async with self._local:
            if not force and self._cached and self._cached[0] != stale and self._fresh(self._cached[1]):
                return self._cached[0]
            async with self.db.session() as session:
                # The lock: the first write of the transaction (see the module docstring).
                await session.execute(
                    update(ZaloToken).where(ZaloToken.app_id == self.app_id).values(updated_at=utcnow())
                )
                row = (
                    await session.execute(
                        select(ZaloToken)
                        .where(ZaloToken.app_id == self.app_id)
                        .execution_options(populate_existing=True)
                    )
                ).scalar_one_or_none()
                if row is None:
                    raise TokenError("no Zalo token pair stored")
                if not force and row.access_token != stale and self._fresh(row.access_expires_at):
                    await session.commit()
                    log.info("zalo token already refreshed by another process")
                    self._cached = (row.access_token, row.access_expires_at)
                    return row.access_token
                access, refresh, lifetime = await self._ask_zalo(row.refresh_token)
                now = utcnow()
                row.access_token, row.refresh_token = access, refresh
                row.access_expires_at = now + lifetime
                row.refresh_expires_at = now + REFRESH_TOKEN_LIFETIME
                row.refreshed_at = now
                await session.commit()
            log.info("zalo access token refreshed", extra={"expires_in": int(lifetime.total_seconds())})
            self._cached = (access, now + lifetime)
            return access

    async def _ask_zalo(self, refresh_token: str) -> tuple[str, str, timedelta]:
        url = self.settings.zalo_oauth_base_url.rstrip("/") + REFRESH_PATH
        form = {
            "refresh_token": refresh_token,
            "app_id": self.app_id,
            "grant_type": "refresh_token",
        }
        session = await self._http()
        try:
            async with session.post(
                url,
                data=form,
                headers={"secret_key": self.settings.zalo_app_secret or ""},
                timeout=aiohttp.ClientTimeout(total=8),
            ) as resp:
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # Zalo may have used up the refresh token without us hearing the answer.
            log.error(
                "zalo token refresh got no answer; if it keeps failing set a new pair",
                extra={"error": type(exc).__name__},
            )
            raise TokenError("token refresh failed: no answer") from exc
        if not isinstance(body, dict) or not body.get("access_token") or not body.get("refresh_token"):
            # Zalo reports OAuth failures with error_name/error_description, often with HTTP 200.
            detail = body if isinstance(body, dict) else {}
            log.critical(
                "zalo refused the refresh token; set a new pair with `cchc-bot zalo token set`",
                extra={
                    "error": detail.get("error"),
                    "error_name": detail.get("error_name"),
                    "error_description": detail.get("error_description"),
                },
            )
            raise TokenError(f"token refresh refused: {detail.get('error_name') or detail.get('error')}")
        try:
            lifetime = timedelta(seconds=int(body.get("expires_in") or 90000))  # Zalo sends a string
        except (TypeError, ValueError):
            lifetime = timedelta(seconds=90000)
        return body["access_token"], body["refresh_token"], lifetime

    async def store(
        self,
        access_token: str,
        refresh_token: str,
        *,
        seed_hash: str | None = None,
        access_lifetime: timedelta = SEEDED_ACCESS_LIFETIME,
    ) -> None:
        """Put a pair the operator obtained in the database, replacing any stored one
        (with `seed_hash`: unless that very pair was stored already)."""
        now = utcnow()
        values = dict(
            app_id=self.app_id,
            access_token=access_token,
            refresh_token=refresh_token,
            access_expires_at=now + access_lifetime,
            refresh_expires_at=now + REFRESH_TOKEN_LIFETIME,
            seed_hash=seed_hash,
            refreshed_at=None,
            updated_at=now,
        )
        dialect = postgresql if not self.db.is_sqlite else sqlite
        statement = dialect.insert(ZaloToken).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[ZaloToken.app_id],
            set_={k: v for k, v in values.items() if k != "app_id"},
            # Two processes starting together must not put back a pair one of them has
            # already refreshed (and so used up).
            where=ZaloToken.seed_hash.is_distinct_from(seed_hash) if seed_hash else None,
        )
        async with self.db.session() as session:
            await session.execute(statement)
            await session.commit()
        self._cached = None

    async def seed_from_settings(self) -> bool:
        """Store the settings' pair if the database has none, or if it is a new pair the
        operator put there since (never the same one twice: it was used up long ago)."""
        access, refresh = self.settings.zalo_access_token, self.settings.zalo_refresh_token
        if not access or not refresh:
            return False
        seed = _hash(refresh)
        async with self.db.session() as session:
            row = await session.get(ZaloToken, self.app_id)
        if row is not None and row.seed_hash == seed:
            return False
        await self.store(access, refresh, seed_hash=seed)
        log.info("zalo token pair taken from the settings")
        return True

    async def status(self) -> TokenStatus | None:
        async with self.db.session() as session:
            row = await session.get(ZaloToken, self.app_id)
        if row is None:
            return None
        return TokenStatus(row.access_expires_at, row.refresh_expires_at, row.refreshed_at)
