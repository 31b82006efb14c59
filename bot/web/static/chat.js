/* The web chat page: the conversation (kept on the server and shown again on return), new
   messages over server-sent events (or a long poll where a proxy buffers them), Web Push,
   the privacy notice, and the frame's side of the portal's launcher (embed.js).
   Every sentence comes from the page (the pack's message catalogue). */
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("cchc-texts").textContent);
  var C = JSON.parse(document.getElementById("cchc-config").textContent);
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("text");
  var announcer = document.getElementById("announce");
  var reducedMotion = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;

  function say(key, values) {
    return String(T[key] || "").replace(/\{(\w+)\}/g, function (all, name) {
      return values && name in values ? values[name] : all;
    });
  }
  function newId() {
    var a = new Uint8Array(12); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function stored(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }

  var session = stored("cchc-session");
  if (!session || !/^[A-Za-z0-9_-]{8,64}$/.test(session)) { session = newId(); store("cchc-session", session); }
  var q = "session=" + encodeURIComponent(session);

  // The last message id this page has (history, a reply's history_id, an event), and which
  // ids are shown, so a message that comes by two ways is shown once.
  var cursorKey = "cchc-inbox-" + session, seenKey = "cchc-seen-" + session;
  var lastId = parseInt(stored(cursorKey) || "0", 10) || 0;
  var shown = {};
  function advance(id) {
    if (typeof id === "number" && id > lastId) { lastId = id; store(cursorKey, String(lastId)); }
    if (isOpen() && !document.hidden) store(seenKey, String(lastId));
  }

  // -- Icons instead of emoji: the bot's texts use a few; an office PC may have no emoji font.
  var ICONS = { "2705": "check", "2714": "check", "2611": "check", "274c": "cross", "2716": "cross", "26d4": "cross",
    "1f6ab": "cross", "260e": "phone", "1f4de": "phone", "1f4f1": "phone", "26a0": "warn", "1f6a8": "warn",
    "2757": "warn", "1f514": "bell", "1f4e2": "bell", "1f4e3": "bell", "1f4dd": "pen", "270f": "pen", "270d": "pen",
    "27a1": "arrow", "1f310": "ext", "1f517": "ext", "1f3e0": "home", "1f3db": "home" };
  var EMOJI = /(?:[\u{1F1E6}-\u{1F1FF}]{2}|(?![\u00A9\u00AE\u2122])\p{Extended_Pictographic})(?:\uFE0F|\u20E3|[\u{1F3FB}-\u{1F3FF}]|\u200D\p{Extended_Pictographic}\uFE0F?)*\uFE0F?/gu;
  function svgIcon(name) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg"), use = document.createElementNS(ns, "use");
    svg.setAttribute("class", "i"); svg.setAttribute("aria-hidden", "true");
    use.setAttribute("href", "#i-" + name); svg.appendChild(use);
    return svg;
  }
  function plain(text) { return String(text || "").replace(EMOJI, "").trim(); }
  // Text with emoji replaced by icons (known ones) or left out (decoration), as DOM nodes.
  function textNodes(parent, text) {
    text = String(text || "");
    var at = 0, m;
    EMOJI.lastIndex = 0;
    while ((m = EMOJI.exec(text))) {
      if (m.index > at) parent.appendChild(document.createTextNode(text.slice(at, m.index)));
      var name = ICONS[m[0].codePointAt(0).toString(16)];
      if (name) parent.appendChild(svgIcon(name));
      at = m.index + m[0].length;
      if (!name && text.charAt(at) === " ") at += 1;  // a dropped emoji takes its space along
    }
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
  }

  // -- The conversation ------------------------------------------------------------------
  function bubble(who, before) {
    var div = document.createElement("div");
    div.className = "msg " + who;
    var label = document.createElement("span");
    label.className = "sr"; label.textContent = (who === "me" ? say("you_said") : say("bot_said")) + ": ";
    div.appendChild(label);
    log.insertBefore(div, before || null);
    return div;
  }
  function status(text) {
    var div = document.createElement("div");
    div.className = "status"; div.setAttribute("role", "status"); div.textContent = text;
    log.appendChild(div);
    toBottom();
    return div;
  }
  function mine(text, before) {
    var div = bubble("me", before);
    textNodes(div, text);
    return div;
  }
  function reply(r, before) {
    var div = bubble("bot", before);
    textNodes(div, r.text);
    var rows = (r.buttons || []).slice();
    if (r.quiz && r.quiz.payloads) {  // a quiz question: its options are numbered in the text
      rows.unshift(r.quiz.payloads.map(function (payload, i) { return { label: String(i + 1), payload: payload }; }));
    }
    if (!rows.length) return div;
    var box = document.createElement("div"); box.className = "buttons";
    rows.forEach(function (row) {
      var line = document.createElement("div"); line.className = "row";
      row.forEach(function (b) {
        var el;
        if (b.url || b.phone) {
          el = document.createElement("a");
          if (b.url) {
            if (!/^https?:\/\//i.test(b.url)) return;
            el.href = b.url; el.target = "_blank"; el.rel = "noopener";
          } else {
            el.href = "tel:" + String(b.phone).replace(/[^0-9+]/g, "");
          }
          el.appendChild(svgIcon(b.url ? "ext" : "phone"));
        } else {
          el = document.createElement("button"); el.type = "button";
          el.addEventListener("click", function () { send({ payload: b.payload }, plain(b.label)); });
        }
        textNodes(el, b.label);
        if (b.url) { var sr = document.createElement("span"); sr.className = "sr"; sr.textContent = " " + say("new_tab"); el.appendChild(sr); }
        line.appendChild(el);
      });
      box.appendChild(line);
    });
    div.appendChild(box);
    return div;
  }
  function toBottom() { log.scrollTop = log.scrollHeight; }
  // New replies: from the top of the first, when they are taller than the chat area (a
  // long guide is read from its beginning); else the end of the conversation.
  function reveal(first) {
    var top = Math.max(0, first.offsetTop - 8);
    var target = Math.min(top, log.scrollHeight - log.clientHeight);
    if (reducedMotion || !log.scrollTo) log.scrollTop = target;
    else log.scrollTo({ top: target, behavior: "smooth" });
  }
  function announce(replies) {
    var text = replies.map(function (r) { return plain(r.text); }).join(" ").replace(/\s+/g, " ").trim();
    if (!text) return;
    if (text.length > 300) text = text.slice(0, 300) + "…";
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = say("announce_reply", { text: text }); }, 50);
  }
  // Replies that arrive now: shown, revealed, announced.
  function arrive(replies) {
    var first = null;
    replies.forEach(function (r) { var d = reply(r); first = first || d; });
    if (first) { reveal(first); announce(replies); }
  }
  // A message sent outside a turn (an event, the inbox): once, however it came.
  function deliver(m) {
    if (!m || shown[m.id] || !m.replies) return;
    shown[m.id] = true;
    arrive(m.replies);
    advance(m.id);
  }

  // Patchy signal: retry the same message (same id, so it is handled once) a few times.
  function post(body, attempt) {
    return fetch("api/chat", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) throw { polite: data.error };
        return data;
      });
    }).catch(function (err) {
      if (err && err.polite) throw err;
      if (attempt >= 3) throw err;
      return new Promise(function (ok) { setTimeout(ok, 1000 * (attempt + 1)); })
        .then(function () { return post(body, attempt + 1); });
    });
  }
  function send(fields, shownText) {
    if (shownText) { mine(shownText); toBottom(); }
    var wait = status(say("typing"));
    var body = { session: session, id: newId() };
    if (fields.payload) { body.payload = fields.payload; if (shownText) body.label = shownText; }
    else body.text = fields.text;
    return post(body, 0).then(function (data) {
      wait.remove();
      if (typeof data.history_id === "number") { shown[data.history_id] = true; advance(data.history_id); }
      arrive(data.replies || []);
      if (!listening) listen();
    }).catch(function (err) {
      wait.textContent = (err && err.polite) || say("offline");
    });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text: text }, text);
  });

  // -- History: the conversation so far, newest page first; older pages on request. --------
  var GREETING = "/start", olderButton = null;
  function showHistory(messages, more, older) {
    var anchor = older ? log.firstChild : null;
    var keep = older ? log.scrollHeight - log.scrollTop : 0;
    messages.forEach(function (m) {
      if (shown[m.id]) return;
      shown[m.id] = true;
      if (m.role === "user") { if (m.text && m.text !== GREETING) mine(m.text, anchor); }  // the page's own /start
      else (m.replies || []).forEach(function (r) { reply(r, anchor); });
      if (!older) advance(m.id);
    });
    if (olderButton) { olderButton.remove(); olderButton = null; }
    if (more && messages.length) {
      olderButton = document.createElement("button");
      olderButton.type = "button"; olderButton.className = "older";
      olderButton.appendChild(svgIcon("up"));
      olderButton.appendChild(document.createTextNode(say("older")));
      var before = messages[0].id;
      olderButton.addEventListener("click", function () {
        getJson("api/history?" + q + "&before=" + before).then(function (data) {
          if (data) showHistory(data.messages || [], data.more, true);
        });
      });
      log.insertBefore(olderButton, log.firstChild);
    }
    if (older) log.scrollTop = log.scrollHeight - keep; else toBottom();
  }
  function getJson(url) {
    return fetch(url).then(function (res) { return res.ok ? res.json() : null; }).catch(function () { return null; });
  }

  // -- New messages: server-sent events; a long poll of the inbox where they do not come
  //    through (a proxy that buffers); a slow poll where the server has neither. ----------
  var listening = false, pollDelay = 0;
  function listen() {
    if (listening) return;
    listening = true;
    if (!window.EventSource) return longPoll();
    var source = new EventSource("api/events?" + q + "&after=" + lastId), opened = false;
    var giveUp = setTimeout(function () { if (!opened) fallBack(); }, 30000);
    function fallBack() { clearTimeout(giveUp); source.close(); longPoll(); }
    source.onopen = function () { opened = true; clearTimeout(giveUp); };
    source.onmessage = function (e) {
      try { deliver(JSON.parse(e.data)); } catch (err) { /* not a message of ours */ }
    };
    source.onerror = function () {
      // Reconnecting after the server ended a stream is normal; a refused stream is not.
      if (!opened || source.readyState === EventSource.CLOSED) fallBack();
    };
  }
  var pollTimer = 0, polling = false;
  function schedule(ms) { clearTimeout(pollTimer); pollTimer = setTimeout(longPoll, ms); }
  function longPoll() {
    if (polling) return;
    if (document.hidden && pollDelay) return;  // a slow poll waits for the page to be seen again
    polling = true;
    var started = Date.now();
    fetch("api/inbox?" + q + "&after=" + lastId + "&wait=25").then(function (res) {
      if (!res.ok) throw new Error(String(res.status));
      return res.json();
    }).then(function (data) {
      var messages = data.messages || [];
      messages.forEach(deliver);
      // An empty answer at once: the server does not hold the request; ask now and then.
      pollDelay = !messages.length && Date.now() - started < 3000 ? 15000 : 0;
    }).catch(function () {
      pollDelay = Math.min(Math.max(pollDelay * 2, 2000), 60000);
    }).then(function () { polling = false; schedule(pollDelay); });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) return;
    advance(0);
    if (pollDelay) schedule(0);  // back to the tab: what came meanwhile, now
  });

  // -- Web Push: a bell where the server has a key and the browser can. ------------------
  var bell = document.getElementById("bell"), bellLabel = document.getElementById("bell-label"), pushKey = null;
  function urlKey(base64) {
    var s = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function bellState(on) {
    bell.setAttribute("aria-pressed", on ? "true" : "false");
    bellLabel.textContent = say(on ? "bell_off" : "bell_on");
  }
  function worker() { return navigator.serviceWorker.register("sw.js", { scope: "./" }); }
  function setupPush() {
    if (C.embed || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
    getJson("api/push/key").then(function (data) {
      if (!data || !data.key) return;
      pushKey = data.key;
      bell.hidden = false;
      navigator.serviceWorker.getRegistration("./").then(function (reg) {
        return reg && reg.pushManager.getSubscription();
      }).then(function (sub) { bellState(!!sub && Notification.permission === "granted"); }).catch(function () {});
    });
  }
  bell.addEventListener("click", function () {
    var on = bell.getAttribute("aria-pressed") === "true";
    if (on) {
      worker().then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
        if (!sub) return;
        var endpoint = sub.endpoint;
        return sub.unsubscribe().then(function () {
          return fetch("api/push/unsubscribe", { method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ session: session, endpoint: endpoint }) });
        });
      }).then(function () { bellState(false); status(say("push_off")); }, function () { status(say("push_failed")); });
      return;
    }
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { status(say("push_denied")); return; }
      return worker().then(function (reg) {
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlKey(pushKey) });
      }).then(function (sub) {
        return fetch("api/push/subscribe", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ session: session, subscription: sub.toJSON() }) }).then(function (res) {
          if (!res.ok) throw new Error(String(res.status));
          bellState(true); status(say("push_on"));
        });
      });
    }).catch(function () { status(say("push_failed")); });
  });

  // -- The privacy notice ---------------------------------------------------------------
  var privacy = document.getElementById("privacy");
  document.getElementById("privacy-open").addEventListener("click", function () {
    if (privacy.showModal) privacy.showModal(); else privacy.setAttribute("open", "");
  });
  document.getElementById("privacy-close").addEventListener("click", function () { privacy.close(); });
  document.getElementById("erase").addEventListener("click", function () {
    privacy.close(); start(); send({ text: T.erase_command }, T.erase_command);
  });

  // -- Inside the portal's launcher (embed.js): the frame waits, closed, until it is opened;
  //    meanwhile it only tells the launcher how many messages are new. ------------------
  var host = C.embed && C.hostOrigin && window.parent !== window ? C.hostOrigin : null;
  if (!host) document.getElementById("close").hidden = true;  // nothing to close it into
  var opened = !C.embed || window.parent === window;  // the frame's page opened on its own: as the full page
  function isOpen() { return opened; }
  function tell(message) { if (host) window.parent.postMessage(message, host); }
  function countUnread() {
    var seen = parseInt(stored(seenKey) || "0", 10) || 0;
    getJson("api/unread?" + q + "&after=" + seen).then(function (data) {
      if (data && typeof data.count === "number") tell({ type: "cchc-unread", count: data.count });
    });
  }
  if (!opened) {
    window.addEventListener("message", function (e) {
      if (e.source !== window.parent || e.origin !== host || !e.data) return;
      if (e.data.type === "cchc-open") {
        opened = true; start(); advance(0); tell({ type: "cchc-unread", count: 0 });
        setTimeout(function () { input.focus(); }, 0);
      } else if (e.data.type === "cchc-closed") {
        opened = false;
      }
    });
    document.getElementById("close").addEventListener("click", function () { tell({ type: "cchc-close" }); });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !(privacy.open)) tell({ type: "cchc-close" });
    });
    countUnread();
    setInterval(function () { if (!opened && !document.hidden) countUnread(); }, 120000);
  }

  // -- Start: the conversation so far, or a greeting for a new one. -----------------------
  var started = false;
  function start() {
    if (started) return;
    started = true;
    getJson("api/history?" + q).then(function (data) {
      var messages = data && data.messages || [];
      if (messages.length) { showHistory(messages, data.more, false); listen(); }
      else send({ text: GREETING });
    });
  }
  setupPush();
  if (opened) start();
})();
