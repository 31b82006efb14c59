"""What every command shares: the global options, the settings they override, logging."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeAlias

from bot.config import Settings, get_settings
from bot.logs import setup_logging

# What `ArgumentParser.add_subparsers` returns, to which each command group adds its parsers.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="thay cho DATABASE_URL")
    parser.add_argument("--content-dir", help="thư mục gói nội dung (mặc định: content/)")


def _settings(args: argparse.Namespace) -> Settings:
    settings = get_settings()
    updates = {}
    if getattr(args, "database_url", None):
        updates["database_url"] = args.database_url
    if getattr(args, "content_dir", None):
        updates["content_dir"] = Path(args.content_dir)
    return settings.model_copy(update=updates) if updates else settings


def configure_logging(args: argparse.Namespace) -> None:
    # The terminal chat is for people reading replies: only warnings and errors there.
    setup_logging("WARNING" if args.command == "chat" else get_settings().log_level)
