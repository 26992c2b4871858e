// Attune's service worker: caches the static shell and the offline page, never a private page.
const VERSION = "attune-shell-v3"; // bump when static modules change shape: old caches go
const SHELL = [
  "/offline",
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/js/push.js",
  "/static/vendor/socket.io.esm.min.js",
  "/static/icons/icon.svg",
  "/static/icons/icon-192.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/socket.io/")) return;
  if (url.pathname.startsWith("/static/")) {
    // Static files are public: cache first, refresh in the background.
    event.respondWith(
      caches.open(VERSION).then(async (cache) => {
        const hit = await cache.match(req);
        const fresh = fetch(req).then((resp) => {
          if (resp.ok) cache.put(req, resp.clone());
          return resp;
        }).catch(() => hit);
        return hit || fresh;
      }),
    );
    return;
  }
  if (req.mode === "navigate") {
    // Pages can be private: always from the network, never stored; offline page as fallback.
    event.respondWith(fetch(req).catch(() => caches.match("/offline")));
  }
});

// Reminders and partner alerts. The server sends only words it built from names and the
// exercise's title, never what anyone wrote, and the page to open.
self.addEventListener("push", (event) => {
  let message = {};
  try { message = event.data ? event.data.json() : {}; } catch { /* not JSON: a plain nudge */ }
  const title = message.title || "Attune";
  event.waitUntil(self.registration.showNotification(title, {
    body: message.body || "Something happened in Attune.",
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    // The same notice sent twice replaces itself instead of stacking up.
    tag: message.tag || "attune",
    data: { url: message.url || "/" },
  }));
});

// A tap opens the page that shows what happened: in an Attune tab already open if there is
// one, else in a new window.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/", self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil((async () => {
    const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const same = tabs.find((tab) => new URL(tab.url).pathname === target.pathname);
    if (same) return same.focus().catch(() => same);
    for (const tab of tabs) {
      try {
        const moved = await tab.navigate(target.href);
        if (moved) return moved.focus().catch(() => moved);
      } catch { /* a tab this worker does not control: try the next, or open one */ }
    }
    return self.clients.openWindow(target.href);
  })());
});
