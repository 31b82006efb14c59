"""Free-text questions: the catch-all that runs when nothing else claimed the message."""

from __future__ import annotations

from bot.conversation.handlers.guides import show_guide
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.faq.answerer import MAX_QUESTION
from bot.faq.gaps import logged_question
from bot.kernel.messages import Button, Reply


async def prompt(turn: Turn, _: str) -> list[Reply]:
    turn.set_step(None)
    return [Reply(turn.t("ask_prompt"), buttons=[[turn.button("btn_menu", "menu")]])]


def _faq_reply(turn: Turn, entry_id: str, score: float | None) -> list[Reply]:
    entry = turn.content.faq_entry(entry_id)
    if entry is None:
        return [Reply(turn.t("faq_unknown"), buttons=[[turn.button("btn_menu", "menu")]])]
    text = entry.answer
    if entry.source:
        text += "\n\n" + turn.t("answer_source", source=entry.source)
    rows = []
    guide = turn.content.guide(entry.guide) if entry.guide else None
    if guide:
        rows.append([Button(guide.title, payload=f"guide:{entry.guide}")])
    rows.append([turn.button("btn_ask", "ask"), turn.button("btn_menu", "menu")])
    return [Reply(text, buttons=rows, answer_id=entry.id, score=score)]


async def show_faq(turn: Turn, entry_id: str) -> list[Reply]:
    turn.log(EventKind.QUESTION_ANSWERED, item=entry_id, outcome="chosen")
    return _faq_reply(turn, entry_id, None)


async def answer(turn: Turn, text: str, *, besides: str | None = None) -> list[Reply]:
    """Free text: an intent (chit-chat, or a request to do something), else a question.
    `besides`: an intent not to carry out (the form the person is already in)."""
    router = turn.services.router
    actions = frozenset(a for a in router.intents if a != besides)
    understood = turn.services.content.answerer.understand(text, actions, router.detectors)
    if understood.intent is not None:
        intent = understood.intent.intent
        turn.log(EventKind.INTENT_MATCHED, item=intent.id, outcome=intent.action)
        handler = router.intents[intent.action]
        arg = intent.reply if intent.action == "chitchat" else text
        assert arg is not None  # the loader requires a chit-chat intent's reply
        return await handler(turn, arg)
    result = understood.answer
    note = [Reply(turn.t("question_too_long"))] if len(text) > MAX_QUESTION else []
    if result.best is not None:
        best = result.best
        turn.log(EventKind.QUESTION_ANSWERED, item=best.id, outcome=best.kind, value=best.score)
        if best.kind == "guide":
            replies = await show_guide(turn, best.id)
            replies[-1].score = best.score
            return note + replies
        return note + _faq_reply(turn, best.id, best.score)
    # Unsure: logged and counted, so `cchc-bot content gaps` (and the console) show editors
    # where content is missing — the normalised question in `item` (reports group on it),
    # and the question as typed, personal data masked, in `wording` (shown and quoted).
    top = result.ranked[0].score if result.ranked else 0.0
    turn.log(EventKind.QUESTION_UNANSWERED, item=result.normalised or "-", outcome=result.outcome,
             value=top, wording=logged_question(text) or None)
    if result.candidates:
        rows = [[Button(c.title, payload=f"{c.kind}:{c.id}")] for c in result.candidates]
        key = "did_you_mean" if len(rows) > 1 else "did_you_mean_one"
        return note + [Reply(turn.t(key), buttons=rows + help_rows(turn))]
    return note + [Reply(turn.t("not_sure"), buttons=help_rows(turn))]


def help_rows(turn: Turn) -> list[list[Button]]:
    """Where the bot sends someone it could not answer: the hotlines, filing feedback, the menu."""
    return [[turn.button("btn_hotline_short", "hotline"), turn.button("btn_feedback_new", "fb")],
            [turn.button("btn_menu", "menu")]]


async def chitchat(turn: Turn, reply_key: str) -> list[Reply]:
    """A short friendly reply; after a complaint about an answer, where to get a person."""
    rows = help_rows(turn) if reply_key == "chitchat_upset" else [[turn.button("btn_menu", "menu")]]
    return [Reply(turn.t(reply_key), buttons=rows)]


def register(router: Router) -> None:
    router.payload("ask", prompt)
    router.payload("faq", show_faq)
    router.command("hoidap", prompt)
    router.intent("chitchat", chitchat)
    router.fallback = answer
