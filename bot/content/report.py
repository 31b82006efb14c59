"""Loading `report.yaml`, the wording and document frame of `cchc-bot report`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.content.schema import ReportTemplate

if TYPE_CHECKING:
    from bot.content.loader import _Reader

# Every text the report uses; a pack's report.yaml must give each of them.
REQUIRED_TEXTS = (
    "doc_type", "title", "number", "place_date", "addressee", "recipients_heading",
    "period_quarter", "period_half_1", "period_half_2", "period_year", "period_range", "intro",
    "data_note", "no_data", "none_in_period", "closing", "h_assessment",
    "assessment_placeholder", "col_indicator", "col_current", "col_previous", "col_change",
    "col_no", "total", "points", "table_caption", "chart_caption", "legend_current",
    "legend_previous", "h_reach", "h_reach_channels", "reach_summary", "t_reach", "sheet_reach",
    "col_channel", "col_reached_current", "col_reached_previous", "col_interacting",
    "col_messages_in", "chart_reach", "h_subscribers", "t_subscribers", "sheet_subscribers",
    "row_new_subscribers", "row_subscribers", "row_unsubscribed", "h_campaigns", "t_campaigns",
    "sheet_campaigns", "row_campaigns", "row_delivered", "row_failed", "row_clickers",
    "row_click_through", "no_campaigns", "t_campaign_list", "sheet_campaign_list",
    "campaign_label", "col_campaign", "col_delivered", "col_failed", "col_clickers",
    "col_click_through", "h_questions", "t_questions", "sheet_questions", "row_questions_asked",
    "row_questions_answered", "row_answer_rate", "row_questions_unanswered", "row_topic_views",
    "row_guides_opened", "row_hotline_viewed", "chart_questions", "legend_answered",
    "legend_unanswered", "h_top_topics", "t_top_topics", "sheet_top_topics", "col_topic",
    "col_views", "col_people", "chart_topics", "h_top_questions", "t_top_questions",
    "sheet_top_questions", "col_question", "col_answers", "guide_label", "h_unanswered",
    "t_unanswered", "sheet_unanswered", "col_unanswered", "col_asked", "col_askers",
    "unanswered_note", "h_contest", "t_contest", "sheet_contest", "row_registered",
    "row_participants", "row_units_participating", "row_attempts", "row_practice", "no_contest",
    "contest_units", "t_contest_units", "sheet_contest_units", "col_unit", "col_registered",
    "col_participants", "col_participation", "col_attempts", "col_average", "col_best",
    "chart_contest", "h_feedback", "t_feedback", "sheet_feedback", "row_feedback_filed",
    "row_feedback_answered", "row_feedback_resolved", "row_resolution_hours",
    "t_feedback_categories", "sheet_feedback_categories", "col_category", "col_filed",
    "h_surveys", "surveys_intro", "t_targets", "sheet_targets", "col_target",
    "col_result_current", "col_result_previous", "col_respondents", "col_assessment",
    "target_met", "target_not_met", "target_no_data", "chart_targets", "legend_target",
    "t_survey_funnel", "sheet_survey_funnel", "row_survey_offered", "row_survey_started",
    "row_survey_completed", "t_survey_results", "sheet_survey", "col_question_option",
    "col_share", "scale_level", "row_scale_mean", "fact_title", "fact_period", "fact_from",
    "fact_to", "fact_previous", "fact_events", "fact_source", "sheet_facts"
)


def load_report(r: _Reader, root: Path) -> ReportTemplate | None:
    """The pack's report template, or None when the pack has no report.yaml."""
    from bot.content.loader import ContentIssue

    path = root / "report.yaml"
    if not path.exists():
        return None
    data = r.read(path)
    template = r.model(ReportTemplate, data, path) if data is not None else None
    if template is None:
        return None
    missing = [k for k in REQUIRED_TEXTS if k not in template.texts]
    for key in missing:
        r.issues.append(ContentIssue(r.rel(path), f"texts.{key}", "thiếu câu chữ này"))
    return None if missing else template
