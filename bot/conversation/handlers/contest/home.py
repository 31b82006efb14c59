"""The contest entry point: which contests there are, and one contest's card with what
this person can do next (register, correct, start or resume, standings, practice)."""

from __future__ import annotations

from bot.content.schema_quiz import Contest
from bot.contest import attempts
from bot.contest.window import Window, window
from bot.conversation.handlers.contest.common import (
    contest_of,
    contests_by_relevance,
    now,
    registration_of,
    status_line,
    unit_name,
    window_line,
)
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.kernel.messages import Button, Reply


async def contest_home(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    pairs = await contests_by_relevance(turn)
    practice = [turn.button("ct_btn_practice", "practice")] if turn.content.practice else []
    if not pairs:
        rows = [practice] if practice else []
        rows.append([turn.button("btn_subscribe", "sub:all"), turn.button("btn_menu", "menu")])
        return [Reply(turn.t("contest_info"), buttons=rows)]
    if len(pairs) == 1:
        return await card(turn, pairs[0][0], pairs[0][1])
    rows = [[Button(turn.t("ct_list_item", name=c.name, status=turn.t(f"ct_short_{w.status(now(turn))}")),
                    payload=f"ct:{c.id}")] for c, w in pairs]
    if practice:
        rows.append(practice)
    rows.append([turn.button("btn_menu", "menu")])
    return [Reply(turn.t("ct_list_title"), buttons=rows)]


async def show_contest(turn: Turn, contest_id: str) -> list[Reply]:
    turn.set_step(None)
    contest = contest_of(turn, contest_id)
    if contest is None:
        return [Reply(turn.t("ct_unknown")), *await contest_home(turn, "")]
    return await card(turn, contest, await window(turn.session, contest))


async def card(turn: Turn, contest: Contest, w: Window) -> list[Reply]:
    status = w.status(now(turn))
    lines = [turn.t("ct_card_title", name=contest.name), turn.t("ct_organiser", organiser=contest.organiser),
             window_line(turn, w),
             turn.t("ct_format", questions=contest.questions_per_attempt, seconds=contest.seconds_per_question,
                    attempts=contest.attempts_allowed, counts=turn.t(f"ct_counts_{contest.counts}")),
             "", status_line(turn, w)]
    rows: list[list[Button]] = []
    reg = await registration_of(turn, contest)
    if reg is None:
        if status != "closed":
            lines.append(turn.t("ct_not_registered"))
            rows.append([turn.button("ct_btn_register", f"ctreg:{contest.id}")])
    else:
        lines.append(turn.t("ct_registered_as", name=reg.full_name or turn.t("ct_erased_name"),
                            unit=unit_name(turn, reg.unit_id), position=reg.position or "–"))
        used = await attempts.attempts_used(turn.session, attempts.CONTEST, contest.id, turn.user.id)
        running = await attempts.active(turn.session, attempts.CONTEST, contest.id, turn.user.id)
        lines.append(turn.t("ct_attempts_used", used=used, allowed=contest.attempts_allowed))
        if running is not None and not attempts.expired(running, now(turn)):
            rows.append([turn.button("ct_btn_resume", f"qnext:{running.id}")])
        elif status == "open" and used < contest.attempts_allowed:
            rows.append([turn.button("ct_btn_start", f"ctgo:{contest.id}", number=used + 1)])
        if used == 0 and status != "closed":
            rows.append([turn.button("ct_btn_edit", f"ctreg:{contest.id}")])
    rows.append([turn.button("ct_btn_rules", f"ctrules:{contest.id}")])
    rows.append([turn.button("ct_btn_ranking", f"ctrank:{contest.id}"),
                 turn.button("ct_btn_unit_ranking", f"ctu:{contest.id}")])
    if turn.content.practice:
        rows.append([turn.button("ct_btn_practice", "practice")])
    rows.append([turn.button("btn_menu", "menu")])
    return [Reply("\n".join(lines), buttons=rows)]


async def rules(turn: Turn, contest_id: str) -> list[Reply]:
    contest = contest_of(turn, contest_id)
    if contest is None:
        return [Reply(turn.t("ct_unknown")), *await contest_home(turn, "")]
    text = turn.t("ct_rules", name=contest.name, rules=contest.rules, seconds=contest.seconds_per_question)
    return [Reply(text, buttons=[[turn.button("btn_back", f"ct:{contest.id}"), turn.button("btn_menu", "menu")]])]


def register(router: Router) -> None:
    router.payload("contest", contest_home)
    router.intent("contest", contest_home)
    router.command("cuocthi", contest_home, description_key="cmd_contest")
    router.payload("ct", show_contest)
    router.payload("ctrules", rules)
