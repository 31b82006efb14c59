"""Section of the report on questions: questions asked, answered and not, topic and guide
views against the previous period, then the most viewed topics, the most given answers,
and the questions the bot could not answer (asked by several people, and scrubbed of
anything that could identify someone: `scrub`)."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.db.events import EventKind as K
from bot.reports.cells import as_percent, vn_number
from bot.reports.drafting import Drafter
from bot.reports.figures import UNANSWERED_MIN_PEOPLE
from bot.reports.outline import Chart

# Whatever could identify someone in a question typed to the bot: e-mail addresses, links,
# and runs of 3+ digits (phone numbers, ID and dossier numbers).
_SENSITIVE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|\d[\d .-]{1,}\d")


def scrub(text: str) -> str:
    return _SENSITIVE.sub("***", text).strip()


class QuestionsSection(Drafter):
    """Questions, topics and guides."""

    def questions(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_questions")
        self.compare(
            "sheet_questions",
            "t_questions",
            [
                (t("row_questions_asked"), cur.questions_asked, prev.questions_asked),
                (t("row_questions_answered"), cur.questions_answered, prev.questions_answered),
                (t("row_answer_rate"), as_percent(cur.answer_rate), as_percent(prev.answer_rate)),
                (
                    t("row_questions_unanswered"),
                    cur.count(K.QUESTION_UNANSWERED),
                    prev.count(K.QUESTION_UNANSWERED),
                ),
                (
                    t("row_topic_views"),
                    cur.count(K.TOPIC_VIEWED) + cur.count(K.MESSAGE_VIEWED),
                    prev.count(K.TOPIC_VIEWED) + prev.count(K.MESSAGE_VIEWED),
                ),
                (t("row_guides_opened"), cur.count(K.GUIDE_OPENED), prev.count(K.GUIDE_OPENED)),
                (
                    t("row_hotline_viewed"),
                    cur.count(K.HOTLINE_VIEWED),
                    prev.count(K.HOTLINE_VIEWED),
                ),
            ],
            chart=Chart(
                "bars",
                t("chart_questions"),
                [t("legend_previous"), t("legend_current")],
                [
                    (t("legend_answered"), [prev.questions_answered, cur.questions_answered]),
                    (
                        t("legend_unanswered"),
                        [prev.count(K.QUESTION_UNANSWERED), cur.count(K.QUESTION_UNANSWERED)],
                    ),
                ],
                stacked=True,
            )
            if cur.questions_asked or prev.questions_asked
            else None,
        )

        self.heading("h_top_topics", 2)
        self._ranked(
            "sheet_top_topics",
            "t_top_topics",
            cur.top_topics,
            self._topic_name,
            [t("col_no"), t("col_topic"), t("col_views"), t("col_people")],
            people=True,
            chart_key="chart_topics",
            short=self._topic_short,
        )
        self.heading("h_top_questions", 2)
        self._ranked(
            "sheet_top_questions",
            "t_top_questions",
            cur.top_answers,
            self._answer_name,
            [t("col_no"), t("col_question"), t("col_answers")],
        )
        self.heading("h_unanswered", 2)
        # As a person typed it (diacritics and all); the folded form only for questions
        # logged before wordings were kept.
        as_typed = [replace(r, key=r.wording or r.key) for r in cur.unanswered]
        self._ranked(
            "sheet_unanswered",
            "t_unanswered",
            as_typed,
            scrub,
            [t("col_no"), t("col_unanswered"), t("col_asked"), t("col_askers")],
            people=True,
        )
        if cur.unanswered:
            self.para("unanswered_note", italic=True, people=vn_number(UNANSWERED_MIN_PEOPLE))

    def _topic_name(self, topic_id: str) -> str:
        topic = self.pack.topic(topic_id)
        return topic.title if topic else self.name(topic_id)

    def _topic_short(self, topic_id: str) -> str:
        topic = self.pack.topic(topic_id)
        return topic.short_title if topic else self.name(topic_id)

    def _answer_name(self, entry_id: str) -> str:
        entry, guide = self.pack.faq_entry(entry_id), self.pack.guide(entry_id)
        if entry:
            return entry.question
        return self.t("guide_label", title=guide.title) if guide else self.name(entry_id)
