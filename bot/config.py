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

    # Feedback (phản ánh, kiến nghị): the Telegram group where staff receive new tickets
    # (a negative chat id such as -1001234567890), and how many tickets one person may
    # file a day.
    feedback_staff_chat_id: str | None = None
    feedback_daily_limit: int = Field(default=3, ge=1)

    # Secret mixed into the pseudonymous user key of engagement events.
    pseudonym_salt: str = "change-me"
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    return Settings()
