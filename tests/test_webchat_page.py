"""The web chat page as people use it, in Debian's Chromium (Playwright): branded from the
pack, embedded in a portal page on another origin, keyboard-only, with a screen reader's
live region, at 200% text, light enough for a slow line, and with no serious axe-core
violations at desktop and phone sizes; the conversation kept across a reload, live
messages, and a campaign waiting on return. Screenshots go to tests/.artifacts/."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from bot.kernel.messages import Reply
from tests.webpage_support import (
    DESKTOP,
    PHONE,
    artifact,
    axe_violations,
    bot_server,
    chromium,
    gzipped_size,
    portal,
    require_chromium,
)

pytestmark = pytest.mark.browser

LONG_GUIDE = "dang-ky-thuong-tru"  # the pack's longest guide: far taller than a phone's chat area
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")


@pytest.fixture
def db_url(tmp_path, sqlite_template) -> str:
    """One backend is enough for what the browser shows (the server's tests cover both)."""
    path = tmp_path / "page.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def bot(services, request):
    require_chromium()
    async with bot_server(services, request) as (app, url):
        yield url


@pytest.fixture
async def browser():
    require_chromium()
    async with chromium() as b:
        yield b


async def open_chat(browser, url: str, viewport=DESKTOP, **options):
    page = await browser.new_page(viewport=viewport, **options)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # script errors, asserted empty by the tests that care
    await page.goto(url)
    await menu(page).wait_for()
    return page


def menu(page):
    return page.get_by_role("button", name="Tin CCHC theo chủ đề").last


def log(page):
    return page.locator("#log")


async def settle(page) -> None:
    """Animations finished (the screenshot shows the page at rest)."""
    await page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")


# -- 1. Branded from the pack -------------------------------------------------------------

async def test_branded_header_footer_and_favicon_from_the_pack(bot, browser, content_store):
    info = content_store.pack.info
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = await open_chat(browser, bot, viewport)
        header = page.locator("header")
        assert await header.get_by_role("heading", level=1).inner_text() == info.bot_name
        assert info.agency.upper() in (await header.inner_text()).upper()
        assert info.superior_agency.upper() in (await header.inner_text()).upper()
        emblem = header.get_by_role("img", name=f"Biểu trưng {info.agency}")
        assert await emblem.evaluate("img => img.complete && img.naturalWidth > 0")
        assert await page.title() == f"{info.bot_name} — {info.agency}"
        # The footer: the hotline (its number is still for the operator to fill: said so) and privacy.
        footer = page.locator("footer")
        assert "Đường dây nóng: đang cập nhật" in await footer.inner_text()
        await settle(page)
        await page.screenshot(path=artifact(f"webchat-{name}.png"))
        # The brand colour is the pack's.
        colour = await header.evaluate("h => getComputedStyle(h).backgroundColor")
        assert colour == "rgb(163, 22, 28)"  # web.yaml colours.primary #a3161c
        await page.close()
    page = await browser.new_page()
    favicon = await page.goto(bot + "favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"] == "image/svg+xml"
    assert "<svg" in (await favicon.text())
    await page.close()


async def test_privacy_notice_says_what_is_kept_how_long_and_erases_on_request(bot, browser, services):
    page = await open_chat(browser, bot)
    await page.get_by_role("button", name="Quyền riêng tư").click()
    dialog = page.get_by_role("dialog", name="Quyền riêng tư và dữ liệu của bạn")
    await dialog.wait_for()
    text = await dialog.inner_text()
    assert f"{services.settings.webchat_history_days} ngày" in text and "/xoadulieu" in text
    await settle(page)
    await page.screenshot(path=artifact("webchat-privacy.png"))
    await dialog.get_by_role("button", name="Xoá dữ liệu của tôi").click()
    # The bot's own erasure flow asks to confirm: the same as typing /xoadulieu.
    await log(page).get_by_text("Bạn muốn xoá dữ liệu cá nhân của mình").wait_for()
    await page.get_by_role("button", name="Xoá dữ liệu của tôi").last.click()
    await log(page).get_by_text("Đã xoá dữ liệu cá nhân của bạn").wait_for()
    assert page.errors == []


async def test_no_emoji_on_the_page_icons_are_svg(bot, browser):
    """An office PC without an emoji font shows no empty boxes: the bot's emoji are icons
    or left out, and the page's own icons are SVG."""
    page = await open_chat(browser, bot)
    await page.get_by_role("button", name="Đường dây nóng, phản ánh").click()
    await page.get_by_role("button", name="Gửi phản ánh, kiến nghị").wait_for()
    shown = await page.evaluate("""() => document.body.innerText + ' ' + [...document.querySelectorAll('*')]
        .flatMap(e => ['aria-label', 'title', 'alt', 'placeholder'].map(a => e.getAttribute(a) || '')).join(' ')""")
    assert not EMOJI.findall(shown), EMOJI.findall(shown)
    # The hotline menu's call and feedback buttons carry an SVG icon where the bot had an emoji.
    assert await log(page).locator("button svg.i, a svg.i").count() >= 1
    assert await page.locator("header svg, form svg, footer svg").count() >= 3


# -- 3. The conversation: a long reply from its beginning; history; events ------------------

async def test_long_reply_is_shown_from_its_beginning(bot, browser, content_store):
    guide = content_store.pack.guide(LONG_GUIDE)
    page = await open_chat(browser, bot, PHONE, reduced_motion="reduce")
    await page.fill("#text", guide.phrasings[0])
    await page.press("#text", "Enter")
    reply = log(page).locator(".msg.bot", has_text=guide.steps[0][:30]).last
    await reply.wait_for()
    box, area = await reply.bounding_box(), await log(page).bounding_box()
    assert box["height"] > area["height"], "the guide must be taller than the chat area for this test"
    # Its first line is in view, at the top of the chat area; its end is below.
    assert area["y"] <= box["y"] <= area["y"] + 24
    await page.screenshot(path=artifact("webchat-long-reply.png"))


async def test_without_the_server_side_the_page_degrades_gracefully(bot, browser, services):
    """No /api/history: the page starts empty with the greeting; no /api/events: messages
    come by polling the inbox; no push key: no bell. Nothing breaks."""
    page = await open_chat(browser, bot)
    await page.fill("#text", "dịch vụ công trực tuyến")
    await page.press("#text", "Enter")
    await page.wait_for_function("() => document.querySelectorAll('#log .msg.me').length === 1")
    assert not await page.locator("#bell").is_visible()
    session = await page.evaluate("localStorage.getItem('cchc-session')")
    await services.senders["web"].send(session, [Reply("Thông báo gửi riêng cho trình duyệt này.")])
    await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # back to the tab
    await log(page).get_by_text("Thông báo gửi riêng cho trình duyệt này.").wait_for(timeout=10_000)
    assert page.errors == []


async def test_conversation_survives_a_reload(bot, browser, content_store):
    entry = content_store.pack.faq[0]
    page = await open_chat(browser, bot)
    await page.fill("#text", entry.question)
    await page.press("#text", "Enter")
    await log(page).get_by_text(entry.answer.strip()[:40]).wait_for()
    await page.reload()
    await log(page).get_by_text(entry.answer.strip()[:40]).wait_for()
    assert await log(page).locator(".msg.me", has_text=entry.question).count() == 1
    # The greeting is not sent again to a person who is back.
    assert await log(page).get_by_text("Xin chào!").count() == 1
    assert page.errors == []


async def test_message_outside_a_turn_arrives_over_server_sent_events(bot, browser, services):
    page = await browser.new_page()
    inbox_polls: list[str] = []
    page.on("request", lambda r: inbox_polls.append(r.url) if "/api/inbox" in r.url else None)
    async with page.expect_response(lambda r: "/api/events" in r.url) as stream:
        await page.goto(bot)  # the page listens once the greeting has come
    assert (await stream.value).status == 200
    session = await page.evaluate("localStorage.getItem('cchc-session')")
    await services.senders["web"].send(session, [Reply("Trả lời phản ánh của bạn đã có.")])
    await log(page).get_by_text("Trả lời phản ánh của bạn đã có.").wait_for(timeout=10_000)
    await page.wait_for_function(
        "() => document.getElementById('announce').textContent === 'Trợ lý trả lời: Trả lời phản ánh của bạn đã có.'")
    assert inbox_polls == []  # it came by the event stream, not by polling


# -- 2. Embedded in the portal: a second origin, hostile CSS, the allow-list ----------------

HOSTILE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin (thử)</title>
<style>* { display: none !important; font-size: 2px !important; } iframe { width: 1px !important; }</style>
</head><body><h1>Trang chủ</h1>
<script src="{bot}embed.js" data-label="Hỏi đáp CCHC" data-position="left" async></script></body></html>"""
PLAIN = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin (thử)</title></head>
<body><h1>Trang chủ</h1><p>Tin tức cải cách hành chính.</p>
<script src="{bot}embed.js" async></script></body></html>"""
RAW_FRAME = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Trang lạ</title></head>
<body><iframe id="chat" title="chat" src="{bot}?embed=1" width="400" height="600"></iframe></body></html>"""


async def test_embedded_in_a_portal_page_with_hostile_css(services, request, browser):
    require_chromium()
    pages = {"/": HOSTILE, "/plain": PLAIN}
    async with portal(pages) as host_origin:
        services.settings = services.settings.model_copy(update={"webchat_allowed_origins": [host_origin]})
        async with bot_server(services, request) as (_, bot):
            for name, value in pages.items():
                pages[name] = value.replace("{bot}", bot)
            for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
                page = await browser.new_page(viewport=viewport)
                await page.goto(host_origin + "/")
                launcher = page.get_by_role("button", name="Mở Trợ lý CCHC Cần Thơ")
                await launcher.wait_for()
                box = await launcher.bounding_box()
                assert box["height"] >= 44 and box["width"] >= 100  # the host's 2px font did not shrink it
                assert box["x"] < viewport["width"] / 2  # data-position="left"
                assert "Hỏi đáp CCHC" in await launcher.inner_text()  # data-label
                await page.screenshot(path=artifact(f"embed-closed-{size}.png"))
                await launcher.click()
                frame = page.frame_locator("[data-cchc-chat] iframe")
                await frame.get_by_role("button", name="Tin CCHC theo chủ đề").wait_for()
                # Typed from the keyboard: the focus went into the frame's input.
                await page.keyboard.type("dịch vụ công trực tuyến")
                await page.keyboard.press("Enter")
                await frame.locator("#log .msg.me").wait_for()
                font = await frame.locator("#text").evaluate("e => getComputedStyle(e).fontSize")
                assert font == "16px"
                panel = await page.locator("[data-cchc-chat] iframe").bounding_box()
                assert panel["width"] >= min(360, viewport["width"] - 16) and panel["height"] >= 500
                await page.screenshot(path=artifact(f"embed-open-{size}.png"))
                await frame.get_by_role("button", name="Đóng").click()
                await launcher.wait_for()
                assert await launcher.evaluate("b => b.getRootNode().activeElement === b")  # focus back
                await page.close()


async def test_a_host_not_on_the_allow_list_cannot_frame_the_chat(services, request, browser):
    require_chromium()
    pages = {"/": PLAIN, "/raw": RAW_FRAME}
    async with portal(pages) as host_origin:
        services.settings = services.settings.model_copy(update={
            "webchat_allowed_origins": ["https://congthongtin.example"]})
        async with bot_server(services, request) as (_, bot):
            for name, value in pages.items():
                pages[name] = value.replace("{bot}", bot)
            page = await browser.new_page()
            warnings: list[str] = []
            page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
            async with page.expect_response(lambda r: r.url.endswith("/embed.js")):
                await page.goto(host_origin + "/")
            await page.wait_for_function("() => document.readyState === 'complete'")
            assert await page.locator("[data-cchc-chat]").count() == 0
            assert any("WEBCHAT_ALLOWED_ORIGINS" in w for w in warnings)
            # A page that frames the chat by hand: the browser refuses (frame-ancestors).
            async with page.expect_response(lambda r: "embed=1" in r.url) as answer:
                await page.goto(host_origin + "/raw")
            csp = (await answer.value).headers["content-security-policy"]
            assert csp == "frame-ancestors 'self' https://congthongtin.example"
            frame = page.frame_locator("#chat")
            await page.wait_for_function("() => document.readyState === 'complete'")
            assert await frame.locator("#text").count() == 0
            await page.screenshot(path=artifact("embed-refused.png"))


async def test_campaign_received_on_return_with_a_count_on_the_launcher(services, request, browser):
    """A web visitor subscribes; a campaign goes out through the outbox while the page is
    closed; on their next visit the launcher shows 1 new message and the chat shows it."""
    require_chromium()
    from scheduler.delivery.worker import Worker
    from tests.campaigns.helpers import start_campaign

    pages = {"/": PLAIN}
    async with portal(pages) as host_origin:
        services.settings = services.settings.model_copy(update={
            "webchat_allowed_origins": [host_origin], "quiet_hours": "", "broadcast_max_per_day": 0})
        async with bot_server(services, request) as (_, bot):
            pages["/"] = PLAIN.replace("{bot}", bot)
            context = await browser.new_context(viewport=DESKTOP)
            page = await context.new_page()
            await page.goto(host_origin + "/")
            await page.get_by_role("button", name="Mở Trợ lý CCHC Cần Thơ").click()
            frame = page.frame_locator("[data-cchc-chat] iframe")
            await frame.get_by_role("button", name="Đăng ký nhận tin").click()
            await frame.get_by_role("button", name="Nhận tất cả tin CCHC").click()
            await frame.locator("#log").get_by_text("Đã đăng ký nhận tin").wait_for()
            await page.close()
            await start_campaign(services, title="Tuần lễ dịch vụ công", text="Nộp hồ sơ trực tuyến trên Cổng.",
                                 channels=("web",))
            worker = Worker(services.db, services.content, services.settings, {"web": services.senders["web"]})
            await worker.register()
            while await worker.run_once():
                pass
            page = await context.new_page()
            await page.goto(host_origin + "/")
            launcher = page.get_by_role("button", name="Mở Trợ lý CCHC Cần Thơ, 1 tin nhắn mới")
            await launcher.wait_for(timeout=10_000)
            await page.screenshot(path=artifact("embed-unread.png"))
            await launcher.click()
            await page.frame_locator("[data-cchc-chat] iframe").locator("#log").get_by_text(
                "Nộp hồ sơ trực tuyến trên Cổng.").wait_for()
            await context.close()


# -- 4. Web Push --------------------------------------------------------------------------

async def test_bell_only_where_the_server_has_a_push_key(bot, browser):
    page = await open_chat(browser, bot)  # this server has no VAPID keys: /api/push/key is 404
    assert not await page.locator("#bell").is_visible()
    await page.close()
    context = await browser.new_context()
    await context.grant_permissions(["notifications"], origin=bot.rstrip("/"))
    page = await context.new_page()
    key = "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U"
    await page.route("**/api/push/key", lambda route: route.fulfill(json={"key": key}))
    await page.goto(bot)
    bell = page.get_by_role("button", name="Nhận thông báo")
    await bell.wait_for()
    assert await bell.get_attribute("aria-pressed") == "false"
    await context.close()


async def test_service_worker_shows_the_push_and_opens_its_page(bot, browser):
    context = await browser.new_context()
    await context.grant_permissions(["notifications"], origin=bot.rstrip("/"))
    page = await context.new_page()
    await page.goto(bot)
    async with context.expect_event("serviceworker") as registered:
        await page.evaluate("navigator.serviceWorker.register('sw.js', {scope: './'})")
    worker = await registered.value
    await page.evaluate("navigator.serviceWorker.ready")
    target = bot + "?tu=thong-bao"
    shown = await worker.evaluate("""async (payload) => {
        const event = new PushEvent('push', {data: JSON.stringify(payload)});
        self.dispatchEvent(event);
        for (let i = 0; i < 100; i++) {
            const found = await self.registration.getNotifications();
            if (found.length) return found.map(n => ({title: n.title, body: n.body, url: n.data.url}));
            await new Promise(r => setTimeout(r, 50));
        }
        return [];
    }""", {"title": "Tuần lễ dịch vụ công", "body": "Nộp hồ sơ trực tuyến.", "url": target})
    assert shown == [{"title": "Tuần lễ dịch vụ công", "body": "Nộp hồ sơ trực tuyến.", "url": target}]
    # A click opens the message's page (the browser's window opening itself is stood in for).
    opened = await worker.evaluate("""async () => {
        let url = null;
        self.clients.openWindow = async (u) => { url = u; };
        const [n] = await self.registration.getNotifications();
        self.dispatchEvent(new NotificationEvent('notificationclick', {notification: n}));
        for (let i = 0; i < 100 && url === null; i++) await new Promise(r => setTimeout(r, 50));
        return {url, left: (await self.registration.getNotifications()).length};
    }""")
    assert opened == {"url": target, "left": 0}
    await context.close()


# -- 5. Accessible and light --------------------------------------------------------------

async def test_keyboard_only(bot, browser, content_store):
    page = await open_chat(browser, bot)
    # The first Tab: a link straight to the question box.
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Đến ô nhập câu hỏi")
    assert await skip.evaluate("a => a === document.activeElement") and await skip.is_visible()
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "text"
    # Without it, Tab goes through the conversation and its buttons, in order, to the box.
    await skip.focus()
    await page.keyboard.press("Tab")
    seen = []
    for _ in range(30):
        seen.append(await page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
        if seen[-1] == "text":
            break
        await page.keyboard.press("Tab")
    assert seen[0] == "log" and seen[-1] == "text" and any("Tin CCHC theo chủ đề" in x for x in seen), seen
    outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    # Enter sends.
    entry = content_store.pack.faq[0]
    await page.keyboard.type(entry.question)
    await page.keyboard.press("Enter")
    await log(page).get_by_text(entry.answer.strip()[:40]).wait_for()
    # The reply's buttons are reachable by Tab: back from the question box to the last one.
    await page.focus("#text")
    await page.keyboard.press("Shift+Tab")
    await page.keyboard.press("Shift+Tab")  # the conversation region, then its last button
    focused = await page.evaluate("[document.activeElement.tagName, document.activeElement.closest('#log') !== null]")
    assert focused[1] and focused[0] in ("BUTTON", "A"), focused
    # Tab goes on to Send, then the privacy notice; Enter opens it, Escape closes it.
    await page.focus("#text")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "send"
    await page.keyboard.press("Tab")  # the shipped pack's hotline has no number yet: not a link
    assert await page.evaluate("document.activeElement.id") == "privacy-open"
    await page.keyboard.press("Enter")
    await page.get_by_role("dialog").wait_for()
    await page.keyboard.press("Escape")
    await page.get_by_role("dialog").wait_for(state="hidden")
    assert await page.evaluate("document.activeElement.id") == "privacy-open"


async def test_new_reply_is_announced_to_screen_readers(bot, browser, content_store):
    entry = content_store.pack.faq[0]
    page = await open_chat(browser, bot)
    live = page.locator("#announce")
    assert await live.get_attribute("aria-live") == "polite"
    assert await page.get_by_role("textbox", name="Câu hỏi của bạn").count() == 1
    assert await page.get_by_role("region", name="Cuộc trò chuyện với trợ lý").count() == 1
    words = " ".join(entry.answer.split()[:6])
    await page.fill("#text", entry.question)
    await page.press("#text", "Enter")
    # The greeting is announced first; then the answer replaces it.
    await page.wait_for_function("w => document.getElementById('announce').textContent.includes(w)", arg=words)
    said = await live.inner_text()
    assert said.startswith("Trợ lý trả lời:") and words in said, (words, said)


async def test_reduced_motion_is_honoured(bot, browser):
    for motion, animation, scrolling in (("reduce", "none", "auto"), ("no-preference", "rise", "smooth")):
        page = await open_chat(browser, bot, reduced_motion=motion)
        bubble = log(page).locator(".msg").first
        assert await bubble.evaluate("e => getComputedStyle(e).animationName") == animation
        assert await log(page).evaluate("e => getComputedStyle(e).scrollBehavior") == scrolling
        await page.close()


async def test_text_at_200_percent_loses_nothing(bot, browser):
    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = await open_chat(browser, bot, viewport)
        await page.evaluate("document.documentElement.style.fontSize = '200%'")
        await settle(page)
        # Nothing is cut off sideways; the question box, Send, the hotline and privacy can
        # all be reached and seen (the page scrolls when the text no longer fits).
        assert await page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        for target in ("#text", "#send", "footer .hotline", "#privacy-open", "header h1"):
            element = page.locator(target)
            await element.scroll_into_view_if_needed()
            box = await element.bounding_box()
            assert box and box["width"] > 0, target
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, target
            assert await element.is_visible(), target
        await page.screenshot(path=artifact(f"webchat-200pc-{size}.png"))
        await page.close()


async def test_axe_finds_no_serious_violations(bot, browser):
    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = await open_chat(browser, bot, viewport, reduced_motion="reduce")
        await page.get_by_role("button", name="Đường dây nóng, phản ánh").click()
        await page.get_by_role("button", name="Gửi phản ánh, kiến nghị").wait_for()
        assert await axe_violations(page) == [], size
        await page.get_by_role("button", name="Quyền riêng tư").click()
        await page.get_by_role("dialog").wait_for()
        assert await axe_violations(page) == [], f"{size}, privacy notice open"
        await page.close()
        embedded = await open_chat(browser, bot + "?embed=1", viewport, reduced_motion="reduce")
        assert await axe_violations(embedded) == [], f"{size}, embedded"
        await embedded.close()


async def test_page_weight_under_60_kb_gzipped(bot, browser):
    """What the page loads of its own (HTML, CSS, JS), gzipped as a server sends it."""
    page = await browser.new_page()
    bodies: dict[str, bytes] = {}

    async def keep(response):
        if response.request.resource_type in ("document", "stylesheet", "script") and response.url.startswith(bot):
            bodies[response.url] = await response.body()

    page.on("response", keep)
    await page.goto(bot)
    await menu(page).wait_for()
    await page.wait_for_load_state("load")
    kinds = {url.split("?")[0].rsplit("/", 1)[-1] for url in bodies}
    assert {"", "chat.js", "chat.css"} <= kinds, kinds
    total = sum(gzipped_size(b) for b in bodies.values())
    print(f"page weight: {total} bytes gzipped ({len(bodies)} files: {sorted(kinds)})")
    assert total < 60 * 1024


async def test_page_texts_come_from_the_catalogue(bot, browser):
    """The page's texts come from the catalogue (no sentence is written in the script)."""
    page = await open_chat(browser, bot)
    texts = json.loads(await page.locator("#cchc-texts").text_content())
    assert texts["typing"] == "Đang trả lời…" and texts["erase_command"] == "/xoadulieu"


async def test_usable_on_a_slow_3g_line(bot, browser, content_store):
    """Chromium's "slow 3G" (400 ms round trips, 400 kbit/s each way): the page opens and a
    question is answered, with the page's own scripts only (no waiting on anything else)."""
    entry = content_store.pack.faq[0]
    page = await browser.new_page(viewport=PHONE)
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8})
    await page.goto(bot, timeout=60_000)
    await menu(page).wait_for(timeout=60_000)
    await page.fill("#text", entry.question)
    await page.press("#text", "Enter")
    await page.locator("#log").get_by_text(entry.answer.strip()[:40]).wait_for(timeout=60_000)
