// The live exercise screen: wires one Socket.IO client of the /exercise protocol
// (docs/realtime.md) to the screen's controls. Delivery lives in exercise/outbox.js, the
// wording in exercise/words.js, the drawing in exercise/render.js.
import { io } from "/static/vendor/socket.io.esm.min.js";
import { presenceSocket, showConnection, watchPartner } from "/static/js/app.js";
import { ACK_TIMEOUT, EventLog, Outbox, Sync } from "/static/js/exercise/outbox.js";
import { $ } from "/static/js/exercise/dom.js";
import { Screen } from "/static/js/exercise/render.js";
import { shoesAcked, wireShoes } from "/static/js/exercise/shoes.js";
import { exercisePrefix, scopedStore } from "/static/js/exercise/storage.js";

const root = document.getElementById("exercise");

const EX = Number(root.dataset.exerciseId);
const ME = Number(root.dataset.me);
const PARTNER = root.dataset.partner;
const PARTNER_ID = Number(root.dataset.partnerId);

const store = scopedStore(exercisePrefix(EX, ME));
const log = new EventLog(store);
const outbox = new Outbox(store);
const socket = io("/exercise", { transports: ["websocket", "polling"] });
const textEl = $("f-text");
// The browser's offline switch can leave a socket that looks open but carries nothing.
const online = () => socket.connected && navigator.onLine !== false;
const saveDraft = (text) => store.set("draft", text);

let cantJoin = false; // joining failed for good until "Try again"
const screen = new Screen(
  { root, me: ME, partner: PARTNER, events: () => log.events, onConfirm: (kind) => act("confirm", { kind }),
    onSlip: (of, slip) => act("mark_slip", { of, slip }), onDraft: saveDraft },
  () => ({ waiting: outbox.types(), stuck: outbox.stuck || cantJoin, connected: online() }),
);

const sync = new Sync({
  exerciseId: EX,
  log,
  outbox,
  view: JSON.parse(root.dataset.view),
  transport: {
    connected: online,
    request: (name, data, cb) => socket.timeout(ACK_TIMEOUT).emit(name, data, cb),
  },
  hooks: {
    events: (added) => added.forEach((e) => screen.appendEvent(e)),
    reset: () => screen.renderLog(log.events),
    view: (view) => screen.render(view),
    changed: () => screen.renderPending(),
    acked: (item, ack) => {
      if (item.type === "say") {
        if (ack.guard && ack.guard.held) {
          const held = (ack.events || []).find((e) => e.type === "listener_message");
          screen.showGuard(ack.guard, item.payload.text, held?.seq); // the words stay in the textarea
        } else {
          screen.hideGuard();
          if (textEl.value.trim() === String(item.payload.text).trim()) textEl.value = "";
          saveDraft(textEl.value);
        }
      }
      if (item.type === "claim_reflection") screen.guardClaimed(item.payload.of);
      if (item.type === "rate") $("rating-form").reset();
      shoesAcked(item.type);
    },
    refused: (item, ack) => screen.showError(ack?.error?.message ?? "That didn't work. Please try again."),
    gaveUp: (item, ack) => screen.showError(ack?.error?.code === "server_error"
      ? "Something went wrong on our side, so that wasn't sent. What you wrote is kept."
      : "Attune isn't answering, so that wasn't sent. What you wrote is kept."),
    joinFailed: (ack) => {
      cantJoin = true;
      screen.showError(ack?.error?.message ?? "We couldn't reach this exercise. Nothing you wrote is lost.");
      screen.renderPending();
    },
  },
});
function act(type, payload = {}) {
  screen.showError("");
  return sync.act(type, payload);
}

// ---- wiring the controls ---------------------------------------------------------------------

$("btn-accept").addEventListener("click", () => act("accept"));
$("btn-decline").addEventListener("click", () => act("decline"));
$("btn-cancel").addEventListener("click", () => act("cancel"));
$("btn-cancel-scheduled").addEventListener("click", () => act("cancel"));
$("btn-start").addEventListener("click", () => act("start"));
$("btn-ready").addEventListener("click", () => act("ready"));
$("btn-check").addEventListener("click", () => act("check"));
$("btn-retry").addEventListener("click", () => {
  cantJoin = false;
  screen.showError("");
  sync.retry();
});
$("btn-end-turn").addEventListener("click", () => act("end_turn"));
$("btn-again").addEventListener("click", () => act("another_round"));
wireShoes(act, (message) => screen.showError(message), store);

$("schedule-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const value = $("f-schedule-at").value;
  const at = value ? new Date(value) : null;
  if (!at || Number.isNaN(at.getTime())) {
    $("f-schedule-at").setAttribute("aria-invalid", "true");
    screen.showError("Pick a day and time first.");
    $("f-schedule-at").focus();
    return;
  }
  $("f-schedule-at").removeAttribute("aria-invalid");
  act("schedule", { at: at.toISOString() });
});

textEl.value = store.get("draft", "");
textEl.addEventListener("input", () => saveDraft(textEl.value));
textEl.addEventListener("focus", () => screen.showPinned());

function say(sendAnyway) {
  const text = textEl.value.trim();
  if (!text) { screen.showError("Write something first."); textEl.focus(); return; }
  if (outbox.has("say")) return;
  screen.hideGuard();
  act("say", sendAnyway ? { text, send_anyway: true } : { text });
}
$("composer").addEventListener("submit", (ev) => { ev.preventDefault(); say(false); });
textEl.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && (ev.metaKey || ev.ctrlKey)) { ev.preventDefault(); say(false); }
});
$("btn-send-anyway").addEventListener("click", () => say(true)); // a new client_id
$("btn-claim").addEventListener("click", () => {
  if (screen.guard?.seq == null) return;
  act("claim_reflection", { of: screen.guard.seq });
});
$("btn-use-suggestion").addEventListener("click", () => {
  if (!screen.guard?.suggestion) return;
  textEl.value = screen.guard.suggestion.replace(/…$/, " ");
  saveDraft(textEl.value);
  screen.hideGuard();
  textEl.focus();
  textEl.setSelectionRange(textEl.value.length, textEl.value.length);
});

// The rating: nothing is chosen for anyone; an untouched question is asked again, not sent.
const ratingForm = $("rating-form");
const ratingError = $("rating-error");
ratingForm.addEventListener("change", (ev) => {
  const set = ev.target.closest("fieldset");
  if (set) set.removeAttribute("aria-invalid");
  if (!ratingForm.querySelector('fieldset[aria-invalid="true"]')) ratingError.hidden = true;
});
ratingForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const chosen = (name) => ratingForm.querySelector(`input[name="${name}"]:checked`)?.value;
  const missing = ["seen", "understood"].filter((name) => chosen(name) === undefined);
  for (const name of ["seen", "understood"]) {
    if (missing.includes(name)) $(`f-${name}`).setAttribute("aria-invalid", "true");
    else $(`f-${name}`).removeAttribute("aria-invalid");
  }
  if (missing.length) {
    ratingError.textContent = missing.length === 2 ? "Pick a number for both questions first."
      : "Pick a number for this one too.";
    ratingError.hidden = false;
    // Said right above the question that needs an answer, and both kept in view.
    $(`f-${missing[0]}`).before(ratingError);
    ratingForm.querySelector(`input[name="${missing[0]}"]`).focus({ preventScroll: true });
    ratingError.scrollIntoView({ block: "start" });
    return;
  }
  ratingError.hidden = true;
  const payload = { seen: Number(chosen("seen")), understood: Number(chosen("understood")) };
  const note = $("f-note").value.trim();
  if (note) payload.note = note;
  act("rate", payload);
});

// Break and end dialogs (native <dialog>: focus is trapped and restored by the browser).
const breakDlg = $("dlg-break");
$("ex-break-open").addEventListener("click", () => {
  $("break-error").hidden = true;
  $("f-break-min").value = String(sync.view.limits.break_minutes_default);
  $("f-break-resume").value = "";
  breakDlg.showModal();
});
$("btn-break-cancel").addEventListener("click", () => breakDlg.close());
$("break-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const limits = sync.view.limits;
  const minutes = Number($("f-break-min").value || limits.break_minutes_default);
  const err = $("break-error");
  if (!Number.isInteger(minutes) || minutes < limits.break_minutes_min || minutes > limits.break_minutes_max) {
    err.textContent = `Choose between ${limits.break_minutes_min} and ${limits.break_minutes_max} minutes.`;
    err.hidden = false;
    return;
  }
  const payload = { minutes };
  const resume = $("f-break-resume").value;
  if (resume) {
    const at = new Date(resume);
    if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) {
      err.textContent = "Pick a time to come back that is in the future.";
      err.hidden = false;
      return;
    }
    payload.resume_at = at.toISOString();
  }
  breakDlg.close();
  act("call_break", payload);
});

const endDlg = $("dlg-end");
$("btn-end-open").addEventListener("click", () => endDlg.showModal());
$("btn-end-cancel").addEventListener("click", () => endDlg.close());
$("end-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  endDlg.close();
  act("end_early");
});

// ---- connections -----------------------------------------------------------------------------

const conn = document.getElementById("conn-state");
if (conn) conn.dataset.alwaysShow = "1"; // on this screen "Connected" is worth seeing too

socket.on("connect", () => { showConnection("online"); screen.showError(""); sync.connected(); });
socket.on("disconnect", (reason) => {
  sync.disconnected();
  showConnection("offline");
  if (reason === "io server disconnect") screen.showError("You've been signed out. Sign in again to carry on; what you typed is kept.");
});
socket.on("connect_error", (err) => {
  showConnection(navigator.onLine ? "connecting" : "offline");
  if (err?.message === "unauthorized") screen.showError("Your session has ended. Please sign in again.");
});
socket.on("events", (msg) => sync.push(msg));
window.addEventListener("offline", () => {
  showConnection("offline");
  sync.disconnected(); // what waits stays in the outbox: "Waiting to send…"
});
window.addEventListener("online", () => {
  if (!socket.connected) { socket.connect(); return; }
  showConnection("online");
  screen.showError("");
  sync.connected(); // catch up, then send what waited
});

const presence = presenceSocket();
watchPartner(presence, PARTNER_ID, (state) => {
  const box = $("ex-presence");
  box.dataset.online = state;
  box.querySelector(".ex-presence-text").textContent = {
    yes: `${PARTNER} is here`, no: `${PARTNER} is away`, unknown: `${PARTNER}: can't tell while offline`,
  }[state];
});
presence.on("exercise", (msg) => { // a second path for changes, in case a push went missing
  if (msg?.exercise_id === EX && msg.phase !== sync.view.phase) sync.join();
});

setInterval(() => screen.tick(), 1000);
showConnection(socket.connected ? "online" : "connecting");
screen.renderLog(log.events);
screen.render(sync.view);
