"""The report as a person sees it: the .docx rendered by LibreOffice (headless) to PDF and
by pdftoppm to PNG. Locally it may skip when LibreOffice is absent; in CI (CI=true) it must
run (`.ci/run` installs libreoffice-writer-nogui, poppler-utils and fonts-liberation2).
The pages are kept in tests/.artifacts/ to look at."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from bot.config import ROOT
from tests.test_report import QUARTER_TITLE, forget_font_choice, report, seed

ARTIFACTS = ROOT / "tests" / ".artifacts"
TIMES_LIKE = ("LiberationSerif", "TimesNewRoman", "Tinos")


def _tools() -> tuple[str, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if soffice and pdftoppm:
        return soffice, pdftoppm
    if os.environ.get("CI"):
        pytest.fail("CI must render the report: soffice or pdftoppm is missing (see .ci/run)")
    pytest.skip("LibreOffice (soffice) or poppler-utils not installed locally; runs in CI")


def _run(*cmd: str, timeout: int = 180) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd[0]} failed: {done.stderr[-2000:]}"
    return done.stdout


def render(docx: Path, out: Path) -> tuple[Path, list[Path]]:
    soffice, pdftoppm = _tools()
    out.mkdir(parents=True, exist_ok=True)
    profile = (out / "lo-profile").as_uri()  # its own profile: no clash with a running soffice
    _run(
        soffice,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out),
        str(docx),
    )
    pdf = out / f"{docx.stem}.pdf"
    assert pdf.exists(), "LibreOffice wrote no PDF"
    _run(pdftoppm, "-png", "-r", "80", str(pdf), str(out / "page"))
    return pdf, sorted(out.glob("page-*.png"))


async def test_rendered_report_looks_like_an_administrative_report(db_url, tmp_path, request):
    _tools()
    await seed(db_url)
    docx, _ = await report(db_url, tmp_path / "out", "--quarter", "2026Q3")
    backend = request.node.callspec.params["db_url"]
    pdf, pages = render(docx, ARTIFACTS / f"report-{backend}")

    info = _run("pdfinfo", str(pdf))
    assert "(A4)" in info
    assert len(pages) >= 3

    first = _run("pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-")
    lines = [line.strip() for line in first.splitlines()]
    # The national title and the motto each fit on one line of the right-hand column.
    assert any(line.endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") for line in lines), first
    assert any(line.endswith("Độc lập - Tự do - Hạnh phúc") for line in lines), first
    assert any(line.startswith("UBND THÀNH PHỐ CẦN THƠ") for line in lines)
    assert any(
        "Số: 07/BC-SNV" in line and "Cần Thơ, ngày 05 tháng 10 năm 2026" in line for line in lines
    )
    assert "BÁO CÁO" in lines and QUARTER_TITLE in lines
    whole = _run("pdftotext", "-layout", str(pdf), "-")
    assert "Nơi nhận:" in whole and "GIÁM ĐỐC" in whole
    assert [line for line in lines if line][0].startswith("UBND THÀNH PHỐ")  # no page number on page 1
    second = _run("pdftotext", "-f", "2", "-l", "2", str(pdf), "-").split()
    assert second[0] == "2"  # page numbers at the top from page 2

    # Every glyph comes from a Times-compatible face: no fallback font for Vietnamese letters.
    fonts = _run("pdffonts", str(pdf)).splitlines()[2:]
    names = {line.split()[0].split("+")[-1] for line in fonts if line.strip()}
    assert names and all(name.startswith(TIMES_LIKE) for name in names), names

    with Image.open(pages[0]) as page:
        width, height = page.size
        assert abs(height / width - 297 / 210) < 0.01
        dark = sum(page.convert("L").histogram()[:128])
        assert dark > 0.01 * width * height  # text was drawn, not a blank page


def test_measures_with_the_font_libreoffice_renders_even_from_a_stale_font_cache(monkeypatch):
    """The header's widths are measured with the font LibreOffice will use. A machine whose
    matplotlib font cache was built before the fonts package came has no Liberation Serif in
    it; the measuring must still find the installed files."""
    from matplotlib import font_manager

    from bot.reports import fonts

    _tools()
    installed = [p for p in font_manager.findSystemFonts(fontext="ttf") if "LiberationSerif" in p]
    assert installed, "fonts-liberation2 is not installed (see .ci/run)"
    manager = font_manager.fontManager
    stale = [f for f in manager.ttflist if not f.name.startswith("Liberation")]
    monkeypatch.setattr(manager, "ttflist", stale)
    forget_font_choice()
    try:
        family, path = fonts.serif(bold=True)
    finally:
        forget_font_choice()
    assert family == "Liberation Serif" and fonts._covers(path), (family, path)
