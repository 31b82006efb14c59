/* The web chat's service worker: shows a Web Push message as a notification and opens its
   page when the person clicks it. The server sends {"title", "body", "url"}. */
"use strict";

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data.text() }; }
  var url = typeof data.url === "string" && /^https?:\/\//i.test(data.url) ? data.url : self.registration.scope;
  event.waitUntil(self.registration.showNotification(data.title || "", {
    body: data.body || "",
    icon: new URL("emblem", self.registration.scope).href,
    data: { url: url },
    lang: "vi"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = event.notification.data && event.notification.data.url || self.registration.scope;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
    }
    return self.clients.openWindow(url);
  }));
});
