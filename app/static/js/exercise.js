// The live exercise screen: one Socket.IO client of the /exercise protocol (docs/realtime.md).
//
// Delivery: every action gets a client_id and goes into an outbox in localStorage BEFORE it is
// emitted; it leaves the outbox when acknowledged (or refused for good). After any reconnect we
// join again with the last seq we saw and resend the outbox with the same client_ids; the server
// answers a repeat with the stored acknowledgement, so nothing is applied twice.
import { io } from "/static/vendor/socket.io.esm.min.js";
import { showConnection, presenceSocket } from "/static/js/app.js";

const root = document.getElementById("exercise");
const $ = (id) => document.getElementById(id);

const EX = Number(root.dataset.exerciseId);
const ME = Number(root.dataset.me);
const PARTNER = root.dataset.partner;
const PARTNER_ID = Number(root.dataset.partnerId);
const ACK_TIMEOUT = 8000;
const RETRYABLE = new Set(["conflict", "rate_limited"]);

// ---- local storage (per exercise and per user: two people may share a phone) ---------------

const KEY = `attune:ex:${EX}:u${ME}:`;
const store = {
  get(name, fallback) {
    try {
      const raw = localStorage.getItem(KEY + name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch { return fallback; }
  },
  set(name, value) {
    try { localStorage.setItem(KEY + name, JSON.stringify(value)); } catch { /* full or blocked */ }
  },
  del(name) {
    try { localStorage.removeItem(KEY + name); } catch { /* blocked */ }
  },
};

let view = JSON.parse(root.dataset.view);
let events = store.get("events", []);
let lastSeq = store.get("seq", 0);
let outbox = store.get("outbox", []);
if (!Array.isArray(events) || !Number.isInteger(lastSeq) || lastSeq < 0) { events = []; lastSeq = 0; }
// A log cached before events carried their words is fetched again.
if (events.some((e) => !e || !e.show)) { events = []; lastSeq = 0; }
if (!Array.isArray(outbox)) outbox = [];
let guard = null; // the last held listener message's verdict, shown privately
let phaseShown = null;
let roleShown = null;

function saveLog() { store.set("events", events); store.set("seq", lastSeq); }
function saveOutbox() { store.set("outbox", outbox); }

const newId = () => (crypto.randomUUID ? crypto.randomUUID()
  : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`);

// ---- small helpers ----------------------------------------------------------------------------

const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
};
const fmtTime = (iso) => new Date(iso).toLocaleString(undefined, {
  weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });
const fmtClock = (iso) => new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
function fmtLeft(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}
const has = (action) => Array.isArray(view?.actions) && view.actions.includes(action);

const errorsEl = $("ex-errors");
function showError(message) { errorsEl.textContent = message || ""; }

// ---- the conversation log --------------------------------------------------------------------

// What each event says is decided on the server (one projection for every screen): the
// event arrives with `show`, ready to display.
function describe(e) {
  const s = e.show;
  if (!s || s.form === "hidden") return null;
  if (s.form === "bubble") return { bubble: true, mine: s.mine, role: s.role, label: s.label, text: s.text };
  if (s.form === "held") return { held: true, text: s.text };
  return { note: s.text, tone: s.tone || undefined };
}

const logEl = $("ex-log");
function appendEvent(e) {
  const d = describe(e);
  if (!d) return;
  const li = el("li");
  li.dataset.seq = e.seq;
  if (d.bubble) {
    li.className = `ex-msg ${d.mine ? "mine" : "theirs"} ${d.role}`;
    li.append(el("span", "ex-who", d.label), el("p", "ex-bubble", d.text));
  } else if (d.held) {
    li.className = "ex-msg mine held";
    li.append(el("span", "ex-who", "Held back · only you see this"), el("p", "ex-bubble", d.text));
  } else {
    li.className = "ex-note";
    if (d.tone) li.dataset.tone = d.tone;
    li.textContent = d.note;
  }
  logEl.append(li);
  $("ex-log-empty").hidden = true;
  $("ex-logbox").hidden = false;
  $("ex-logbox").scrollTop = $("ex-logbox").scrollHeight;
}

function renderLog() {
  logEl.replaceChildren();
  for (const e of events) appendEvent(e);
  $("ex-log-empty").hidden = logEl.children.length > 0;
  $("ex-logbox").hidden = logEl.children.length === 0;
}

/** Apply events in seq order; returns false on a gap (the caller joins again). */
function applyEvents(list) {
  let changed = false;
  for (const e of [...(list || [])].sort((a, b) => a.seq - b.seq)) {
    if (e.seq <= lastSeq) continue;
    if (e.seq > lastSeq + 1) { if (changed) saveLog(); return false; }
    lastSeq = e.seq;
    changed = true;
    if (e.type !== "hidden") {
      events.push(e);
      appendEvent(e);
    }
  }
  if (changed) saveLog();
  return true;
}

function setView(next, force = false) {
  if (!next) return;
  if (force || !view || next.seq >= view.seq) {
    view = next;
    render();
  }
}

// ---- rendering the view ----------------------------------------------------------------------

const PHASE_SECTIONS = ["ph-proposed", "ph-scheduled", "ph-on_break", "ph-active", "ph-rating",
  "ph-complete", "ph-ended"];
const textEl = $("f-text");

function show(id, on) { $(id).hidden = !on; }

function render() {
  const phase = view.phase;
  const role = view.my_role;
  root.dataset.phase = phase;
  root.dataset.role = role || "";
  const ended = ["ended_early", "declined", "cancelled"].includes(phase);
  const visible = { "ph-proposed": phase === "proposed", "ph-scheduled": phase === "scheduled",
    "ph-on_break": phase === "on_break", "ph-active": phase === "active",
    "ph-rating": phase === "rating", "ph-complete": phase === "complete", "ph-ended": ended };
  for (const id of PHASE_SECTIONS) show(id, visible[id]);
  show("ex-convo", phase === "active" || phase === "on_break");
  show("ex-instructions", phase === "active" || phase === "on_break");
  show("ex-end-wrap", has("end_early") && ["scheduled", "active", "on_break"].includes(phase));

  renderFloor();
  if (phase === "proposed") renderProposed();
  if (phase === "scheduled") renderScheduled();
  if (phase === "on_break") renderBreak();
  if (phase === "active") renderComposer();
  if (phase === "rating") renderRating();
  if (phase === "complete") renderComplete();
  if (ended) renderEnded();
  renderPending();
  tick();

  // Focus: move to the new phase's heading when the phase (or my role) changes under me.
  if (phaseShown !== null && (phaseShown !== phase || (phase === "active" && roleShown !== role))) {
    const target = {
      proposed: view.proposed_by_me ? "ph-proposed-mine-title" : "ph-proposed-title",
      scheduled: "ph-scheduled-title", active: "ex-floor-title", on_break: "ph-break-title",
      rating: "ph-rating-title", complete: "ph-complete-title",
    }[phase] ?? "ph-ended-title";
    const node = $(target);
    if (node && !(document.activeElement === textEl && phase === "active")) node.focus({ preventScroll: phase === "active" });
    if (phase === "active" || phase === "on_break") window.scrollTo({ top: 0 });
  }
  phaseShown = phase;
  roleShown = role;
}

function renderFloor() {
  const floor = $("ex-floor");
  const phase = view.phase;
  if (phase !== "active" && phase !== "on_break") { floor.hidden = true; return; }
  floor.hidden = false;
  const speaking = view.my_floor;
  floor.dataset.role = phase === "on_break" ? "break" : (speaking ? "speaker" : "listener");
  const doing = phase === "on_break" ? "paused" : (speaking ? "you speak" : "you listen");
  $("ex-floor-turn").textContent = `Turn ${view.turn || 1} of 2 · ${doing}`;
  if (phase === "on_break") {
    $("ex-floor-title").textContent = "On a break";
    $("ex-floor-hint").textContent = speaking ? "You'll have the floor again after the break." : `${PARTNER} will have the floor again after the break.`;
  } else if (speaking) {
    $("ex-floor-title").textContent = "You have the floor";
    $("ex-floor-hint").textContent = `Share a small piece; ${PARTNER} reflects it back.`;
  } else {
    $("ex-floor-title").textContent = `${PARTNER} has the floor — listen, reflect, ask`;
    $("ex-floor-hint").textContent = "Say back what you heard, or ask a curious question.";
  }
  $("ex-break-open").hidden = !has("call_break");

  const instr = speaking ? view.speaker_instructions : view.listener_instructions;
  $("ex-instr-role").textContent = speaking ? "speak" : "listen";
  const list = $("ex-instr-list");
  if (list.dataset.role !== String(speaking)) {
    list.replaceChildren(...(instr || []).map((t) => el("li", null, t)));
    list.dataset.role = String(speaking);
  }
}

function renderProposed() {
  show("proposed-invited", !view.proposed_by_me);
  show("proposed-mine", view.proposed_by_me);
  const input = $("f-schedule-at");
  if (!input.min) {
    const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    const now = new Date();
    input.min = local(new Date(now.getTime() + 60000));
    input.max = local(new Date(now.getTime() + 7 * 86400000 - 60000));
  }
}

function renderScheduled() {
  $("scheduled-when").textContent = view.scheduled_for ? `You'll start ${fmtTime(view.scheduled_for)}.` : "";
  show("btn-start", has("start"));
  show("btn-cancel-scheduled", has("cancel"));
}

function renderBreak() {
  const b = view.break || {};
  $("break-by").textContent = b.by === ME ? `You called a ${b.minutes}-minute break.` : `${PARTNER} called a ${b.minutes}-minute break.`;
  $("break-resume").textContent = b.resume_at && b.resume_at !== b.ends_at ? `Back together around ${fmtClock(b.resume_at)}.` : "";
  $("ready-me").textContent = b.me_ready ? "You: ready" : "You: not yet";
  $("ready-me").dataset.ready = b.me_ready ? "yes" : "no";
  $("ready-partner").textContent = b.partner_ready ? `${PARTNER}: ready` : `${PARTNER}: not yet`;
  $("ready-partner").dataset.ready = b.partner_ready ? "yes" : "no";
  const btn = $("btn-ready");
  btn.hidden = !has("ready") && !b.me_ready;
  btn.disabled = !has("ready");
  btn.textContent = b.me_ready ? `Ready: waiting for ${PARTNER}` : "I'm ready";
}

function chip(text, onPick) {
  const b = el("button", "ex-chip", text);
  b.type = "button";
  b.addEventListener("click", () => onPick(text));
  return b;
}

/** Put a starter or question into the textarea; the cursor goes where the "…" was. */
function insertPrompt(template) {
  let text = template;
  let caret = text.length;
  const i = text.indexOf("…");
  if (i !== -1) {
    text = `${text.slice(0, i)} ${text.slice(i + 1).replace(/…$/, " ").replaceAll("…", "")}`;
    caret = i + 1;
  }
  const current = textEl.value;
  const start = textEl.selectionStart ?? current.length;
  const end = textEl.selectionEnd ?? current.length;
  if (!current.trim()) {
    textEl.value = text;
  } else {
    const before = current.slice(0, start);
    const sep = before && !/\s$/.test(before) ? " " : "";
    textEl.value = before + sep + text + current.slice(end);
    caret += before.length + sep.length;
  }
  textEl.focus();
  textEl.setSelectionRange(caret, caret);
  store.set("draft", textEl.value);
}

function renderComposer() {
  const speaking = view.my_floor;
  $("ph-active").dataset.role = speaking ? "speaker" : "listener";
  $("composer-label").textContent = speaking ? "Share a small piece…" : `Say back what you heard, or ask ${PARTNER}`;
  textEl.placeholder = speaking ? "One feeling or one moment at a time" : (view.reflection_starters?.[0] ?? "");

  // The speaker answers a reflection; the listener sees that an answer is awaited.
  const pending = view.pending_confirmation != null;
  show("ex-confirm", pending);
  const row = $("ex-confirm-row");
  if (pending && speaking) {
    $("ex-confirm-q").textContent = `Did ${PARTNER}'s reflection land?`;
    if (row.dataset.for !== String(view.pending_confirmation)) {
      row.replaceChildren(...(view.confirm_choices || []).map((c) => {
        const b = el("button", `button small ex-confirm-btn${c.kind === "landed" ? " primary" : ""}`, c.label);
        b.type = "button";
        b.dataset.kind = c.kind;
        b.addEventListener("click", () => act("confirm", { kind: c.kind }));
        return b;
      }));
      row.dataset.for = String(view.pending_confirmation);
      requestAnimationFrame(() => $("ex-confirm").scrollIntoView({ block: "nearest" }));
    }
  } else {
    row.replaceChildren();
    row.dataset.for = "";
    $("ex-confirm-q").textContent = pending ? `Waiting for ${PARTNER} to say whether it landed.` : "";
  }

  // Listener tools: reflection starters and the question bank as chips.
  show("ex-listener-tools", !speaking);
  const tools = $("ex-listener-tools");
  if (!speaking && tools.dataset.kind !== view.kind) {
    $("ex-starters").replaceChildren(...(view.reflection_starters || []).map((t) => chip(t, insertPrompt)));
    $("ex-questions").replaceChildren(...(view.question_bank || []).map((t) => chip(t, insertPrompt)));
    tools.dataset.kind = view.kind;
  }
  show("btn-check", !speaking && has("check"));
  $("btn-check").textContent = view.check_text || "Did I get that right?";
  show("btn-end-turn", speaking && has("end_turn"));
  if (speaking || !has("say")) hideGuard();
}

let ratedShown = null;
function renderRating() {
  const done = view.my_rating_done;
  if (ratedShown === false && done) requestAnimationFrame(() => $("rating-sealed-title").focus());
  ratedShown = done;
  show("rating-form", !done);
  show("rating-sealed", done);
  if (done && view.my_rating) {
    $("rating-mine").textContent = `You said: felt heard ${view.my_rating.seen}/10, understood ${view.my_rating.understood}/10.`;
  }
}

function renderComplete() {
  const fill = (id, r) => {
    $(id).querySelectorAll(".ex-score").forEach((s) => { s.textContent = r ? String(r[s.dataset.k]) : "–"; });
  };
  fill("reveal-me", view.my_rating);
  fill("reveal-partner", view.partner_rating);
}

function renderEnded() {
  const byMe = view.ended_by === ME;
  const text = {
    ended_early: byMe ? "You ended the exercise early. That's okay: stopping is sometimes the kind thing. It stays in your history."
      : `${PARTNER} ended the exercise early. That's okay: stopping is sometimes the kind thing. It stays in your history.`,
    declined: byMe ? "You said not now. Either of you can propose another time whenever it suits."
      : `${PARTNER} said not now. Maybe another time: either of you can propose one.`,
    cancelled: byMe ? "You cancelled the invitation." : `${PARTNER} cancelled the invitation.`,
  }[view.phase];
  $("ph-ended-title").textContent = view.phase === "ended_early" ? "This exercise has ended" : "Not this time";
  $("ended-text").textContent = text ?? "";
}

// Buttons that map to one action: disabled while that action waits in the outbox.
const BUTTONS = { "btn-accept": "accept", "btn-decline": "decline", "btn-schedule": "schedule",
  "btn-cancel": "cancel", "btn-cancel-scheduled": "cancel", "btn-start": "start",
  "btn-check": "check", "btn-end-turn": "end_turn", "btn-rate": "rate", "btn-end-go": "end_early" };

function renderPending() {
  const waiting = new Set(outbox.map((i) => i.type));
  for (const [id, type] of Object.entries(BUTTONS)) {
    const b = $(id);
    if (!b) continue;
    b.disabled = waiting.has(type);
    b.setAttribute("aria-busy", waiting.has(type) ? "true" : "false");
  }
  const sending = waiting.has("say");
  const send = $("btn-send");
  send.setAttribute("aria-busy", sending ? "true" : "false");
  send.textContent = sending ? (socket?.connected ? "Sending…" : "Waiting to send…") : "Send";
  send.disabled = sending || pauseLeft() > 0;
  $("btn-check").disabled = waiting.has("check") || pauseLeft() > 0;
  $("ex-confirm-row").querySelectorAll("button").forEach((b) => { b.disabled = waiting.has("confirm"); });
  if (outbox.length && socket && !socket.connected) {
    showError("You're offline. We'll send it as soon as you're back.");
  }
}

// ---- timers: the break countdown and the slow-down pause -------------------------------------

function pauseLeft() {
  if (view.phase !== "active" || view.my_floor || !view.listener_may_answer_at) return 0;
  return new Date(view.listener_may_answer_at).getTime() - Date.now();
}

let pauseWasOn = false;
function tick() {
  if (view.phase === "on_break" && view.break?.ends_at) {
    const left = new Date(view.break.ends_at).getTime() - Date.now();
    const text = left > 0 ? `${fmtLeft(left)} left` : "Time's up: ready when you are";
    $("break-timer").textContent = text;
    $("ex-floor-hint").textContent = left > 0 ? `Break: ${fmtLeft(left)} left` : "The break time is up.";
  }
  const left = view.phase === "active" && view.listener_may_answer_at
    ? new Date(view.listener_may_answer_at).getTime() - Date.now() : 0;
  const on = left > 0;
  show("ex-pause", on);
  if (on) {
    const secs = Math.ceil(left / 1000);
    if (view.my_floor) {
      $("ex-pause-count").textContent = `${PARTNER} is taking a quiet moment (${secs} s).`;
      $("ex-pause-prompt").textContent = "";
    } else {
      $("ex-pause-count").textContent = `A quiet moment: you can answer in ${secs} s`;
      $("ex-pause-prompt").textContent = view.pause_prompt || "";
    }
  }
  if (on !== pauseWasOn) {
    pauseWasOn = on;
    renderPending();
  }
}
setInterval(tick, 1000);

// ---- the guard note (listener only, private) -------------------------------------------------

function showGuard(g, text) {
  guard = { ...g, text };
  $("ex-guard-reason").textContent = g.reason || "That one was held back.";
  show("ex-guard-suggest-wrap", !!g.suggestion);
  $("ex-guard-suggestion").textContent = g.suggestion || "";
  show("btn-send-anyway", g.action === "nudge" && view.strictness === "gentle");
  show("ex-guard", true);
  $("ex-guard").scrollIntoView({ block: "nearest" });
}
function hideGuard() { guard = null; show("ex-guard", false); }

// ---- actions and the outbox ------------------------------------------------------------------

function act(type, payload = {}) {
  const item = { client_id: newId(), type, payload, at: Date.now() };
  outbox.push(item);
  saveOutbox(); // stored before it is emitted: a reload or a crash resends it
  showError("");
  renderPending();
  flush();
  return item;
}

function removeFromOutbox(clientId) {
  outbox = outbox.filter((i) => i.client_id !== clientId);
  saveOutbox();
}

function handleAck(item, ack) {
  if (ack && ack.ok) {
    removeFromOutbox(item.client_id);
    if (!applyEvents(ack.events)) join();
    if (item.type === "say") {
      if (ack.guard && ack.guard.held) {
        showGuard(ack.guard, item.payload.text); // the words stay in the textarea
      } else {
        hideGuard();
        if (textEl.value.trim() === String(item.payload.text).trim()) textEl.value = "";
        store.set("draft", textEl.value);
      }
    }
    if (item.type === "rate") $("rating-form").reset();
    // The pushed view normally arrives first; if it was lost, ask for the state again.
    const wanted = ack.seq;
    setTimeout(() => { if (view.seq < wanted) join(); }, 1500);
    return "done";
  }
  const code = ack?.error?.code;
  if (RETRYABLE.has(code)) return "retry";
  removeFromOutbox(item.client_id);
  showError(ack?.error?.message ?? "That didn't work. Please try again.");
  if (code === "wrong_phase" || code === "finished" || code === "not_your_turn" || code === "on_break") join();
  return "done";
}

let socket = null;
let joined = false;
let joining = false;
let joinAgain = false;
let flushing = false;
let retryTimer = null;
let connGen = 0; // bumped on every disconnect, so stale timeouts are ignored

function flush() {
  if (flushing || !socket?.connected || !joined) { renderPending(); return; }
  const item = outbox[0];
  if (!item) { renderPending(); return; }
  flushing = true;
  const gen = connGen;
  socket.timeout(ACK_TIMEOUT).emit("act", { exercise_id: EX, client_id: item.client_id,
    type: item.type, payload: item.payload }, (err, ack) => {
    if (err && gen !== connGen) return; // a timeout from a connection that is gone
    flushing = false;
    if (err) { // no acknowledgement: resend with the same client_id
      clearTimeout(retryTimer);
      retryTimer = setTimeout(flush, 1000);
      return;
    }
    const result = handleAck(item, ack);
    renderPending();
    if (result === "retry") {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(flush, 800 + Math.random() * 700);
    } else {
      flush();
    }
  });
}

function resetLog() {
  events = [];
  lastSeq = 0;
  saveLog();
  renderLog();
}

function join() {
  if (!socket?.connected) return;
  if (joining) { joinAgain = true; return; }
  joining = true;
  const gen = connGen;
  socket.timeout(ACK_TIMEOUT).emit("join", { exercise_id: EX, after_seq: lastSeq }, (err, ack) => {
    if (err && gen !== connGen) return;
    joining = false;
    if (err) { setTimeout(join, 1000); return; }
    if (!ack || !ack.ok) {
      showError(ack?.error?.message ?? "We couldn't open this exercise.");
      return;
    }
    if (ack.seq < lastSeq) { // the server knows less than our cache: start the log afresh
      resetLog();
      join();
      return;
    }
    if (!applyEvents(ack.events)) { resetLog(); join(); return; }
    joined = true;
    setView(ack.view, true);
    if (joinAgain) { joinAgain = false; join(); }
    flush();
  });
}

function onPush(msg) {
  if (!msg || msg.exercise_id !== EX) return;
  const list = msg.events || [];
  const first = list.length ? Math.min(...list.map((e) => e.seq)) : null;
  if (first !== null && first > lastSeq + 1) { join(); return; } // a gap: catch up from lastSeq
  applyEvents(list);
  setView(msg.view);
}

// ---- wiring the controls ---------------------------------------------------------------------

$("btn-accept").addEventListener("click", () => act("accept"));
$("btn-decline").addEventListener("click", () => act("decline"));
$("btn-cancel").addEventListener("click", () => act("cancel"));
$("btn-cancel-scheduled").addEventListener("click", () => act("cancel"));
$("btn-start").addEventListener("click", () => act("start"));
$("btn-ready").addEventListener("click", () => act("ready"));
$("btn-check").addEventListener("click", () => act("check"));
$("btn-end-turn").addEventListener("click", () => act("end_turn"));

$("schedule-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const value = $("f-schedule-at").value;
  const at = value ? new Date(value) : null;
  if (!at || Number.isNaN(at.getTime())) {
    $("f-schedule-at").setAttribute("aria-invalid", "true");
    showError("Pick a day and time first.");
    $("f-schedule-at").focus();
    return;
  }
  $("f-schedule-at").removeAttribute("aria-invalid");
  act("schedule", { at: at.toISOString() });
});

textEl.value = store.get("draft", "");
textEl.addEventListener("input", () => store.set("draft", textEl.value));

function say(sendAnyway) {
  const text = textEl.value.trim();
  if (!text) { showError("Write something first."); textEl.focus(); return; }
  if (outbox.some((i) => i.type === "say")) return;
  hideGuard();
  act("say", sendAnyway ? { text, send_anyway: true } : { text });
}
$("composer").addEventListener("submit", (ev) => { ev.preventDefault(); say(false); });
textEl.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && (ev.metaKey || ev.ctrlKey)) { ev.preventDefault(); say(false); }
});
$("btn-send-anyway").addEventListener("click", () => say(true)); // a new client_id
$("btn-use-suggestion").addEventListener("click", () => {
  if (!guard?.suggestion) return;
  textEl.value = guard.suggestion.replace(/…$/, " ");
  store.set("draft", textEl.value);
  hideGuard();
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

socket = io("/exercise", { transports: ["websocket", "polling"] });
socket.on("connect", () => { showConnection("online"); showError(""); join(); });
socket.on("disconnect", (reason) => {
  connGen += 1;
  joined = false;
  joining = false;
  flushing = false;
  showConnection("offline");
  renderPending();
  if (reason === "io server disconnect") showError("You've been signed out. Sign in again to carry on; what you typed is kept.");
});
socket.on("connect_error", (err) => {
  showConnection(navigator.onLine ? "connecting" : "offline");
  if (err?.message === "unauthorized") showError("Your session has ended. Please sign in again.");
});
socket.on("events", onPush);
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
  if (msg?.exercise_id === EX && msg.phase !== view.phase) join();
});

showConnection(socket.connected ? "online" : "connecting");
renderLog();
render();
