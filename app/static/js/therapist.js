import { io } from "/static/vendor/socket.io.esm.min.js";
// A therapist's open pages follow their couples live. When a partner changes what they share
// (or ends the link), the server says so and closes this page's socket on that couple: the
// page fetches itself again, swaps in what it may still show, and watches again.

const regions = () => [...document.querySelectorAll("[data-live][data-couple-id]")];
const status = document.getElementById("live-status");

function announce(text) {
  if (status) status.textContent = text;
}

async function refresh(reason) {
  let html;
  try {
    const resp = await fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
    if (resp.status === 404 || resp.status === 403) {
      // Nothing of this couple is shared any more: leave the page for the dashboard.
      window.location.assign("/therapist");
      return;
    }
    if (!resp.ok) return;
    html = await resp.text();
  } catch {
    return; // offline: the next event or reconnect tries again
  }
  const fresh = new DOMParser().parseFromString(html, "text/html");
  const seen = new Set();
  for (const el of regions()) {
    const next = fresh.getElementById(el.id);
    seen.add(el.id);
    if (next) el.replaceWith(document.importNode(next, true));
    else el.remove();
  }
  for (const el of fresh.querySelectorAll("[data-live][data-couple-id]")) {
    if (!seen.has(el.id)) {
      // A couple newly visible on the dashboard: reload once to lay the grid out again.
      window.location.reload();
      return;
    }
  }
  if (reason) announce(reason);
}

function follow() {
  if (!regions().length) return;
  const socket = io("/therapist", { transports: ["websocket", "polling"] });
  const watchAll = () => {
    for (const el of regions()) socket.emit("watch", { couple_id: Number(el.dataset.coupleId) }, () => {});
  };
  socket.on("connect", watchAll);
  socket.on("couple", (msg) => {
    const words = {
      sharing_changed: "A couple changed what they share. The page is up to date.",
      link_ended: "A couple ended the link. Their details are no longer shown.",
      therapist_linked: "A couple accepted your invitation.",
      homework_done: "A couple finished some homework.",
    };
    refresh(words[msg.event] || "Updated.");
  });
  socket.on("disconnect", (reason) => {
    // Closed by the server after a change of consent: show what is still shared, then follow again.
    if (reason === "io server disconnect") refresh().then(() => socket.connect());
  });
}

document.querySelector("[data-print]")?.addEventListener("click", () => window.print());
follow();
