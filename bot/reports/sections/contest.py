"""Section of the report on the online contest: registrations, participants, participating
units, attempts and practice against the previous period, then each unit's participation
and scores, ranked, with a chart of the first fifteen."""

from __future__ import annotations

from bot.db.events import EventKind as K
from bot.reports.cells import as_percent, as_score, vn_number
from bot.reports.drafting import Drafter
from bot.reports.outline import Chart


class ContestSection(Drafter):
    """The online contest."""

    def contest(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_contest")
        units = {u: c for u, c in cur.contest.items() if c.registered or c.participants}
        total_registered = sum(c.registered for c in cur.contest.values())
        participants = sum(c.participants for c in cur.contest.values())
        self.compare(
            "sheet_contest",
            "t_contest",
            [
                (
                    t("row_registered"),
                    total_registered,
                    sum(c.registered for c in prev.contest.values()),
                ),
                (
                    t("row_participants"),
                    participants,
                    sum(c.participants for c in prev.contest.values()),
                ),
                (
                    t("row_units_participating"),
                    sum(1 for c in cur.contest.values() if c.participants),
                    sum(1 for c in prev.contest.values() if c.participants),
                ),
                (
                    t("row_attempts"),
                    sum(c.finished for c in cur.contest.values()),
                    sum(c.finished for c in prev.contest.values()),
                ),
                (
                    t("row_practice"),
                    cur.count_outcome(K.QUIZ_STARTED, "practice"),
                    prev.count_outcome(K.QUIZ_STARTED, "practice"),
                ),
            ],
        )
        if not units:
            self.para("no_contest", italic=True)
            return

        def unit_name(unit_id: str) -> str:
            unit = self.pack.unit(unit_id)
            return unit.name if unit else self.name(unit_id)

        order = sorted(
            units, key=lambda u: (-units[u].participants, -units[u].registered, unit_name(u))
        )
        rows: list[list] = []
        for i, u in enumerate(order, 1):
            c = units[u]
            rows.append(
                [
                    i,
                    unit_name(u),
                    c.registered,
                    c.participants,
                    as_percent(c.participants / c.registered if c.registered else None),
                    c.finished,
                    as_score(c.average_score),
                    as_score(c.best_score),
                ]
            )
        self.para(
            "contest_units",
            units=vn_number(sum(1 for c in units.values() if c.participants)),
            total=vn_number(len(self.pack.units)),
        )
        self.table(
            t("sheet_contest_units"),
            t("t_contest_units"),
            [
                t("col_no"),
                t("col_unit"),
                t("col_registered"),
                t("col_participants"),
                t("col_participation"),
                t("col_attempts"),
                t("col_average"),
                t("col_best"),
            ],
            rows,
            widths=[1.0, 4.6, 1.3, 1.2, 1.8, 1.4, 1.5, 1.4],
            chart=Chart(
                "hbars",
                t("chart_contest"),
                [r[1] for r in rows[:15]],
                [(t("legend_current"), [r[3] for r in rows[:15]])],
            ),
        )
