"""Step-by-step guidance for online, one-stop and postal public services."""

from __future__ import annotations

from bot.content.schema import Guide, filled
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.kernel.messages import Button, Reply


async def list_guides(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    rows = [[Button(g.title, payload=f"guide:{g.id}")] for g in turn.content.guides]
    rows.append([turn.button("btn_menu", "menu")])
    return [Reply(turn.t("guides_title"), buttons=rows)]


def render_guide(turn: Turn, guide: Guide) -> str:
    unfilled = turn.t("guide_unfilled")
    lines = [turn.t("guide_heading", title=guide.title), guide.summary, ""]
    lines.append(turn.t("guide_agency", agency=filled(guide.agency) or unfilled))
    ways = [("guide_online", guide.where.online), ("guide_one_stop", guide.where.one_stop),
            ("guide_post", guide.where.post)]
    ways = [(k, filled(v)) for k, v in ways if filled(v)]
    if ways:
        lines.append(turn.t("guide_where"))
        lines += [turn.t(k, text=v) for k, v in ways]
    documents = [d for d in guide.documents if filled(d)]
    steps = [s for s in guide.steps if filled(s)]
    lines += ["", turn.t("guide_documents"), *(f"• {d}" for d in documents)]
    lines += ["", turn.t("guide_steps"), *(f"{i}. {s}" for i, s in enumerate(steps, 1))]
    lines += ["", turn.t("guide_fee", fee=filled(guide.fee) or unfilled)]
    lines.append(turn.t("guide_time", time=filled(guide.processing_time) or unfilled))
    legal = [x for x in guide.legal_basis if filled(x)]
    if legal:
        lines.append(turn.t("guide_legal", legal="; ".join(legal)))
    return "\n".join(lines)


async def show_guide(turn: Turn, guide_id: str) -> list[Reply]:
    guide = turn.content.guide(guide_id)
    if guide is None:
        return [Reply(turn.t("guide_unknown")), *await list_guides(turn, "")]
    turn.log(EventKind.GUIDE_OPENED, item=guide.id)
    rows = [[turn.button("btn_other_guides", "guides"), turn.button("btn_menu", "menu")]]
    return [Reply(render_guide(turn, guide), buttons=rows, answer_id=guide.id)]


def register(router: Router) -> None:
    router.payload("guides", list_guides)
    router.payload("guide", show_guide)
