"""Settings, read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default=f"sqlite+aiosqlite:///{ROOT / 'data' / 'cchc.sqlite3'}")
    content_dir: Path = ROOT / "content"
    # How often the running bot looks for edited content files (seconds; 0 = never).
    content_poll_seconds: float = 2.0

    web_host: str = "127.0.0.1"
    web_port: int = 8080
    # The web chat (docs/webchat.md, README "Khung chat trên cổng thông tin"): days a
    # browser's conversation is kept; the portal pages allowed to embed the chat (origins
    # such as https://<the portal>, comma-separated; empty: only pages of the bot's own
    # address); server-sent event streams open at once, per browser and for the process.
    webchat_history_days: int = Field(default=30, ge=1)
    webchat_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    webchat_streams_per_session: int = Field(default=4, ge=1)
    webchat_streams_max: int = Field(default=2000, ge=1)
    # Web Push (browser notifications for web-chat visitors): the VAPID key pair made by
    # `cchc-bot web push-keys`, and a contact for the push services (mailto: or https:).
    webpush_vapid_private_key: str | None = None
    webpush_vapid_public_key: str | None = None
    webpush_vapid_subject: str | None = None

    telegram_bot_token: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_base_file_url: str = "https://api.telegram.org/file/bot"

    # Feedback (phản ánh, kiến nghị): the Telegram group where staff receive new tickets
    # (a negative chat id such as -1001234567890), and how many tickets one person may
    # file a day.
    feedback_staff_chat_id: str | None = None
    feedback_daily_limit: int = Field(default=3, ge=1)
    # Zalo Official Account (see README "Connecting the Zalo OA"). The channel is on when
    # the app id, the app secret key and the OA secret key are set.
    zalo_app_id: str | None = None
    zalo_app_secret: str | None = None  # the app's secret key (token refresh)
    zalo_oa_secret_key: str | None = None  # the OA secret key (webhook signatures)
    # The first token pair; the database keeps the current pair after that.
    zalo_access_token: str | None = None
    zalo_refresh_token: str | None = None
    zalo_webhook_path: str = "/zalo/webhook"
    zalo_webhook_max_age: int = 900  # seconds; older (replayed) events are refused
    zalo_api_base_url: str = "https://openapi.zalo.me"
    zalo_oauth_base_url: str = "https://oauth.zaloapp.com"
    # oa.query.show echoes the tapped button's payload in the chat; oa.query.hide does not.
    zalo_button_action: Literal["oa.query.show", "oa.query.hide"] = "oa.query.show"
    zalo_token_refresh_margin: int = 1800  # refresh the access token this long before expiry
    zalo_reply_window_days: int = 7
    zalo_rate_limit_backoff: float = 60.0  # seconds to wait after Zalo's -32 rate limit
    # Our pace for OA API messages, replies and broadcasts together, split between delivery
    # workers (Zalo answers -32 past the OA's limit; lower this if that shows in the log).
    zalo_rate_per_second: float = 10.0
    # Broadcast to followers outside the 7-day reply window: none, or an OA article broadcast.
    zalo_broadcast_fallback: Literal["none", "article"] = "none"
    zalo_article_cover_url: str | None = None
    zalo_broadcast_cities: str | None = None  # Zalo city codes, comma-separated (empty: all)
    # Campaigns and broadcasts (see README "Campaigns and broadcasts").
    scheduler_embedded: bool = True  # `cchc-bot run` also schedules and delivers broadcasts
    telegram_rate_per_second: float = 29.0  # all workers together; Telegram allows about 30
    telegram_chat_interval_seconds: float = 1.0  # Telegram: about one message a second per chat
    quiet_hours: str = "21:00-07:00"  # Asia/Ho_Chi_Minh; no non-urgent pushes then ("" = none)
    broadcast_max_per_day: int = 3  # per person, broadcasts in 24 hours (0 = no cap)
    # Confirming a campaign for this many recipients or more asks a second time (0 = never);
    # a campaign for nobody always does.
    campaign_large_audience: int = Field(default=10_000, ge=0)
    delivery_batch_size: int = 200  # outbox rows a worker claims at once
    delivery_concurrency: int = 16  # sends a worker keeps in flight
    delivery_max_attempts: int = 5  # transient failures before a row is given up
    delivery_lease_seconds: float = 30.0  # a worker silent this long is dead: its rows recovered
    delivery_poll_seconds: float = 1.0  # idle worker: how often to look for work

    # The staff console at /admin (see docs/console.md). The address people reach this app
    # at, e.g. https://chat.example.gov.vn, for the sign-in links sent in chat (unset: the
    # code alone is sent).
    public_url: str | None = None
    console_session_hours: float = Field(default=8.0, gt=0)  # a sign-in lasts at most this long
    console_idle_minutes: float = Field(default=60.0, gt=0)  # …and ends after this long unused
    # Session cookies only over HTTPS. Turn off only to try the console over plain HTTP on
    # a machine of your own (browsers treat http://localhost as secure anyway).
    console_cookie_secure: bool = True
    # Behind a reverse proxy every request comes from the proxy: take the client's address
    # from the last X-Forwarded-For entry instead (for the sign-in rate limit).
    console_trust_forwarded: bool = False
    # Where reports made on the console (/admin/reports) are kept, one folder each.
    console_reports_dir: Path = ROOT / "data" / "reports"

    # Secret mixed into the pseudonymous user key of engagement events.
    pseudonym_salt: str = "change-me"
    # Turns a process handles at once; more wait their turn. Turns are short and share one
    # CPU, so a few at a time answer faster than many interleaved (see the contest bench).
    turn_concurrency: int = Field(default=8, ge=1, le=256)
    log_level: str = "INFO"

    @field_validator("webchat_allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        """Comma-separated in .env (a JSON list also does); each an origin exactly as a
        browser sends it: scheme://host[:port], no path."""
        if isinstance(value, str):
            value = json.loads(value) if value.strip().startswith("[") else value.split(",")
        origins = value
        if not isinstance(origins, list):
            return origins
        out = []
        for origin in origins:
            origin = str(origin).strip().rstrip("/").lower()
            if not origin:
                continue
            if not _ORIGIN.match(origin):
                raise ValueError(f"'{origin}' is not an origin such as https://portal.example")
            out.append(origin)
        return out

    @property
    def webpush_enabled(self) -> bool:
        return bool(self.webpush_vapid_private_key and self.webpush_vapid_public_key and self.webpush_vapid_subject)

    @property
    def zalo_enabled(self) -> bool:
        return bool(self.zalo_app_id and self.zalo_app_secret and self.zalo_oa_secret_key)


@lru_cache
def get_settings() -> Settings:
    return Settings()
