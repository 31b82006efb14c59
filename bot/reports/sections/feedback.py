"""Section of the report on feedback tickets: filed, answered, resolved and the hours to
resolve against the previous period, then tickets filed by category."""

from __future__ import annotations

from bot.db.events import EventKind as K
from bot.reports.cells import as_score
from bot.reports.drafting import Drafter


class FeedbackSection(Drafter):
    """Feedback tickets."""

    def feedback(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_feedback")
        self.compare(
            "sheet_feedback",
            "t_feedback",
            [
                (
                    t("row_feedback_filed"),
                    cur.count(K.FEEDBACK_FILED),
                    prev.count(K.FEEDBACK_FILED),
                ),
                (
                    t("row_feedback_answered"),
                    cur.count(K.FEEDBACK_ANSWERED),
                    prev.count(K.FEEDBACK_ANSWERED),
                ),
                (
                    t("row_feedback_resolved"),
                    cur.count(K.FEEDBACK_RESOLVED),
                    prev.count(K.FEEDBACK_RESOLVED),
                ),
                (
                    t("row_resolution_hours"),
                    as_score(cur.resolution_hours),
                    as_score(prev.resolution_hours),
                ),
            ],
        )
        if cur.feedback_by_category:
            self._ranked(
                "sheet_feedback_categories",
                "t_feedback_categories",
                cur.feedback_by_category,
                self.name,
                [t("col_no"), t("col_category"), t("col_filed")],
            )
