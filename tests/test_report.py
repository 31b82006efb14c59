"""`cchc-bot report`: known events in, the .docx and .xlsx opened with their libraries, and
every figure checked against what was seeded; each period kind; an empty period."""

from __future__ import annotations

import asyncio
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from docx import Document
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from openpyxl import load_workbook
from sqlalchemy import select

from bot.cli import main
from bot.db import events
from bot.db.events import EventKind as K
from bot.db.models import EngagementEvent
from bot.db.session import Database
from bot.kernel.clock import VN

QUARTER_TITLE = "Kết quả công tác tuyên truyền cải cách hành chính quý III năm 2026"
WEB = "Khung trò chuyện trên Cổng thông tin"
PHONE = "0912345678"


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


Q2 = vn(2026, 5, 10, 9, 0)  # inside the previous quarter
Q3 = vn(2026, 8, 12, 15, 30)  # inside the reported quarter
TYPED = "Thủ tục XYZ làm ở đâu ạ?"  # an unanswered question as typed (the log also keeps it folded)
# Staff trying the bot in the terminal: test traffic, out of the official figures by default.
TERMINAL = [
    (K.MESSAGE_IN, "c1", "terminal", Q3, {}),
    (K.MESSAGE_IN, "c2", "terminal", Q3, {}),
    (K.SUBSCRIBED, "c1", "terminal", Q3, {"topic": "all"}),
    *[(K.QUESTION_UNANSWERED, who, "terminal", Q3, {"item": "thu nghiem noi dung", "wording": "Thử nghiệm nội dung"})
      for who in ("c1", "c2")],
]

# (kind, who, channel, when, fields): the whole story the report must tell.
SEED = [
    # Reach. The first two straddle the quarter boundary in Vietnam time (UTC+7).
    (K.MESSAGE_IN, "w1", "web", vn(2026, 7, 1, 0, 10), {}),
    (K.MESSAGE_IN, "w9", "web", vn(2026, 6, 30, 23, 50), {}),
    (K.MESSAGE_IN, "w1", "web", Q3, {}),
    (K.MESSAGE_IN, "w1", "web", Q3, {}),
    (K.MESSAGE_IN, "w2", "web", Q3, {}),
    (K.MESSAGE_IN, "w2", "web", Q3, {}),
    (K.MESSAGE_IN, "w3", "web", Q3, {}),
    (K.MESSAGE_IN, "z1", "zalo", Q3, {}),
    (K.MESSAGE_IN, "z1", "zalo", Q3, {}),
    # Subscriptions
    (K.SUBSCRIBED, "w1", "web", Q2, {"topic": "y-nghia-cchc"}),
    (K.SUBSCRIBED, "z1", "zalo", Q2, {"topic": "all"}),
    (K.SUBSCRIBED, "w2", "web", Q3, {"topic": "y-nghia-cchc"}),
    (K.SUBSCRIBED, "w2", "web", Q3, {"topic": "chi-so-cchc"}),
    (K.SUBSCRIBED, "w3", "web", Q3, {"topic": "chi-so-cchc"}),
    (K.UNSUBSCRIBED, "w3", "web", vn(2026, 8, 13), {"topic": events.EVERY_TOPIC}),
    (K.UNSUBSCRIBED, "z1", "zalo", Q3, {"topic": "all"}),
    # Campaigns
    (K.BROADCAST_DELIVERED, "z2", "zalo", Q3, {"item": "7"}),
    (K.BROADCAST_DELIVERED, "w1", "web", Q3, {"item": "7"}),
    (K.BROADCAST_DELIVERED, "w2", "web", Q3, {"item": "7"}),
    (K.BROADCAST_FAILED, "t1", "telegram", Q3, {"item": "7", "outcome": "unreachable"}),
    (K.BROADCAST_CLICKED, "w1", "web", Q3, {"item": "7"}),
    (K.BROADCAST_CLICKED, "w1", "web", Q3, {"item": "7"}),
    (K.BROADCAST_CLICKED, "w2", "web", Q3, {"item": "7"}),
    (K.BROADCAST_DELIVERED, "z1", "zalo", Q3, {"item": "8"}),
    (K.BROADCAST_DELIVERED, "w1", "web", Q2, {"item": "5"}),
    (K.BROADCAST_DELIVERED, "z1", "zalo", Q2, {"item": "5"}),
    # Questions
    *[(K.QUESTION_ANSWERED, "w1", "web", Q3, {"item": "q-a", "outcome": "faq", "value": 0.9})] * 3,
    (K.QUESTION_ANSWERED, "w2", "web", Q3, {"item": "q-b", "outcome": "guide", "value": 0.8}),
    (K.QUESTION_ANSWERED, "w2", "web", Q3, {"item": "q-a", "outcome": "chosen"}),
    (K.QUESTION_UNANSWERED, "w1", "web", Q3, {"item": "thu tuc xyz", "outcome": "out_of_scope",
                                              "wording": TYPED}),
    (K.QUESTION_UNANSWERED, "w2", "web", Q3, {"item": "thu tuc xyz", "outcome": "out_of_scope",
                                              "wording": TYPED}),
    (K.QUESTION_UNANSWERED, "w1", "web", Q3, {"item": f"so dien thoai {PHONE} cua toi"}),
    (K.QUESTION_UNANSWERED, "w3", "web", Q3, {"item": f"so dien thoai {PHONE} cua toi"}),
    *[(K.QUESTION_UNANSWERED, "w1", "web", Q3, {"item": "ten toi la nguyen van a"})] * 3,
    (K.TOPIC_VIEWED, "w1", "web", Q3, {"topic": "y-nghia-cchc"}),
    (K.TOPIC_VIEWED, "w2", "web", Q3, {"topic": "y-nghia-cchc"}),
    (K.MESSAGE_VIEWED, "w1", "web", Q3, {"topic": "y-nghia-cchc", "item": "y-nghia-cchc-01"}),
    (K.TOPIC_VIEWED, "z1", "zalo", Q3, {"topic": "dich-vu-cong-truc-tuyen"}),
    (K.GUIDE_OPENED, "w2", "web", Q3, {"item": "q-b"}),
    # Contest: the unit is in `topic`; w3 moves from Sở Tư pháp to Sở Nội vụ.
    (K.CONTEST_REGISTERED, "w1", "web", Q2, {"topic": "so-noi-vu", "item": "cchc-2026"}),
    (K.CONTEST_REGISTERED, "w2", "web", Q3, {"topic": "so-tu-phap", "item": "cchc-2026"}),
    (K.CONTEST_REGISTERED, "w3", "web", Q3, {"topic": "so-tu-phap", "item": "cchc-2026"}),
    (
        K.CONTEST_REGISTERED,
        "w3",
        "web",
        vn(2026, 8, 20),
        {"topic": "so-noi-vu", "item": "cchc-2026"},
    ),
    *[
        (
            K.QUIZ_STARTED,
            "w1",
            "web",
            Q3,
            {"topic": "so-noi-vu", "item": "cchc-2026", "outcome": "contest"},
        )
    ]
    * 2,
    (
        K.QUIZ_STARTED,
        "w3",
        "web",
        Q3,
        {"topic": "so-noi-vu", "item": "cchc-2026", "outcome": "contest"},
    ),
    (
        K.QUIZ_STARTED,
        "w2",
        "web",
        Q3,
        {"topic": "so-tu-phap", "item": "cchc-2026", "outcome": "contest"},
    ),
    (K.QUIZ_STARTED, "z1", "zalo", Q3, {"outcome": "practice"}),
    (
        K.QUIZ_FINISHED,
        "w1",
        "web",
        Q3,
        {"topic": "so-noi-vu", "item": "cchc-2026", "outcome": "contest", "value": 15},
    ),
    (
        K.QUIZ_FINISHED,
        "w1",
        "web",
        Q3,
        {"topic": "so-noi-vu", "item": "cchc-2026", "outcome": "contest", "value": 17},
    ),
    (
        K.QUIZ_FINISHED,
        "w3",
        "web",
        Q3,
        {"topic": "so-noi-vu", "item": "cchc-2026", "outcome": "contest", "value": 10},
    ),
    (K.QUIZ_FINISHED, "z1", "zalo", Q3, {"outcome": "practice", "value": 3}),
    # Feedback
    *[(K.FEEDBACK_FILED, "w1", "web", Q3, {"topic": "thu-tuc-hanh-chinh"})] * 2,
    (K.FEEDBACK_FILED, "z1", "zalo", Q3, {"topic": "thai-do-can-bo"}),
    (K.FEEDBACK_ANSWERED, "w1", "web", Q3, {"topic": "thu-tuc-hanh-chinh"}),
    (K.FEEDBACK_ANSWERED, "w1", "web", Q3, {"topic": "thu-tuc-hanh-chinh"}),
    (K.FEEDBACK_RESOLVED, "w1", "web", Q3, {"topic": "thu-tuc-hanh-chinh", "value": 10.0}),
    (K.FEEDBACK_RESOLVED, "w1", "web", Q3, {"topic": "thu-tuc-hanh-chinh", "value": 30.0}),
    (K.FEEDBACK_FILED, "w9", "web", Q2, {"topic": "chung"}),
    # Surveys
    *[
        (K.SURVEY_OFFERED, f"w{i}", "web", Q3, {"topic": "nguoi-dan", "item": "2026Q3"})
        for i in range(1, 6)
    ],
    *[
        (K.SURVEY_STARTED, f"w{i}", "web", Q3, {"topic": "nguoi-dan", "item": "2026Q3"})
        for i in range(1, 5)
    ],
    *[
        (K.SURVEY_COMPLETED, f"w{i}", "web", Q3, {"topic": "nguoi-dan", "item": "2026Q3"})
        for i in range(1, 4)
    ],
    *[
        (
            K.SURVEY_ANSWERED,
            f"w{i}",
            "web",
            Q3,
            {"topic": "nguoi-dan", "item": "hieu-muc-dich-loi-ich", "outcome": "hieu-ro"},
        )
        for i in range(1, 4)
    ],
    (
        K.SURVEY_ANSWERED,
        "w4",
        "web",
        Q3,
        {"topic": "nguoi-dan", "item": "hieu-muc-dich-loi-ich", "outcome": "hieu-mot-phan"},
    ),
    *[
        (
            K.SURVEY_ANSWERED,
            f"w{i}",
            "web",
            Q3,
            {"topic": "nguoi-dan", "item": "de-hieu", "outcome": "4", "value": 4.0},
        )
        for i in (1, 2)
    ],
    (
        K.SURVEY_ANSWERED,
        "w3",
        "web",
        Q3,
        {"topic": "nguoi-dan", "item": "de-hieu", "outcome": "5", "value": 5.0},
    ),
    *[
        (
            K.SURVEY_ANSWERED,
            f"c{i}",
            "telegram",
            Q3,
            {"topic": "can-bo", "item": "nam-muc-tieu-don-vi", "outcome": "nam-vung"},
        )
        for i in (1, 2)
    ],
    (
        K.SURVEY_ANSWERED,
        "w9",
        "web",
        Q2,
        {"topic": "nguoi-dan", "item": "hieu-muc-dich-loi-ich", "outcome": "hieu-ro"},
    ),
    (
        K.SURVEY_ANSWERED,
        "w8",
        "web",
        Q2,
        {"topic": "nguoi-dan", "item": "hieu-muc-dich-loi-ich", "outcome": "chua-hieu"},
    ),
]


def key(who: str) -> str:
    return f"key-{who}-" + "0" * 12  # pseudonymous keys as the log holds them


async def seed(url: str) -> None:
    db = Database(url)
    async with db.session() as session:
        for kind, who, channel, at, fields in SEED + TERMINAL:
            events.record(session, user_key=key(who), channel=channel, kind=kind, at=at, **fields)
        await session.commit()
    await db.dispose()


# The moment reports are made at: after every seeded period, so none of them is partial
# (whatever day the tests run on); a test of a running period sets its own.
AFTER_ALL = datetime(2027, 3, 1, 8, 0, tzinfo=VN)


@pytest.fixture(autouse=True)
def _report_made_after_the_seeded_periods(monkeypatch):
    monkeypatch.setattr("bot.reports.report.utcnow", lambda: AFTER_ALL)


async def report(db_url: str, out: Path, *period: str) -> tuple[Path, Path]:
    """The CLI, as staff run it (in a thread: it runs its own event loop)."""
    code = await asyncio.to_thread(
        main,
        [
            "--database-url",
            db_url,
            "report",
            *period,
            "--out",
            str(out),
            "--date",
            "2026-10-05",
            "--number",
            "7",
        ],
    )
    assert code == 0
    return written(out)


def written(out: Path) -> tuple[Path, Path]:
    docx, xlsx = sorted(out.glob("*.docx")), sorted(out.glob("*.xlsx"))
    assert len(docx) == len(xlsx) == 1
    return docx[0], xlsx[0]


def sheet_rows(xlsx: Path, name: str) -> list[list]:
    """A sheet's data rows (below its title and header rows)."""
    book = load_workbook(xlsx)
    return [list(r) for r in book[name].iter_rows(min_row=3, values_only=True)]


def by_label(rows: list[list]) -> dict:
    return {r[0]: tuple(r[1:]) for r in rows}


def docx_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [c.text for row in table.rows for c in row.cells]
    return "\n".join(parts)


def docx_table(path: Path, title: str) -> list[list[str]]:
    """The table printed under the caption `title` (cells as text, header row included)."""
    blocks = list(Document(path).iter_inner_content())  # paragraphs and tables, in order
    for i, block in enumerate(blocks):
        if isinstance(block, DocxParagraph) and block.text == title:
            table = next(b for b in blocks[i + 1 :] if isinstance(b, DocxTable))
            return [[c.text for c in row.cells] for row in table.rows]
    raise AssertionError(f"no table {title!r}")


@pytest.fixture
async def seeded(db_url) -> str:
    await seed(db_url)
    return db_url


async def test_quarter_report_figures_equal_the_seeded_counts(seeded, tmp_path):
    docx, xlsx = await report(seeded, tmp_path, "--quarter", "2026Q3")
    assert docx.name == "bao-cao-cchc-2026Q3.docx"

    reach = by_label(sheet_rows(xlsx, "Tiếp cận theo kênh"))
    # channel: reached now, reached before, change, people who wrote, messages in
    # w4, w5 only met the survey offer, c1, c2 only answered a survey: reached, not writing;
    # t1 only had a failed delivery: not reached at all.
    assert reach[WEB] == (5, 3, 2, 3, 6)
    assert reach["Zalo"] == (2, 1, 1, 1, 2)
    assert reach["Telegram"] == (2, 0, 2, 0, 0)
    assert reach["Tổng cộng"] == (9, 4, 5, 4, 8)

    subs = by_label(sheet_rows(xlsx, "Đăng ký nhận tin"))
    assert subs["Người đăng ký nhận tin mới trong kỳ"] == (2, 2, 0)
    assert subs["Tổng số người đang nhận tin (cuối kỳ)"] == (2, 2, 0)
    assert subs["Lượt hủy đăng ký nhận tin"] == (2, 0, 2)

    campaigns = by_label(sheet_rows(xlsx, "Chiến dịch"))
    assert campaigns["Số chiến dịch đã gửi"] == (2, 1, 1)
    assert campaigns["Tin nhắn gửi thành công"] == (4, 2, 2)
    assert campaigns["Tin nhắn gửi không thành công"] == (1, 0, 1)
    assert campaigns["Người bấm xem nội dung"] == (2, 0, 2)
    assert campaigns["Tỷ lệ bấm xem trên tin gửi thành công"] == (0.5, 0.0, 0.5)
    assert sheet_rows(xlsx, "Chi tiết chiến dịch") == [
        ["Chiến dịch số 7", 3, 1, 2, 2 / 3],
        ["Chiến dịch số 8", 1, 0, 0, 0.0],
    ]

    questions = by_label(sheet_rows(xlsx, "Hỏi đáp"))
    assert questions["Câu hỏi người dùng gửi đến"][:2] == (11, 0)
    assert questions["Câu hỏi được trả lời ngay"][:2] == (4, 0)
    assert questions["Tỷ lệ câu hỏi được trả lời"][0] == pytest.approx(4 / 11)
    assert questions["Tỷ lệ câu hỏi được trả lời"][1] is None
    assert questions["Câu hỏi chưa trả lời được"][:2] == (7, 0)
    assert questions["Lượt xem tin theo chủ đề"][:2] == (4, 0)
    assert questions["Lượt xem hướng dẫn thủ tục"][:2] == (1, 0)

    assert sheet_rows(xlsx, "Chủ đề xem nhiều") == [
        [1, "Tầm quan trọng, ý nghĩa, mục tiêu và tác động của cải cách hành chính", 3, 2],
        [2, "Lợi ích và cách sử dụng dịch vụ công trực tuyến, dịch vụ bưu chính công ích", 1, 1],
    ]
    assert sheet_rows(xlsx, "Câu hỏi nhiều nhất") == [[1, "q-a", 4], [2, "q-b", 1]]
    # Asked by one person only: never listed. Digits masked.
    assert sheet_rows(xlsx, "Câu hỏi chưa trả lời") == [
        [1, "so dien thoai *** cua toi", 2, 2],  # logged before wordings were kept: folded
        [2, TYPED, 2, 2],  # as typed, diacritics and all
    ]

    contest = by_label(sheet_rows(xlsx, "Cuộc thi"))
    assert contest["Cán bộ đã đăng ký dự thi (lũy kế đến cuối kỳ)"] == (3, 1, 2)
    assert contest["Cán bộ dự thi trong kỳ"] == (3, 0, 3)
    assert contest["Đơn vị có cán bộ dự thi"] == (2, 0, 2)
    assert contest["Lượt thi hoàn thành"] == (3, 0, 3)
    assert contest["Lượt thi thử"] == (1, 0, 1)
    units = sheet_rows(xlsx, "Cuộc thi theo đơn vị")
    assert units == [
        [1, "Sở Nội vụ", 2, 2, 1.0, 3, 14.0, 17.0],
        [2, "Sở Tư pháp", 1, 1, 1.0, 0, None, None],
    ]

    feedback = by_label(sheet_rows(xlsx, "Phản ánh, kiến nghị"))
    assert feedback["Phản ánh, kiến nghị tiếp nhận"] == (3, 1, 2)
    assert feedback["Phản ánh, kiến nghị đã trả lời"] == (2, 0, 2)
    assert feedback["Phản ánh, kiến nghị đã giải quyết xong"] == (2, 0, 2)
    assert feedback["Thời gian giải quyết trung bình (giờ)"] == (20.0, None, None)
    assert sheet_rows(xlsx, "Phản ánh theo lĩnh vực") == [
        [1, "Thủ tục hành chính", 2],
        [2, "Thái độ, tác phong cán bộ", 1],
    ]

    cadre_target = (
        "Cán bộ, công chức, viên chức được khảo sát nắm vững mục tiêu, nhiệm vụ cải cách hành chính"
    )
    citizen_target = (
        "Người dân, tổ chức được khảo sát hiểu rõ mục đích, ý nghĩa và lợi ích "
        "của cải cách hành chính"
    )
    targets = sheet_rows(xlsx, "Mục tiêu 2030")
    assert [r[1:] for r in targets] == [
        [
            cadre_target,
            1.0,
            1.0,
            None,
            2,
            "Đạt",
        ],
        [
            citizen_target,
            0.95,
            0.75,
            0.5,
            4,
            "Chưa đạt",
        ],
    ]
    funnel = by_label(sheet_rows(xlsx, "Tham gia khảo sát"))
    assert funnel["Khảo sát hiểu biết về cải cách hành chính: lượt mời"] == (5, 0, 5)
    assert funnel["Khảo sát hiểu biết về cải cách hành chính: lượt bắt đầu"] == (4, 0, 4)
    assert funnel["Khảo sát hiểu biết về cải cách hành chính: lượt hoàn thành"] == (3, 0, 3)
    citizen = sheet_rows(xlsx, "Khảo sát 2")
    start = citizen.index(
        ["Anh/Chị có hiểu mục đích, lợi ích của cải cách hành chính không?", 4, None]
    )
    assert citizen[start + 1 : start + 4] == [
        ["    Hiểu rõ", 3, 0.75],
        ["    Hiểu một phần", 1, 0.25],
        ["    Chưa hiểu", 0, 0.0],
    ]
    start = citizen.index(
        ["Thông tin cải cách hành chính Anh/Chị nhận được dễ hiểu đến mức nào?", 3, None]
    )
    assert [r[1] for r in citizen[start + 1 : start + 6]] == [0, 0, 0, 2, 1]
    assert citizen[start + 1][0] == "    Mức 1 (Rất khó hiểu)"
    assert citizen[start + 6] == ["    Điểm trung bình (thang 1–5)", None, pytest.approx(13 / 3)]
    cadre = sheet_rows(xlsx, "Khảo sát 1")
    assert cadre[:2] == [
        ["Anh/Chị có nắm được mục tiêu cải cách hành chính của đơn vị mình không?", 2, None],
        ["    Nắm vững", 2, 1.0],
    ]

    # The document prints the same figures as the workbook.
    table = docx_table(docx, "Bảng 1. Số người được tiếp cận theo kênh")
    assert table[0][0] == "Kênh"
    assert [WEB, "5", "3", "+2 (+66,7%)", "3", "6"] in table
    assert ["Tổng cộng", "9", "4", "+5 (+125,0%)", "4", "8"] in table
    table = docx_table(docx, "Bảng 8. Câu hỏi chưa trả lời được hỏi nhiều nhất")
    assert ["1", "so dien thoai *** cua toi", "2", "2"] in table
    table = docx_table(docx, "Bảng 10. Tham gia cuộc thi theo đơn vị")
    assert ["1", "Sở Nội vụ", "2", "2", "100,0%", "3", "14,0", "17,0"] in table
    table = docx_table(docx, "Bảng 13. Kết quả khảo sát so với mục tiêu đến năm 2030")
    assert table[1][2:] == ["100,0%", "100,0%", "–", "2", "Đạt"]
    assert table[2][2:] == ["95,0%", "75,0%", "50,0%", "4", "Chưa đạt"]


async def test_no_personal_data_in_either_file(seeded, tmp_path):
    docx, xlsx = await report(seeded, tmp_path, "--quarter", "2026Q3")
    texts = [docx_text(docx)]
    book = load_workbook(xlsx)
    texts += [
        str(v)
        for ws in book
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]
    everything = "\n".join(texts)
    assert PHONE not in everything and "nguyen van a" not in everything
    assert not any(key(who) in everything for _, who, _, _, _ in SEED)
    # nor in the files' metadata or any other part of the packages
    for path in (docx, xlsx):
        with zipfile.ZipFile(path) as z:
            raw = b"".join(z.read(n) for n in z.namelist())
        assert PHONE.encode() not in raw and b"key-w1" not in raw


async def test_document_follows_decree_30_layout(seeded, tmp_path):
    docx, _ = await report(seeded, tmp_path, "--quarter", "2026Q3")
    doc = Document(docx)
    section = doc.sections[0]

    def mm(length) -> float:
        return round(length.mm, 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)  # A4
    assert [
        mm(m)
        for m in (
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ] == [20, 20, 30, 15]
    assert section.different_first_page_header_footer  # page numbers from page 2

    header = doc.tables[0]
    left = [p.text for p in header.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in header.cell(0, 1).paragraphs if p.text]
    assert left == ["UBND THÀNH PHỐ CẦN THƠ", "SỞ NỘI VỤ"]
    assert right == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    agency = header.cell(0, 0).paragraphs[1].runs[0]
    assert agency.bold and agency.font.size.pt == 13
    motto = header.cell(0, 1).paragraphs[1].runs[0]
    assert motto.bold and 13 <= motto.font.size.pt <= 14
    assert header.cell(1, 0).text == "Số: 07/BC-SNV"
    place_date = header.cell(1, 1).paragraphs[0].runs[0]
    assert place_date.text == "Cần Thơ, ngày 05 tháng 10 năm 2026" and place_date.italic

    texts = [p.text for p in doc.paragraphs]
    i = texts.index("BÁO CÁO")
    assert texts[i + 1] == QUARTER_TITLE
    for p in (doc.paragraphs[i], doc.paragraphs[i + 1]):
        assert p.runs[0].bold and p.runs[0].font.size.pt == 14
    assert "Kính gửi: Ủy ban nhân dân thành phố Cần Thơ." in texts
    assert any(
        t.startswith(
            "Trên đây là báo cáo kết quả công tác tuyên truyền cải cách hành chính quý III năm 2026"
        )
        for t in texts
    )

    # Times New Roman throughout, body 13–14 pt.
    assert doc.styles["Normal"].font.name == "Times New Roman"
    body = [r for p in doc.paragraphs for r in p.runs if r.text.strip()]
    assert all(r.font.name in (None, "Times New Roman") for r in body)
    assert all(
        13 <= r.font.size.pt <= 14
        for p in doc.paragraphs
        if p.text.strip() and not p.text.startswith("Biểu đồ")
        for r in p.runs
        if r.text.strip()
    )

    signature = doc.tables[-1]
    recipients = [p.text for p in signature.cell(0, 0).paragraphs if p.text]
    assert recipients[0] == "Nơi nhận:" and recipients[-1] == "- Lưu: VT."
    assert signature.cell(0, 0).paragraphs[0].runs[0].italic
    assert signature.cell(0, 1).paragraphs[0].text == "GIÁM ĐỐC"
    # every chart is embedded as a picture
    assert len(doc.inline_shapes) == 5


@pytest.mark.parametrize(
    "args, name, title, messages, reached, asked",
    [
        # (messages in, people reached) in the period and in the one before it
        (["--half", "2026H2"], "bao-cao-cchc-2026H2", "6 tháng cuối năm 2026", 8, (9, 4), 11),
        (["--half", "2026H1"], "bao-cao-cchc-2026H1", "6 tháng đầu năm 2026", 1, (4, 0), 0),
        (["--year", "2026"], "bao-cao-cchc-2026", "năm 2026", 9, (11, 0), 11),
        # one day, the first of the quarter in Vietnam time: only the 00:10 message; the day
        # before holds the 23:50 one
        (
            ["--from", "01/07/2026", "--to", "2026-07-01"],
            "bao-cao-cchc-20260701-20260701",
            "từ ngày 01/07/2026 đến ngày 01/07/2026",
            1,
            (1, 1),
            0,
        ),
    ],
)
async def test_each_report_kind(seeded, tmp_path, args, name, title, messages, reached, asked):
    docx, xlsx = await report(seeded, tmp_path, *args)
    assert docx.stem == name == xlsx.stem
    texts = [p.text for p in Document(docx).paragraphs]
    assert f"Kết quả công tác tuyên truyền cải cách hành chính {title}" in texts
    total = by_label(sheet_rows(xlsx, "Tiếp cận theo kênh"))["Tổng cộng"]
    assert total[-1] == messages and total[:2] == reached
    assert by_label(sheet_rows(xlsx, "Hỏi đáp"))["Câu hỏi người dùng gửi đến"][0] == asked
    assert load_workbook(xlsx)["Thông tin chung"]["B2"].value == title


async def test_a_period_without_data_still_gives_a_valid_report(db_url, tmp_path):
    docx, xlsx = await report(db_url, tmp_path, "--quarter", "2025Q1")
    doc = Document(docx)
    texts = [p.text for p in doc.paragraphs]
    assert "Kết quả công tác tuyên truyền cải cách hành chính quý I năm 2025" in texts
    assert any("chưa ghi nhận dữ liệu tương tác nào" in t for t in texts)
    assert "Không có số liệu trong kỳ." in texts
    assert len(doc.inline_shapes) == 0  # nothing to draw
    assert doc.tables[0].cell(0, 1).paragraphs[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    book = load_workbook(xlsx)
    assert "Thông tin chung" in book.sheetnames and "Mục tiêu 2030" in book.sheetnames
    assert by_label(sheet_rows(xlsx, "Tiếp cận theo kênh"))["Tổng cộng"] == (0, 0, 0, 0, 0)
    targets = sheet_rows(xlsx, "Mục tiêu 2030")
    assert [r[-1] for r in targets] == ["Chưa có số liệu", "Chưa có số liệu"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--quarter", "2026Q5"], "kỳ không hợp lệ"),
        (["--quarter", "2026Q3", "--year", "2026"], "chọn đúng một kỳ"),
        (["--from", "2026-07-01"], "chọn đúng một kỳ"),
        (["--from", "31/07/2026", "--to", "01/07/2026"], "ngày kết thúc phải sau ngày bắt đầu"),
        (["--from", "hôm qua", "--to", "01/07/2026"], "ngày không hợp lệ"),
        ([], "chọn đúng một kỳ"),
    ],
)
def test_bad_periods_are_refused_clearly(args, message, tmp_path, capsys):
    assert (
        main(
            [
                "--database-url",
                f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}",
                "report",
                *args,
                "--out",
                str(tmp_path),
            ]
        )
        == 2
    )
    assert message in capsys.readouterr().err
    assert not list(tmp_path.glob("*.docx"))


def _pack_copy(tmp_path: Path) -> Path:
    from tests.conftest import CONTENT_DIR

    pack = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, pack)
    return pack


def test_report_wording_is_checked_by_content_validate(tmp_path, capsys):
    pack = _pack_copy(tmp_path)
    path = pack / "report.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["texts"]["title"]
    data["document"].pop("recipients")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["--content-dir", str(pack), "content", "validate"]) == 1
    err = capsys.readouterr().err
    assert "report.yaml: texts.title: thiếu câu chữ này" in err
    assert "report.yaml: document.recipients: Field required" in err


def test_a_pack_without_report_wording_is_refused_clearly(tmp_path, capsys):
    pack = _pack_copy(tmp_path)
    (pack / "report.yaml").unlink()
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite3'}"
    args = ["--database-url", url, "--content-dir", str(pack), "report", "--year", "2026"]
    assert main([*args, "--out", str(tmp_path / "out")]) == 1
    assert "report.yaml" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


async def test_terminal_test_traffic_is_left_out_unless_asked_for_and_then_stated(seeded, tmp_path):
    docx, xlsx = await report(seeded, tmp_path / "official", "--quarter", "2026Q3")
    reach = by_label(sheet_rows(xlsx, "Tiếp cận theo kênh"))
    assert "Dòng lệnh (thử nội dung)" not in reach and reach["Tổng cộng"][0] == 9
    assert "Thử nghiệm nội dung" not in docx_text(docx)
    assert "phiên thử nghiệm" not in docx_text(docx)

    docx, xlsx = await report(seeded, tmp_path / "with-tests", "--quarter", "2026Q3", "--include-test")
    reach = by_label(sheet_rows(xlsx, "Tiếp cận theo kênh"))
    assert reach["Dòng lệnh (thử nội dung)"][0] == 2 and reach["Tổng cộng"][0] == 11
    text = docx_text(docx)
    assert "số liệu có tính cả các phiên thử nghiệm nội dung của cán bộ (Dòng lệnh (thử nội dung))" in text
    assert "không phải số liệu chính thức" in text
    assert [2, "Thử nghiệm nội dung", 2, 2] in sheet_rows(xlsx, "Câu hỏi chưa trả lời")
    facts = [c for row in load_workbook(xlsx)["Thông tin chung"].iter_rows(values_only=True) for c in row]
    assert any("phiên thử nghiệm" in str(c) for c in facts)


async def test_a_quarter_still_running_is_marked_partial_with_its_cut_off(seeded, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("bot.reports.report.utcnow", lambda: vn(2026, 8, 15, 10, 30))
    docx, xlsx = await report(seeded, tmp_path, "--quarter", "2026Q3")
    texts = [p.text for p in Document(docx).paragraphs]
    assert f"{QUARTER_TITLE} (đến ngày 15/08/2026)" in texts
    assert any("Kỳ báo cáo chưa kết thúc: số liệu tính đến 10:30 ngày 15/08/2026" in t
               and "kỳ kết thúc ngày 30/09/2026" in t for t in texts)
    assert "kỳ báo cáo chưa kết thúc" in capsys.readouterr().out
    # The figures themselves are those logged up to then (all of the seed is before it).
    assert by_label(sheet_rows(xlsx, "Tiếp cận theo kênh"))["Tổng cộng"][0] == 9
    # A finished quarter says nothing of the kind.
    monkeypatch.setattr("bot.reports.report.utcnow", lambda: AFTER_ALL)
    docx, _ = await report(seeded, tmp_path / "done", "--quarter", "2026Q3")
    assert QUARTER_TITLE in [p.text for p in Document(docx).paragraphs]
    assert "chưa kết thúc" not in docx_text(docx)


async def test_an_unanswered_question_is_logged_as_typed_with_personal_numbers_masked(chat, db_url):
    await chat.send("Công thức nấu phở bò, gọi tôi số 0912 345 678 nhé")
    assert chat.last[-1].answer_id is None  # not answered: logged for the report
    db = Database(db_url)
    try:
        async with db.session() as s:
            row = (await s.execute(select(EngagementEvent).where(
                EngagementEvent.kind == K.QUESTION_UNANSWERED))).scalar_one()
    finally:
        await db.dispose()
    assert row.wording == "Công thức nấu phở bò, gọi tôi số *** nhé"
    assert "0912" not in (row.item or "") and "pho" in (row.item or "")


async def test_the_report_says_when_the_signer_is_not_filled_in(seeded, tmp_path, capsys):
    await report(seeded, tmp_path, "--quarter", "2026Q3")
    out = capsys.readouterr().out
    assert "chưa điền họ tên người ký (report.yaml, document.signer_name)" in out
    assert "cchc-bot content todo" in out


@pytest.mark.parametrize("family", ["Liberation Serif", "DejaVu Serif"])
async def test_the_report_says_when_the_server_lacks_a_times_compatible_font(seeded, tmp_path, capsys,
                                                                              monkeypatch, family):
    from bot.reports import fonts

    found = fonts.serif
    monkeypatch.setattr(fonts, "serif", lambda bold=False: (family, found(bold)[1]))
    await report(seeded, tmp_path, "--quarter", "2026Q3")
    said = "fonts-liberation2" in capsys.readouterr().out
    assert said == (family == "DejaVu Serif")


def test_without_a_times_compatible_font_the_report_falls_back_and_logs_it_once(monkeypatch, caplog):
    from matplotlib import font_manager

    from bot.reports import fonts

    manager = font_manager.fontManager
    monkeypatch.setattr(manager, "ttflist", [f for f in manager.ttflist if f.name not in fonts.SERIF_FAMILIES])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda **_: [])  # a server without them
    forget_font_choice()
    try:
        assert not fonts.times_compatible()
        assert fonts.serif(bold=True)[0] == fonts.serif(bold=False)[0] == fonts.FALLBACK
    finally:
        forget_font_choice()
    warned = [r for r in caplog.records if "fonts-liberation2" in r.getMessage()]
    assert len(warned) == 1 and warned[0].levelname == "WARNING"


def forget_font_choice() -> None:
    """The report's font chosen afresh at the next call (its choices are cached per process)."""
    from matplotlib import font_manager

    from bot.reports import fonts

    for cached in (fonts.serif, fonts._prefer_covering_files, fonts._say_fallback,
                   font_manager.fontManager._findfont_cached):
        cached.cache_clear()
