"""The awareness survey: offered after enough interactions, started by a campaign button
(`survey:<id>`) or /khaosat, answered with buttons, once per period per person.

Each answer is a `survey_answered` event (survey id in `topic`, question id in `item`, the
option id or the 1–5 score in `outcome`); the report reads only those."""

from __future__ import annotations

from bot import surveys
from bot.content.schema_surveys import SCALE, Survey, SurveyQuestion
from bot.conversation.handlers.flows import aside
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.db.events import EventKind
from bot.db.models_survey import SurveyResponse
from bot.kernel.clock import utcnow
from bot.kernel.ids import parse_ids
from bot.kernel.messages import Button, Reply

STEP = "survey"  # answering a survey: typed text is a question on the way


def _menu_row(turn: Turn) -> list[Button]:
    return [turn.button("btn_menu", "menu")]


def question_reply(turn: Turn, survey: Survey, response: SurveyResponse) -> Reply:
    turn.set_step(STEP, survey=survey.id)
    index = response.answered
    question = survey.questions[index]
    text = turn.t(
        "survey_question", number=index + 1, total=len(survey.questions), question=question.text
    )
    if question.kind == "scale":
        text += "\n" + turn.t("survey_scale_hint", low=question.scale_min, high=question.scale_max)
        rows = [[Button(str(v), payload=f"sva:{response.id}.{index}.{v}") for v in SCALE]]
    else:
        rows = [
            [Button(o.label, payload=f"sva:{response.id}.{index}.{i}")]
            for i, o in enumerate(question.options, 1)
        ]
    rows.append([turn.button("btn_survey_later", f"svl:{survey.id}")])
    return Reply(text, buttons=rows)


async def offer(turn: Turn, replies: list[Reply]) -> list[Reply]:
    """After-turn hook: offer the survey once per period, after enough interactions, when
    the person is not in the middle of something else."""
    # Not in the middle of a flow, nor on the turn that just finished one (a filed ticket's
    # confirmation, a quiz result): the person's attention belongs to that answer.
    in_flow = turn.state.step is not None or turn.step_at_start is not None
    if not replies or in_flow or turn.quiet or any(r.quiz for r in replies):
        return replies
    if (
        turn.incoming.channel == "terminal"
    ):  # the editors' content-testing tool: keep it predictable
        return replies
    survey = surveys.offered_survey(turn.content, turn.role)
    if survey is None:
        return replies
    period = surveys.current_period(survey)
    responded, interactions = await surveys.standing(turn.session, survey, period, turn.user_key)
    # This turn's own message is logged but not written yet: it counts too.
    if responded or interactions + turn.logged(EventKind.MESSAGE_IN) < survey.offer_after_interactions:
        return replies
    _, created = await surveys.open_response(
        turn.session, survey, period, turn.user_key, "interactions"
    )
    if not created:
        return replies
    turn.log(EventKind.SURVEY_OFFERED, topic=survey.id, item=period.key, outcome="interactions")
    text = turn.t("survey_offer", title=survey.title, count=len(survey.questions))
    rows = [
        [turn.button("btn_survey_start", f"survey:{survey.id}:offer")],
        [turn.button("btn_survey_later", f"svl:{survey.id}")],
    ]
    return replies + [Reply(text, buttons=rows)]


async def start(turn: Turn, survey: Survey, source: str) -> list[Reply]:
    turn.set_step(None)
    if not surveys.eligible(survey, turn.role):
        return [Reply(turn.t(f"survey_not_for_you_{survey.audience}"), buttons=[_menu_row(turn)])]
    period = surveys.current_period(survey)
    response, _ = await surveys.open_response(
        turn.session,
        survey,
        period,
        turn.user_key,
        "campaign" if source == "campaign" else "command",
    )
    if response.completed_at is not None:
        return [Reply(turn.t("survey_done_already"), buttons=[_menu_row(turn)])]
    replies = []
    if response.started_at is None:
        response.started_at = utcnow()
        turn.log(EventKind.SURVEY_STARTED, topic=survey.id, item=period.key, outcome=source)
        replies.append(Reply(survey.intro))
    return replies + [question_reply(turn, survey, response)]


async def start_payload(turn: Turn, arg: str) -> list[Reply]:
    """`survey:<id>` from a campaign button, `survey:<id>:offer` from the offer."""
    survey_id, _, via = arg.partition(":")
    source = "offer" if via == "offer" else "campaign"
    if survey_id:
        survey = turn.content.survey(survey_id)
        if survey is None or not survey.active:
            return [Reply(turn.t("survey_none"), buttons=[_menu_row(turn)])]
        return await start(turn, survey, source)
    return await _start_for_role(turn, source)


async def start_command(turn: Turn, _: str) -> list[Reply]:
    return await _start_for_role(turn, "command")


async def _start_for_role(turn: Turn, source: str) -> list[Reply]:
    choices = surveys.surveys_for(turn.content, turn.role)
    if not choices:
        return [Reply(turn.t("survey_none"), buttons=[_menu_row(turn)])]
    if len(choices) == 1:
        return await start(turn, choices[0], source)
    rows = [[Button(s.title, payload=f"survey:{s.id}")] for s in choices]
    return [Reply(turn.t("survey_choose"), buttons=rows + [_menu_row(turn)])]


async def later(turn: Turn, _: str) -> list[Reply]:
    if turn.state.step == STEP:
        turn.set_step(None)
    return [Reply(turn.t("survey_later"), buttons=[_menu_row(turn)])]


async def resume(turn: Turn, _: str) -> list[Reply]:
    survey = turn.content.survey((turn.state.data or {}).get("survey", ""))
    if survey is None or not survey.active:
        turn.set_step(None)
        return [Reply(turn.t("survey_none"), buttons=[_menu_row(turn)])]
    return await start(turn, survey, "command")


def _parse_answer(arg: str) -> tuple[int, ...] | None:
    return parse_ids(arg, ".", 3)


def _chosen(question: SurveyQuestion, choice: int) -> tuple[str, float | None] | None:
    """(outcome, value) for the tapped option, or None if it does not exist."""
    if question.kind == "scale":
        return (str(choice), float(choice)) if choice in SCALE else None
    if 1 <= choice <= len(question.options):
        return question.options[choice - 1].id, None
    return None


async def answer(turn: Turn, arg: str) -> list[Reply]:
    parsed = _parse_answer(arg)
    response = await turn.session.get(SurveyResponse, parsed[0]) if parsed else None
    # Someone else's response id (a forwarded or forged button) looks like an old button.
    survey = turn.content.survey(response.survey_id) if response else None
    if survey is None or response is None or parsed is None or response.user_key != turn.user_key:
        return [Reply(turn.t("button_expired"), buttons=[_menu_row(turn)])]
    _, index, choice = parsed
    if response.period != surveys.current_period(survey).key:
        return [Reply(turn.t("survey_expired")), *await start(turn, survey, "command")]
    if response.completed_at is not None:
        return [Reply(turn.t("survey_done_already"), buttons=[_menu_row(turn)])]
    question = survey.questions[index] if index < len(survey.questions) else None
    chosen = _chosen(question, choice) if question else None
    if question is None or chosen is None:
        return [Reply(turn.t("button_expired")), question_reply(turn, survey, response)]
    last = index == len(survey.questions) - 1
    if not await surveys.take_answer(turn.session, response, index, last):
        # A double tap or an old button: the answer was taken already; show where we are.
        if response.completed_at is not None:
            return [Reply(turn.t("survey_done_already"), buttons=[_menu_row(turn)])]
        return [Reply(turn.t("survey_already_recorded")), question_reply(turn, survey, response)]
    outcome, value = chosen
    turn.log(
        EventKind.SURVEY_ANSWERED, topic=survey.id, item=question.id, outcome=outcome, value=value
    )
    if last:
        turn.log(EventKind.SURVEY_COMPLETED, topic=survey.id, item=response.period)
        turn.set_step(None)
        return [Reply(survey.thanks, buttons=[_menu_row(turn)])]
    return [question_reply(turn, survey, response)]


def register(router: Router) -> None:
    router.command("khaosat", start_command, description_key="cmd_survey")
    router.payload("survey", start_payload)
    router.payload("svl", later)
    router.payload("sva", answer)
    router.after_turn(offer)
    router.step(STEP, aside)
    router.flow([STEP], "flow_survey", resume=resume, leave=later)
