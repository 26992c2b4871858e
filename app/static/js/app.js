import { io } from "/static/vendor/socket.io.esm.min.js";
// Attune's shell: CSRF-aware fetch, passkeys, presence, copy buttons and the service worker.

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

/** POST JSON with the CSRF token; returns {ok, data} or throws a readable Error. */
export async function postJSON(url, body = {}) {
  let resp;
  try {
    resp = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new Error("You seem to be offline. Check your connection and try again.");
  }
  let data = null;
  try { data = await resp.json(); } catch { /* not JSON */ }
  if (!resp.ok || (data && data.ok === false)) {
    throw new Error(data?.error?.message ?? "That didn't work. Please try again.");
  }
  return data;
}

function showError(el, message) {
  if (!el) return;
  el.textContent = message;
  el.hidden = !message;
}

function ceremonyMessage(err) {
  if (err?.name === "NotAllowedError") return "The passkey request was cancelled or timed out. You can try again.";
  if (err?.name === "InvalidStateError") return "This device already has a passkey for this account.";
  if (err?.name === "SecurityError") return "Passkeys need a secure address (https or localhost).";
  return err?.message || "Something went wrong with the passkey. Please try again.";
}

async function createPasskey(optionsBody, errorEl, name) {
  const opts = await postJSON("/auth/passkey/register/options", optionsBody);
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(opts);
  const cred = await navigator.credentials.create({ publicKey });
  return postJSON("/auth/passkey/register/verify", { credential: cred.toJSON(), name });
}

function busy(button, on) {
  button.disabled = on;
  button.setAttribute("aria-busy", on ? "true" : "false");
}

function setupPasskeys() {
  const supported = !!(window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON);
  if (!supported) {
    // Shown by default so the page doesn't jump when it loads; hidden where it can't work.
    document.querySelectorAll("[data-passkey-only]").forEach((el) => { el.hidden = true; });
    return;
  }
  const errorEl = document.getElementById("passkey-error");

  document.getElementById("finish-passkey")?.addEventListener("click", async (ev) => {
    const btn = ev.currentTarget;
    showError(errorEl, "");
    busy(btn, true);
    try {
      const res = await createPasskey({ signup_token: btn.dataset.signupToken }, errorEl);
      window.location.assign(res.redirect || "/");
    } catch (err) {
      showError(errorEl, ceremonyMessage(err));
    } finally { busy(btn, false); }
  });

  document.getElementById("add-passkey")?.addEventListener("click", async (ev) => {
    const btn = ev.currentTarget;
    showError(errorEl, "");
    busy(btn, true);
    try {
      const res = await createPasskey({}, errorEl);
      window.location.assign(res.redirect || "/settings");
    } catch (err) {
      showError(errorEl, ceremonyMessage(err));
    } finally { busy(btn, false); }
  });

  document.getElementById("login-passkey")?.addEventListener("click", async (ev) => {
    const btn = ev.currentTarget;
    showError(errorEl, "");
    busy(btn, true);
    try {
      const opts = await postJSON("/auth/passkey/login/options", {});
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(opts);
      const cred = await navigator.credentials.get({ publicKey });
      const res = await postJSON("/auth/passkey/login/verify", { credential: cred.toJSON() });
      window.location.assign(res.redirect || "/");
    } catch (err) {
      showError(errorEl, ceremonyMessage(err));
    } finally { busy(btn, false); }
  });
}

function setupCopy() {
  document.querySelectorAll("[data-copy]").forEach((btn) => {
    btn.addEventListener("click", async () => {
      const input = document.querySelector(btn.dataset.copy);
      try {
        await navigator.clipboard.writeText(input.value);
        btn.textContent = "Copied";
      } catch {
        input.select();
        btn.textContent = "Selected";
      }
      setTimeout(() => { btn.textContent = "Copy"; }, 2000);
    });
  });
}

/** Show the connection state in the top bar. */
export function showConnection(state) {
  const el = document.getElementById("conn-state");
  if (!el) return;
  // The live screen says what happens to what you type next to it, so its pill stays short.
  const offline = el.dataset.alwaysShow ? "Offline" : "Offline: we'll keep what you type";
  const labels = { online: "Connected", connecting: "Connecting…", offline };
  el.hidden = state === "online" && !el.dataset.alwaysShow;
  el.dataset.state = state;
  el.textContent = labels[state] ?? state;
}

/** One shared socket per page for presence; exercise screens open their own namespace.
 *  The heartbeat's answer says when to beat next, so the interval is the server's. */
export function presenceSocket() {
  const socket = io("/", { transports: ["websocket", "polling"] });
  let beat;
  let every = 25; // seconds, until the server says otherwise
  const beatNow = () => {
    clearTimeout(beat);
    socket.timeout(10000).emit("heartbeat", {}, (err, ack) => {
      if (Number(ack?.every) > 0) every = Number(ack.every);
      if (socket.connected) beat = setTimeout(beatNow, every * 1000);
    });
  };
  socket.on("connect", () => { showConnection("online"); beatNow(); });
  socket.on("disconnect", () => { showConnection(navigator.onLine ? "connecting" : "offline"); clearTimeout(beat); });
  socket.on("connect_error", () => showConnection(navigator.onLine ? "connecting" : "offline"));
  return socket;
}

/**
 * Follow the partner's presence on ``socket``: ``show(state)`` gets "yes", "no" or "unknown".
 * "Here" lasts only as long as the server said (``away_after``) unless a heartbeat renews it,
 * and while our own connection is down we cannot know, so it is "unknown".
 */
export function watchPartner(socket, partnerId, show) {
  let expiry;
  socket.on("presence", (msg) => {
    if (msg.user_id !== partnerId) return;
    clearTimeout(expiry);
    show(msg.online ? "yes" : "no");
    if (msg.online && Number(msg.away_after) > 0) {
      expiry = setTimeout(() => show("no"), Number(msg.away_after) * 1000);
    }
  });
  const unknown = () => { clearTimeout(expiry); show("unknown"); };
  socket.on("disconnect", unknown);
  window.addEventListener("offline", unknown);
}

function setupPresence() {
  const card = document.querySelector("[data-presence]");
  if (!card) return;
  const partnerId = Number(card.dataset.partnerId);
  const el = document.getElementById("partner-presence");
  const name = card.querySelector("h2").textContent.split("&").pop().trim();
  const socket = presenceSocket();
  // An invitation or an ending changes what home offers; home has nothing typed to lose.
  socket.on("exercise", () => window.location.reload());
  // New, changed or finished homework changes the Homework card.
  socket.on("therapy", () => window.location.reload());
  watchPartner(socket, partnerId, (state) => {
    el.dataset.online = state;
    el.querySelector(".presence-text").textContent = {
      yes: `${name} is online now`, no: `${name} is not online right now`,
      unknown: `We can't tell if ${name} is online while you're offline`,
    }[state];
  });
}

/**
 * A shared phone keeps nothing of anyone else: Attune's stored text (drafts, outboxes,
 * transcripts) is keyed per user; another user's keys go as soon as someone signs in, and
 * everything goes when signing out (the server also sends Clear-Site-Data then).
 */
function setupPrivacy() {
  const me = document.body.dataset.user;
  const keys = () => {
    try { return Object.keys(localStorage).filter((k) => k.startsWith("attune:")); } catch { return []; }
  };
  const forget = (key) => { try { localStorage.removeItem(key); } catch { /* blocked */ } };
  if (me) {
    for (const key of keys()) {
      const owner = /:u(\d+):/.exec(key)?.[1];
      if (owner !== me) forget(key);
    }
  }
  document.querySelectorAll("form[data-signs-out]").forEach((form) => {
    form.addEventListener("submit", () => keys().forEach(forget));
  });
}

/** The inviter's page moves on by itself when the partner accepts. */
function setupWaitingInvite() {
  if (!document.querySelector("[data-waiting-invite]")) return;
  const socket = presenceSocket();
  socket.on("paired", () => window.location.assign("/"));
}

function setupServiceWorker() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  }
}

setupPrivacy();
setupPasskeys();
setupCopy();
setupPresence();
setupWaitingInvite();
setupServiceWorker();
