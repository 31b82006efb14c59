"""A question typed in the middle of a form (feedback, contest registration, survey,
campaign composer): answered, and the form kept, with "continue" and "leave" in the same
message. Each form marks its steps with `router.flow(...)`; its step handlers call `aside`
when what was typed is not an answer to the step."""

from __future__ import annotations

from bot.conversation.handlers.ask import answer
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.kernel.messages import Reply


async def aside(turn: Turn, text: str) -> list[Reply]:
    step, data = turn.state.step, dict(turn.state.data or {})
    flow = turn.services.router.flows.get(step or "")
    replies = await answer(turn, text, besides=flow.intent if flow else None)
    if flow is None or turn.state.step not in (None, step):  # it started another form: that one goes on
        return replies
    turn.state.step, turn.state.data = step, data
    name = turn.t(flow.name_key)
    rows = [[turn.button("btn_flow_resume", "flow:resume", flow=name)], [turn.button("btn_flow_leave", "flow:leave")]]
    last = replies[-1] if replies else Reply("")
    text = "\n\n".join(t for t in (last.text, turn.t("flow_aside", flow=name)) if t)
    return [*replies[:-1], Reply(text, buttons=rows + last.buttons, answer_id=last.answer_id, score=last.score)]


async def resume(turn: Turn, _: str) -> list[Reply]:
    flow = turn.services.router.flows.get(turn.state.step or "")
    if flow is None:
        return [Reply(turn.t("button_expired"), buttons=[[turn.button("btn_menu", "menu")]])]
    return await flow.resume(turn, "")


async def leave(turn: Turn, _: str) -> list[Reply]:
    flow = turn.services.router.flows.get(turn.state.step or "")
    if flow is None:
        turn.set_step(None)
        return [Reply(turn.t("cancel_done"), buttons=[[turn.button("btn_menu", "menu")]])]
    return await flow.leave(turn, "")


async def choose(turn: Turn, arg: str) -> list[Reply]:
    return await (resume(turn, "") if arg == "resume" else leave(turn, ""))


def register(router: Router) -> None:
    router.payload("flow", choose)

