// Push notifications on this device: asked for only after the person does something that
// needs them (turning them on in Settings, or proposing or planning an exercise), with one
// line that says what they will get. Nothing here runs on a first visit.
import { postJSON } from "/static/js/app.js";

const me = document.body.dataset.user;
const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
const OFFER_KEY = `attune:u${me}:push-offer`;

function bytesOf(base64url) {
  const pad = "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob((base64url + pad).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** "on", "off", "blocked" or "unsupported" for this browser. */
export async function pushState() {
  if (!supported) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  if (Notification.permission !== "granted") return "off";
  const reg = await navigator.serviceWorker.getRegistration("/");
  const sub = reg && await reg.pushManager.getSubscription();
  return sub ? "on" : "off";
}

/** Ask for permission, subscribe, and tell the server. Throws an Error with kind words. */
export async function enablePush() {
  if (!supported) throw new Error("This browser can't show Attune's notifications. We'll email you instead.");
  const permission = await Notification.requestPermission();
  if (permission === "denied") throw new Error("Notifications are blocked for Attune in this browser's settings. We'll email you instead.");
  if (permission !== "granted") throw new Error("Nothing changed. You can turn them on here any time.");
  const resp = await fetch("/api/push/key", { headers: { Accept: "application/json" }, credentials: "same-origin" });
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok || !body.key) throw new Error(body?.error?.message ?? "Push isn't available right now. We'll email you instead.");
  const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(() => navigator.serviceWorker.ready);
  let sub = await reg.pushManager.getSubscription();
  try {
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytesOf(body.key) });
  } catch {
    throw new Error("This browser couldn't set up notifications just now. Please try again later; we'll email you meanwhile.");
  }
  await postJSON("/api/push/subscribe", {
    subscription: sub.toJSON(), timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
  return sub;
}

/** Stop push on this browser (other devices keep theirs). */
export async function disablePush() {
  const reg = await navigator.serviceWorker.getRegistration("/");
  const sub = reg && await reg.pushManager.getSubscription();
  if (!sub) return;
  await postJSON("/api/push/unsubscribe", { endpoint: sub.endpoint });
  await sub.unsubscribe();
}

const STATE_WORDS = {
  on: "On for this device.",
  off: "Off for this device.",
  blocked: "Blocked in this browser's settings: allow notifications for this site to turn them on.",
  unsupported: "This browser can't show notifications. We'll email you instead, if email is on below.",
};

/** Settings: one button that turns push on or off for this device, and says where it stands. */
async function setupSettings() {
  const card = document.getElementById("push-device");
  if (!card) return;
  const button = document.getElementById("push-toggle");
  const status = document.getElementById("push-status");
  const problem = document.getElementById("push-problem");
  const show = (state) => {
    card.dataset.state = state;
    status.textContent = STATE_WORDS[state];
    button.hidden = state === "blocked" || state === "unsupported";
    button.textContent = state === "on" ? "Turn off on this device" : "Turn on for this device";
  };
  show(await pushState());
  button.addEventListener("click", async () => {
    problem.hidden = true;
    button.disabled = true;
    try {
      if (card.dataset.state === "on") await disablePush(); else await enablePush();
    } catch (err) {
      problem.textContent = err.message;
      problem.hidden = false;
    } finally {
      button.disabled = false;
      show(await pushState());
    }
  });
  // Quiet hours follow this device's time zone until the person picks one.
  const zone = document.getElementById("n-timezone");
  if (zone && zone.dataset.chosen !== "yes") {
    zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || zone.value;
  }
}

/** After proposing or planning an exercise: offer a nudge on this device, once. */
async function setupOffer() {
  const offer = document.getElementById("push-offer");
  const exercise = document.getElementById("exercise");
  if (!offer || !exercise || !supported) return;
  let dismissed = false;
  try { dismissed = localStorage.getItem(OFFER_KEY) === "no"; } catch { /* private mode */ }
  const fits = () => {
    const phase = exercise.dataset.phase;
    let mine = false;
    try { mine = JSON.parse(exercise.dataset.view || "{}").proposed_by_me === true; } catch { /* ignore */ }
    return phase === "scheduled" || (phase === "proposed" && mine);
  };
  const update = async () => {
    offer.hidden = dismissed || !fits() || (await pushState()) !== "off";
  };
  new MutationObserver(update).observe(exercise, { attributes: true, attributeFilter: ["data-phase"] });
  await update();
  document.getElementById("push-offer-yes").addEventListener("click", async (ev) => {
    const problem = document.getElementById("push-offer-problem");
    ev.currentTarget.disabled = true;
    try {
      await enablePush();
      offer.querySelector(".push-offer-line").textContent = "Done: this device will tell you.";
      offer.querySelector(".push-offer-actions").hidden = true;
    } catch (err) {
      problem.textContent = err.message;
      problem.hidden = false;
    } finally { ev.currentTarget.disabled = false; }
  });
  document.getElementById("push-offer-no").addEventListener("click", () => {
    dismissed = true;
    try { localStorage.setItem(OFFER_KEY, "no"); } catch { /* private mode */ }
    offer.hidden = true;
  });
}

/** The list of notifications: once shown, what it shows stops counting as new. */
async function markSeen() {
  const form = document.querySelector("form[data-mark-read]");
  if (!form) return;
  try {
    const resp = await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!resp.ok) return; // the button stays for a second try
    form.hidden = true;
    const badge = document.querySelector("#bell .bell-count");
    if (badge) badge.hidden = true;
    document.getElementById("bell")?.setAttribute("aria-label", "Notifications");
  } catch { /* offline: the button stays */ }
}

if (me) {
  setupSettings();
  setupOffer();
  markSeen();
}
