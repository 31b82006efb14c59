"""Section of the report on surveys: the province's targets a survey question measures
(the share of answers that count as meeting each, against the target, with a chart), each
survey's funnel (offered, started, completed) against the previous period, and every
survey's answers, question by question."""

from __future__ import annotations

from collections.abc import Callable

from bot.content.schema_surveys import Survey, SurveyQuestion
from bot.db.events import EventKind as K
from bot.reports.cells import Percent, as_percent, as_score
from bot.reports.drafting import Drafter
from bot.reports.figures import PeriodFigures
from bot.reports.outline import Chart


class SurveysSection(Drafter):
    """Surveys and the province's targets."""

    def surveys(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_surveys")
        targets = [(s, q, q.target) for s in self.pack.surveys for q in s.questions if q.target]
        rows: list[list] = []
        chart_rows: list[Percent | None] = []
        for i, (survey, q, target) in enumerate(targets, 1):
            now, answered = _target_share(cur, survey, q)
            before, _ = _target_share(prev, survey, q)
            if now is None:
                verdict = t("target_no_data")
            else:
                verdict = (
                    t("target_met") if now * 100 >= target.percent - 1e-9 else t("target_not_met")
                )
            rows.append(
                [
                    i,
                    target.indicator,
                    Percent(target.percent / 100),
                    now,
                    before,
                    answered,
                    verdict,
                ]
            )
            chart_rows.append(now)
        self.para("surveys_intro")
        self.table(
            t("sheet_targets"),
            t("t_targets", year=max((target.year for _, _, target in targets), default="")),
            [
                t("col_no"),
                t("col_indicator"),
                t("col_target"),
                t("col_result_current"),
                t("col_result_previous"),
                t("col_respondents"),
                t("col_assessment"),
            ],
            rows,
            widths=[1.0, 4.8, 1.6, 1.6, 1.5, 1.4, 1.7],
            chart=Chart(
                "targets",
                t("chart_targets"),
                [r[1] for r in rows],
                [
                    (t("legend_current"), [r[3] for r in rows]),
                    (t("legend_previous"), [r[4] for r in rows]),
                ],
                percent=True,
                targets=[r[2] for r in rows],
                target_legend=t("legend_target"),
            )
            if any(r is not None for r in chart_rows)
            else None,
        )
        funnel: list[tuple[str, float | None, float | None]] = []
        for s in self.pack.surveys:
            for kind, key in (
                (K.SURVEY_OFFERED, "row_survey_offered"),
                (K.SURVEY_STARTED, "row_survey_started"),
                (K.SURVEY_COMPLETED, "row_survey_completed"),
            ):
                funnel.append(
                    (
                        t(key, survey=s.title),
                        cur.survey_funnel.get((kind, s.id), 0),
                        prev.survey_funnel.get((kind, s.id), 0),
                    )
                )
        self.compare("sheet_survey_funnel", "t_survey_funnel", funnel)
        for n, survey in enumerate(self.pack.surveys, 1):
            self._survey_results(n, survey)

    def _survey_results(self, n: int, survey: Survey) -> None:
        t = self.t
        answers = self.cur.survey_answers.get(survey.id, {})
        rows: list[list] = []
        bold: set[int] = set()
        for q in survey.questions:
            counts = answers.get(q.id, {})
            total = sum(counts.values())
            bold.add(len(rows))
            rows.append([q.text, total, None])
            for outcome, label in _options(q, t):
                rows.append(
                    [
                        f"    {label}",
                        counts.get(outcome, 0),
                        as_percent(counts.get(outcome, 0) / total if total else None),
                    ]
                )
            known = {o for o, _ in _options(q, t)}
            for outcome in sorted(set(counts) - known):  # an option since removed from content
                rows.append([f"    {outcome}", counts[outcome], as_percent(counts[outcome] / total)])
            if q.kind == "scale":
                mean = (
                    (sum(int(o) * c for o, c in counts.items() if o.isdigit()) / total)
                    if total
                    else None
                )
                rows.append([f"    {t('row_scale_mean')}", None, as_score(mean)])
        self.table(
            t("sheet_survey", n=n),
            t("t_survey_results", survey=survey.title),
            [t("col_question_option"), t("col_answers"), t("col_share")],
            rows,
            widths=[8.0, 1.6, 1.6],
            bold_rows=bold,
        )


def _options(q: SurveyQuestion, t: Callable[..., str]) -> list[tuple[str, str]]:
    if q.kind == "scale":
        return [
            ("1", t("scale_level", level=1, meaning=f" ({q.scale_min})")),
            *((str(v), t("scale_level", level=v, meaning="")) for v in (2, 3, 4)),
            ("5", t("scale_level", level=5, meaning=f" ({q.scale_max})")),
        ]
    return [(o.id, o.label) for o in q.options]


def _target_share(
    f: PeriodFigures, survey: Survey, q: SurveyQuestion
) -> tuple[Percent | None, int]:
    assert q.target is not None  # asked only for a question that measures a target
    counts = f.survey_answers.get(survey.id, {}).get(q.id, {})
    total = sum(counts.values())
    if not total:
        return None, 0
    return Percent(sum(counts.get(o, 0) for o in q.target.options) / total), total
