/* The web chat on any page of the portal: one tag,
     <script src="https://<the bot's address>/embed.js" async></script>
   puts a launcher button in a corner; the chat opens in a frame, which the host page's CSS
   cannot reach. Options on the tag (README, "Nhúng khung chat"): data-position="left",
   data-label="…", data-open="true", data-offset="24". The bot answers only in pages whose
   origin is in WEBCHAT_ALLOWED_ORIGINS. */
(function () {
  "use strict";
  var C = __CONFIG__;
  var script = document.currentScript;
  if (!script || window.__cchcChat) return;
  window.__cchcChat = true;
  var src = new URL(script.src, location.href), bot = src.origin;
  var base = src.href.replace(/embed\.js(?:[?#].*)?$/, "");
  if (location.origin !== bot && C.origins.indexOf(location.origin) < 0) {
    console.warn("cchc-chat: " + location.origin + " is not in WEBCHAT_ALLOWED_ORIGINS; the chat is not shown.");
    return;
  }
  var d = script.dataset || {};
  var side = d.position === "left" ? "left" : "right";
  var offset = Math.min(Math.max(parseInt(d.offset, 10) || 20, 0), 200) + "px";
  var label = d.label || C.launcher;

  var hostEl = document.createElement("div");
  hostEl.setAttribute("data-cchc-chat", "");
  var root = hostEl.attachShadow({ mode: "open" });
  // :host rules marked !important win over the host page's, even its !important ones;
  // everything else lives in the shadow root, out of the page's selectors' reach.
  root.innerHTML =
    "<style>" +
    ":host{all:initial!important;display:block!important;position:fixed!important;z-index:2147483000!important;" +
    "bottom:" + offset + "!important;" + side + ":" + offset + "!important;top:auto!important;" +
    (side === "left" ? "right" : "left") + ":auto!important;width:auto!important;height:auto!important;" +
    "visibility:visible!important;opacity:1!important;transform:none!important;" +
    "font:16px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',Arial,sans-serif!important}" +
    "*{box-sizing:border-box}" +
    ".launch{display:flex;align-items:center;gap:8px;min-height:52px;padding:0 18px 0 8px;border:0;border-radius:26px;" +
    "background:" + C.primary + ";color:#fff;font-family:inherit;font-size:16px;font-weight:600;line-height:1;cursor:pointer;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.28);position:relative}" +
    ".launch:focus-visible{outline:3px solid #1348c4;outline-offset:3px}" +
    ".launch img{width:38px;height:38px;border-radius:50%;background:#fff}" +
    ".badge{position:absolute;top:-6px;" + (side === "left" ? "left" : "right") + ":-6px;min-width:24px;height:24px;" +
    "padding:0 6px;border-radius:12px;background:#fff;color:#8a1016;border:2px solid " + C.primary + ";" +
    "font-family:inherit;font-size:13px;font-weight:700;line-height:20px;text-align:center}" +
    ".panel{position:absolute;bottom:0;" + side + ":0;width:min(400px,calc(100vw - 16px));" +
    "height:min(640px,calc(100vh - 40px));border-radius:14px;overflow:hidden;background:#fff;" +
    "box-shadow:0 10px 40px rgba(0,0,0,.35)}" +
    ".panel iframe{display:block;width:100%;height:100%;border:0}" +
    "[hidden]{display:none!important}" +
    "@media (max-width:480px){.panel{position:fixed;inset:0;width:100vw;height:100vh;height:100dvh;border-radius:0}}" +
    "</style>" +
    "<button class='launch' type='button' aria-expanded='false'><img alt=''><span class='label'></span>" +
    "<span class='badge' hidden></span></button>" +
    "<div class='panel' hidden><iframe allow='clipboard-write'></iframe></div>";
  var launch = root.querySelector(".launch"), badge = root.querySelector(".badge");
  var panel = root.querySelector(".panel"), frame = root.querySelector("iframe");
  root.querySelector(".launch img").src = base + C.emblem;
  root.querySelector(".label").textContent = label;
  frame.title = C.page_title;
  var unread = 0;
  function name() {
    var text = C.launcher_label;
    return unread ? text + ", " + C.unread.replace("{count}", unread) : text;
  }
  function setUnread(count) {
    unread = count > 0 ? count : 0;
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = !unread;
    launch.setAttribute("aria-label", name());
  }
  setUnread(0);
  var ready = false, openWhenReady = false;
  function open() {
    if (!ready) { openWhenReady = true; return; }
    panel.hidden = false; launch.hidden = true;
    launch.setAttribute("aria-expanded", "true");
    frame.contentWindow.postMessage({ type: "cchc-open" }, bot);
    frame.focus();
  }
  function close() {
    panel.hidden = true; launch.hidden = false;
    launch.setAttribute("aria-expanded", "false");
    frame.contentWindow.postMessage({ type: "cchc-closed" }, bot);
    launch.focus();
  }
  launch.addEventListener("click", open);
  frame.addEventListener("load", function () {
    ready = true;
    if (openWhenReady) open();
  });
  window.addEventListener("message", function (e) {
    if (e.source !== frame.contentWindow || e.origin !== bot || !e.data) return;
    if (e.data.type === "cchc-unread" && typeof e.data.count === "number") setUnread(e.data.count);
    else if (e.data.type === "cchc-close") close();
  });
  frame.src = base + "?embed=1&origin=" + encodeURIComponent(location.origin);
  if (d.open === "true") open();

  function mount() {
    // Outside <body>, so a host rule that hides the body's children cannot hide it; and
    // the root element is kept displayed, which it always is unless a rule hides everything.
    document.documentElement.appendChild(hostEl);
    if (getComputedStyle(document.documentElement).display === "none") {
      document.documentElement.style.setProperty("display", "block", "important");
    }
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
