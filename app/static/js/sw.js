// Attune's service worker: caches the static shell and the offline page, never a private page.
const VERSION = "attune-shell-v2"; // bump when static modules change shape: old caches go
const SHELL = [
  "/offline",
  "/static/css/app.css",
  "/static/js/app.js",
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
