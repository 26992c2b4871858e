// The live exercise screen: wires one Socket.IO client of the /exercise protocol
// (docs/realtime.md) to the screen's controls. Delivery lives in exercise/outbox.js, the
// wording in exercise/words.js, the drawing in exercise/render.js.
import { io } from "/static/vendor/socket.io.esm.min.js";
import { showConnection, presenceSocket } from "/static/js/app.js";
import { ACK_TIMEOUT, EventLog, Outbox, Sync } from "/static/js/exercise/outbox.js";
import { Screen } from "/static/js/exercise/render.js";
import { shoesAcked, wireShoes } from "/static/js/exercise/shoes.js";
import { exercisePrefix, scopedStore } from "/static/js/exercise/storage.js";

const root = document.getElementById("exercise");
const $ = (id) => document.getElementById(id);

const EX = Number(root.dataset.exerciseId);
const ME = Number(root.dataset.me);
const PARTNER = root.dataset.partner;
const PARTNER_ID = Number(root.dataset.partnerId);

const store = scopedStore(exercisePrefix(EX, ME));
const log = new EventLog(store);
const outbox = new Outbox(store);
const socket = io("/exercise", { transports: ["websocket", "polling"] });
const textEl = $("f-text");
const saveDraft = (text) => store.set("draft", text);

let cantJoin = false; // joining failed for good until "Try again"
const screen = new Screen(
  { root, me: ME, partner: PARTNER, onConfirm: (kind) => act("confirm", { kind }), onDraft: saveDraft },
  () => ({ waiting: outbox.types(), connected: socket.connected, stuck: outbox.stuck || cantJoin }),
);

const sync = new Sync({
  exerciseId: EX,
  log,
  outbox,
  view: JSON.parse(root.dataset.view),
  transport: {
    connected: () => socket.connected,
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
          screen.showGuard(ack.guard, item.payload.text); // the words stay in the textarea
        } else {
          screen.hideGuard();
          if (textEl.value.trim() === String(item.payload.text).trim()) textEl.value = "";
          saveDraft(textEl.value);
        }
      }
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
$("btn-use-suggestion").addEventListener("click", () => {
  if (!screen.guard?.suggestion) return;
  textEl.value = screen.guard.suggestion.replace(/…$/, " ");
  saveDraft(textEl.value);
  screen.hideGuard();
  textEl.focus();
  textEl.setSelectionRange(textEl.value.length, textEl.value.length);
});

for (const id of ["f-seen", "f-understood"]) {
  const input = $(id);
  const out = $(`${id}-out`);
  input.addEventListener("input", () => { out.textContent = input.value; });
}
$("rating-form").addEventListener("reset", () => {
  setTimeout(() => { $("f-seen-out").textContent = $("f-seen").value; $("f-understood-out").textContent = $("f-understood").value; });
});
$("rating-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const payload = { seen: Number($("f-seen").value), understood: Number($("f-understood").value) };
  const note = $("f-note").value.trim();
  if (note) payload.note = note;
  act("rate", payload);
});

// Break and end dialogs (native <dialog>: focus is trapped and restored by the browser).
const breakDlg = $("dlg-break");
$("ex-break-open").addEventListener("click", () => {
  $("break-error").hidden = true;
  $("f-break-min").value = "20";
  $("f-break-resume").value = "";
  breakDlg.showModal();
});
$("btn-break-cancel").addEventListener("click", () => breakDlg.close());
$("break-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const minutes = Number($("f-break-min").value || 20);
  const err = $("break-error");
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 120) {
    err.textContent = "Choose between 5 and 120 minutes.";
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
window.addEventListener("offline", () => showConnection("offline"));
window.addEventListener("online", () => { if (!socket.connected) socket.connect(); });

const presence = presenceSocket();
presence.on("presence", (msg) => {
  if (msg.user_id !== PARTNER_ID) return;
  const box = $("ex-presence");
  box.dataset.online = msg.online ? "yes" : "no";
  box.querySelector(".ex-presence-text").textContent = msg.online ? `${PARTNER} is here` : `${PARTNER} is away`;
});
presence.on("exercise", (msg) => { // a second path for changes, in case a push went missing
  if (msg?.exercise_id === EX && msg.phase !== sync.view.phase) sync.join();
});

setInterval(() => screen.tick(), 1000);
showConnection(socket.connected ? "online" : "connecting");
screen.renderLog(log.events);
screen.render(sync.view);
