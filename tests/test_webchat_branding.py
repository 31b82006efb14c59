"""The web chat page's files over HTTP: branded from the pack (web.yaml, pack.yaml, the
`web_*` sentences), the frame-ancestors allow-list, the embed script, the service worker,
the emblem and favicon; and what `content validate` says of a bad web.yaml."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.webpage import WebPage
from bot.config import Settings
from bot.content.loader import ContentError, load
from bot.content.schema_web import contrast
from bot.content.store import ContentStore
from bot.runtime import Runtime
from tests.conftest import CONTENT_DIR

PORTAL = "https://congthongtin.example"


@pytest.fixture
def pack_dir(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def edit(path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


async def client_for(directory, **settings) -> TestClient:
    settings = Settings(_env_file=None, content_dir=directory, **settings)
    runtime = Runtime(settings=settings, db=None, content=ContentStore(directory))  # type: ignore[arg-type]
    app = web.Application()
    WebPage(runtime).install(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def shipped():
    client = await client_for(CONTENT_DIR)
    yield client
    await client.close()


async def test_page_names_the_agency_and_says_what_is_missing(shipped):
    resp = await shipped.get("/")
    html = await resp.text()
    assert "Sở Nội vụ thành phố Cần Thơ" in html and "Ủy ban nhân dân thành phố Cần Thơ" in html
    assert "<h1>Trợ lý CCHC Cần Thơ</h1>" in html
    # The portal's address and the hotline's number wait for the operator: no link, no number.
    assert 'href="https://' not in html and "tel:" not in html
    assert "Đường dây nóng: đang cập nhật" in html
    assert "30 ngày" in html and "/xoadulieu" in html  # the privacy notice
    assert "--brand: #a3161c" in html


async def test_filled_portal_and_hotline_show_as_links_and_history_days_follow_settings(pack_dir):
    edit(pack_dir / "pack.yaml", lambda d: d.update(portal_url=PORTAL))

    def phone(d):
        line = next(h for h in d["hotlines"] if h["id"] == "tuyen-truyen-cchc")
        line["phone"] = "0292 3 000 000"

    edit(pack_dir / "hotlines.yaml", phone)
    client = await client_for(pack_dir, webchat_history_days=90)
    try:
        html = await (await client.get("/")).text()
    finally:
        await client.close()
    assert f'href="{PORTAL}" target="_blank" rel="noopener"' in html
    assert 'href="tel:02923000000"' in html and "0292 3 000 000" in html
    assert "90 ngày" in html


async def test_pack_text_is_escaped_in_the_page(pack_dir):
    edit(pack_dir / "pack.yaml", lambda d: d.update(agency='Sở <script>alert("x")</script> & "Nội vụ"'))
    client = await client_for(pack_dir)
    try:
        html = await (await client.get("/")).text()
        embed = await (await client.get("/embed.js")).text()
    finally:
        await client.close()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in html
    assert "<script>alert" not in embed and "\\u003cscript>alert" in embed


async def test_only_allowed_origins_may_frame_the_page(pack_dir):
    client = await client_for(CONTENT_DIR)
    try:
        resp = await client.get("/")
        assert resp.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    finally:
        await client.close()
    client = await client_for(CONTENT_DIR, webchat_allowed_origins=[PORTAL + "/", "http://127.0.0.1:8000"])
    try:
        resp = await client.get("/", params={"embed": "1", "origin": PORTAL})
        assert resp.headers["Content-Security-Policy"] == f"frame-ancestors 'self' {PORTAL} http://127.0.0.1:8000"
        html = await resp.text()
        assert '"hostOrigin": "https://congthongtin.example"' in html and 'class="embed"' in html
        # An origin not on the list is not one the frame will talk to.
        html = await (await client.get("/", params={"embed": "1", "origin": "https://la.example"})).text()
        assert '"hostOrigin": null' in html
        embed = await client.get("/embed.js")
        assert embed.headers["Content-Type"].startswith("application/javascript")
        assert '"origins": ["https://congthongtin.example", "http://127.0.0.1:8000"]' in await embed.text()
    finally:
        await client.close()


def test_origins_setting_takes_origins_only():
    assert Settings(_env_file=None, webchat_allowed_origins=["HTTPS://Portal.Example/"]).webchat_allowed_origins == [
        "https://portal.example"]
    for bad in ("https://portal.example/chat", "javascript:alert(1)", "https://a.example; script-src *", "*"):
        with pytest.raises(ValueError):
            Settings(_env_file=None, webchat_allowed_origins=[bad])


async def test_script_style_worker_emblem_and_favicon(shipped):
    html = await (await shipped.get("/")).text()
    for name, kind in (("chat.js", "application/javascript"), ("chat.css", "text/css")):
        url = re.search(rf'"(static/{re.escape(name)}\?v=\w+)"', html).group(1)
        resp = await shipped.get("/" + url)
        assert resp.status == 200 and resp.headers["Content-Type"].startswith(kind)
        assert "immutable" in resp.headers["Cache-Control"]
        stale = await shipped.get(f"/static/{name}", params={"v": "old"})
        assert stale.headers["Cache-Control"] == "no-cache"  # an old page's link is not cached for a year
    for bad in ("/static/chat.html", "/static/..%2Fchat.html", "/static/%2e%2e%2fwebpage.py"):
        assert (await shipped.get(bad)).status == 404
    worker = await shipped.get("/sw.js")
    assert worker.status == 200 and worker.headers["Service-Worker-Allowed"] == "/"
    assert "notificationclick" in await worker.text()
    emblem = (CONTENT_DIR / "web" / "bieu-trung-tam-thoi.svg").read_bytes()
    for path in ("/emblem", "/favicon.ico"):
        resp = await shipped.get(path)
        assert resp.status == 200 and resp.headers["Content-Type"] == "image/svg+xml"
        assert await resp.read() == emblem
        assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")


async def test_without_web_yaml_the_page_has_a_plain_icon_and_default_colours(pack_dir):
    (pack_dir / "web.yaml").unlink()
    shutil.rmtree(pack_dir / "web")
    client = await client_for(pack_dir)
    try:
        resp = await client.get("/favicon.ico")
        assert resp.status == 200 and b"<svg" in await resp.read()
        assert "--brand: #a3161c" in await (await client.get("/")).text()
    finally:
        await client.close()


@pytest.mark.parametrize(("change", "field", "says"), [
    (lambda d: d["colours"].update(primary="#f2c230"), "colours.primary", "WCAG AA"),
    (lambda d: d["colours"].update(primary="red"), "colours.primary", "String should match pattern"),
    (lambda d: d.update(emblem="web/khong-co.svg"), "emblem", "không có tệp"),
    (lambda d: d.update(emblem="../README.md"), "emblem", "không có tệp"),
    (lambda d: d.update(emblem="README.md"), "emblem", "phải là tệp ảnh"),
    (lambda d: d.update(footer_hotline="khong-co"), "footer_hotline", "không có đường dây nóng"),
    (lambda d: d.update(logo="x.svg"), "logo", "Extra inputs"),
])
def test_validate_names_what_is_wrong_in_web_yaml(pack_dir, change, field, says):
    edit(pack_dir / "web.yaml", change)
    with pytest.raises(ContentError) as refused:
        load(pack_dir)
    found = [i for i in refused.value.issues if i.file == "web.yaml" and i.field == field]
    assert found and says in found[0].message, refused.value.issues


def test_shipped_colours_pass_wcag_aa():
    data = yaml.safe_load((CONTENT_DIR / "web.yaml").read_text(encoding="utf-8"))
    assert contrast(data["colours"]["primary"], "#ffffff") >= 4.5
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0 and contrast("#777777", "#ffffff") < 4.5
