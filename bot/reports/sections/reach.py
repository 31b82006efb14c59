"""Section of the report on reach: people reached and interacting per channel against the
previous period (a table and its chart), then subscribers gained, held and lost."""

from __future__ import annotations

from bot.db.events import EventKind as K
from bot.reports.cells import Change, vn_number
from bot.reports.drafting import Drafter
from bot.reports.outline import Chart


class ReachSection(Drafter):
    """Reach and subscribers."""

    def reach(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_reach")
        self.heading("h_reach_channels", 2)
        self.para(
            "reach_summary",
            reached=vn_number(cur.reached),
            previous=vn_number(prev.reached),
            interacting=vn_number(cur.interacting),
            messages=vn_number(cur.count(K.MESSAGE_IN)),
        )
        channels = sorted(
            set(cur.reach) | set(prev.reach),
            key=lambda c: (-(cur.reach[c].reached if c in cur.reach else 0), c),
        )
        rows: list[list] = []
        for ch in channels:
            c, p = cur.reach.get(ch), prev.reach.get(ch)
            now, before = (c.reached if c else 0), (p.reached if p else 0)
            rows.append(
                [
                    self.name(ch),
                    now,
                    before,
                    Change(now, before),
                    c.interacting if c else 0,
                    c.messages_in if c else 0,
                ]
            )
        rows.append(
            [
                t("total"),
                cur.reached,
                prev.reached,
                Change(cur.reached, prev.reached),
                cur.interacting,
                cur.count(K.MESSAGE_IN),
            ]
        )
        self.table(
            t("sheet_reach"),
            t("t_reach"),
            [
                t("col_channel"),
                t("col_reached_current"),
                t("col_reached_previous"),
                t("col_change"),
                t("col_interacting"),
                t("col_messages_in"),
            ],
            rows,
            widths=[3.2, 1.8, 1.8, 2.2, 1.8, 1.8],
            bold_rows={len(rows) - 1},
            chart=Chart(
                "bars",
                t("chart_reach"),
                [r[0] for r in rows[:-1]],
                [
                    (t("legend_current"), [r[1] for r in rows[:-1]]),
                    (t("legend_previous"), [r[2] for r in rows[:-1]]),
                ],
            )
            if channels
            else None,
        )
        self.heading("h_subscribers", 2)
        self.compare(
            "sheet_subscribers",
            "t_subscribers",
            [
                (t("row_new_subscribers"), cur.new_subscribers, prev.new_subscribers),
                (t("row_subscribers"), cur.subscribers, prev.subscribers),
                (t("row_unsubscribed"), cur.count(K.UNSUBSCRIBED), prev.count(K.UNSUBSCRIBED)),
            ],
        )
