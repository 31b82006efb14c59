"""Section of the report on campaigns: broadcasts delivered and failed, people who tapped
a broadcast's button or link and the click-through rate against the previous period, then
each campaign of the period."""

from __future__ import annotations

from bot.db.events import EventKind as K
from bot.reports.cells import as_percent
from bot.reports.drafting import Drafter


class CampaignsSection(Drafter):
    """Campaigns and broadcasts."""

    def campaigns(self) -> None:
        t, cur, prev = self.t, self.cur, self.prev
        self.heading("h_campaigns")
        self.compare(
            "sheet_campaigns",
            "t_campaigns",
            [
                (t("row_campaigns"), len(cur.campaigns), len(prev.campaigns)),
                (t("row_delivered"), cur.delivered, prev.delivered),
                (t("row_failed"), cur.count(K.BROADCAST_FAILED), prev.count(K.BROADCAST_FAILED)),
                (t("row_clickers"), cur.clickers, prev.clickers),
                (t("row_click_through"), as_percent(cur.click_through), as_percent(prev.click_through)),
            ],
        )
        if not cur.campaigns:
            self.para("no_campaigns", italic=True)
            return
        rows = [
            [
                t("campaign_label", id=c.campaign),
                c.delivered,
                c.failed,
                c.clickers,
                as_percent(c.clickers / c.delivered if c.delivered else None),
            ]
            for c in cur.campaigns
        ]
        self.table(
            t("sheet_campaign_list"),
            t("t_campaign_list"),
            [
                t("col_campaign"),
                t("col_delivered"),
                t("col_failed"),
                t("col_clickers"),
                t("col_click_through"),
            ],
            rows,
            widths=[3.6, 1.8, 1.8, 1.8, 1.8],
        )
