"""`cchc-bot`: run the bot, chat in the terminal, migrate, validate and reload content, manage
staff, evaluate and benchmark the question answerer, list and mark content gaps.

One module per command group, each with `register(subparsers)` adding its parsers; the
commands' own imports stay inside them, so that starting `cchc-bot chat` loads only what chat
needs."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from bot.cli import campaign, console, content, contest, faq, feedback, places, report, run, staff, web, zalo
from bot.cli.common import add_global_options, configure_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cchc-bot", description="Trợ lý tuyên truyền cải cách hành chính")
    add_global_options(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    run.register(sub)
    content.register(sub)
    faq.register(sub)
    places.register(sub)
    staff.register(sub)
    report.register(sub)
    feedback.register(sub)
    zalo.register(sub)
    web.register(sub)
    campaign.register(sub)
    run.register_processes(sub)
    contest.register(sub)
    console.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args)
    try:
        command: Callable[[argparse.Namespace], int] = args.func  # set by each command's parser
        return command(args)
    except BrokenPipeError:  # `cchc-bot faq eval | head`: the reader left; so do we, quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
