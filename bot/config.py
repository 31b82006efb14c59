"""Settings, read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default=f"sqlite+aiosqlite:///{ROOT / 'data' / 'cchc.sqlite3'}")
    content_dir: Path = ROOT / "content"

    web_host: str = "127.0.0.1"
    web_port: int = 8080

    telegram_bot_token: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_base_file_url: str = "https://api.telegram.org/file/bot"

    # Campaigns and broadcasts (see README "Campaigns and broadcasts").
    scheduler_embedded: bool = True  # `cchc-bot run` also schedules and delivers broadcasts
    telegram_rate_per_second: float = 29.0  # all workers together; Telegram allows about 30
    telegram_chat_interval_seconds: float = 1.0  # Telegram: about one message a second per chat
    quiet_hours: str = "21:00-07:00"  # Asia/Ho_Chi_Minh; no non-urgent pushes then ("" = none)
    broadcast_max_per_day: int = 3  # per person, broadcasts in 24 hours (0 = no cap)
    delivery_batch_size: int = 200  # outbox rows a worker claims at once
    delivery_concurrency: int = 16  # sends a worker keeps in flight
    delivery_max_attempts: int = 5  # transient failures before a row is given up
    delivery_lease_seconds: float = 30.0  # a worker silent this long is dead: its rows recovered
    delivery_poll_seconds: float = 1.0  # idle worker: how often to look for work

    # Secret mixed into the pseudonymous user key of engagement events.
    pseudonym_salt: str = "change-me"
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    return Settings()
