"""The report's template (`report.yaml`): the administrative-document frame of the
outreach report, the display names of logged ids, and every sentence, heading and column
name the report uses. Loading it, and the keys it must give, are in `bot/content/report.py`."""

from __future__ import annotations

from pydantic import Field

from bot.content.schema_base import Strict, Text


class ReportDocument(Strict):
    """The administrative-document frame of the report (Decree 30/2020/NĐ-CP)."""

    superior_agency: Text  # printed upper-case, as given
    agency: Text
    number_suffix: Text  # "BC-SNV" in "Số: …/BC-SNV"
    place: Text
    addressee: Text
    signer_title: list[Text] = Field(min_length=1)
    signer_name: Text | None = None
    recipients: list[Text] = Field(min_length=1)


class ReportTemplate(Strict):
    """`report.yaml`: the document frame, display names of logged ids, and every sentence,
    heading and column name of the report (keys listed in bot/content/report.py)."""

    document: ReportDocument
    names: dict[str, Text] = {}
    texts: dict[str, Text]
