// The live exercise screen's DOM: the log, the phase cards, the composer, the timers and the
// guard's private note. It draws what it is given; it never talks to the server.
import {
  againWords, breakBy, describe, endedWords, floorWords, fmtClock, fmtLeft, fmtTime, turnClock,
  turnElapsed,
} from "./words.js";
import { $, show } from "./dom.js";
import { renderShoes } from "./shoes.js";

export const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
};


const PHASE_SECTIONS = ["ph-proposed", "ph-scheduled", "ph-on_break", "ph-active", "ph-rating",
  "ph-complete", "ph-ended"];

// Buttons that map to one action: disabled while that action waits in the outbox.
const BUTTONS = { "btn-accept": "accept", "btn-decline": "decline", "btn-schedule": "schedule",
  "btn-cancel": "cancel", "btn-cancel-scheduled": "cancel", "btn-start": "start",
  "btn-check": "check", "btn-end-turn": "end_turn", "btn-rate": "rate", "btn-end-go": "end_early",
  "btn-name-moment": "name_moment", "btn-seal-guess": "guess", "btn-reveal": "reveal",
  "btn-mark": "mark_accuracy", "btn-again": "another_round", "btn-claim": "claim_reflection" };

/**
 * One exercise screen. ``ctx`` is {root, me, partner, events(), onConfirm(kind), onDraft(text)};
 * ``status()`` returns {waiting: Set of action types in the outbox, connected: bool,
 * stuck: bool (we gave up sending until the person says "Try again")}.
 */
export class Screen {
  constructor(ctx, status) {
    this.ctx = ctx;
    this.status = status;
    this.view = null;
    this.guard = null; // the last held listener message's verdict, shown privately
    this.phaseShown = null;
    this.roleShown = null;
    this.ratedShown = null;
    this.pauseWasOn = false;
    this.textEl = $("f-text");
    this.logEl = $("ex-log");
    this.errorsEl = $("ex-errors");
    // What scrolls into view stops below the sticky floor banner, however tall its words wrap.
    const floor = $("ex-floor");
    new ResizeObserver(() => document.documentElement.style.setProperty(
      "--ex-floor-h", `${Math.ceil(floor.getBoundingClientRect().height)}px`)).observe(floor);
  }

  has(action) { return Array.isArray(this.view?.actions) && this.view.actions.includes(action); }

  showError(message) { this.errorsEl.textContent = message || ""; }

  // ---- the conversation log -------------------------------------------------------------------

  appendEvent(e) {
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
    this.logEl.append(li);
    if (e.type === "shared" && this.view?.phase === "active") this.renderPinned();
    if (e.type === "listener_message") this.renderSlipTools();
    $("ex-log-empty").hidden = true;
    $("ex-logbox").hidden = false;
    $("ex-logbox").scrollTop = $("ex-logbox").scrollHeight;
  }

  renderLog(events) {
    this.logEl.replaceChildren();
    for (const e of events) this.appendEvent(e);
    $("ex-log-empty").hidden = this.logEl.children.length > 0;
    $("ex-logbox").hidden = this.logEl.children.length === 0;
  }

  // ---- the view ------------------------------------------------------------------------------

  render(view) {
    this.view = view;
    const { root } = this.ctx;
    const phase = view.phase;
    const role = view.my_role;
    root.dataset.phase = phase;
    root.dataset.role = role || "";
    const ended = view.ended === true;
    const visible = { "ph-proposed": phase === "proposed", "ph-scheduled": phase === "scheduled",
      "ph-on_break": phase === "on_break", "ph-active": phase === "active",
      "ph-rating": phase === "rating", "ph-complete": phase === "complete", "ph-ended": ended };
    // Step into my shoes: the composer shows only at the steps where someone may write in it.
    visible["ph-active"] = visible["ph-active"] && (!view.perspective?.step
      || ["say", "end_turn", "confirm"].some((a) => this.has(a)));
    for (const id of PHASE_SECTIONS) show(id, visible[id]);
    // With the composer hidden at a Step into my shoes step, problems show in that step's card.
    this.placeProblem(PHASE_SECTIONS.find((id) => visible[id]) ?? (phase === "active" ? "ph-shoes" : undefined));
    show("ex-convo", phase === "active" || phase === "on_break");
    show("ex-instructions", phase === "active" || phase === "on_break");
    // While planned, Start and Cancel are the choices; ending belongs to the conversation.
    show("ex-end-wrap", this.has("end_early") && (phase === "active" || phase === "on_break"));

    this.renderFloor();
    this.renderShoes();
    if (phase === "proposed") this.renderProposed();
    if (phase === "scheduled") this.renderScheduled();
    if (phase === "on_break") this.renderBreak();
    if (phase === "active") this.renderComposer();
    if (phase === "rating") this.renderRating();
    if (phase === "complete") this.renderComplete();
    if (ended) this.renderEnded();
    this.renderPending();
    this.renderSlipTools();
    this.tick();

    // Focus: move to the new phase's heading when the phase (or my role) changes under me.
    if (this.phaseShown !== null && (this.phaseShown !== phase || (phase === "active" && this.roleShown !== role))) {
      const target = {
        proposed: view.proposed_by_me ? "ph-proposed-mine-title" : "ph-proposed-title",
        scheduled: "ph-scheduled-title", active: "ex-floor-title", on_break: "ph-break-title",
        rating: "ph-rating-title", complete: "ph-complete-title",
      }[phase] ?? "ph-ended-title";
      const node = $(target);
      if (node && !(document.activeElement === this.textEl && phase === "active")) node.focus({ preventScroll: phase === "active" });
      if (phase === "active" || phase === "on_break") window.scrollTo({ top: 0 });
    }
    this.phaseShown = phase;
    this.roleShown = role;
  }

  /** Problems show in the card on screen: in the composer above Send, or at a card's end. */
  placeProblem(sectionId) {
    const box = $("ex-problem");
    const target = sectionId === "ph-active" ? $("composer") : (sectionId && $(sectionId));
    if (!target) return;
    const before = sectionId === "ph-active" ? target.querySelector(".ex-actions") : null;
    if (box.parentElement !== target || box.nextElementSibling !== before) target.insertBefore(box, before);
  }

  renderFloor() {
    const { view } = this;
    const floor = $("ex-floor");
    const phase = view.phase;
    if (phase !== "active" && phase !== "on_break") { floor.hidden = true; return; }
    floor.hidden = false;
    const speaking = view.my_floor;
    floor.dataset.role = phase === "on_break" ? "break" : (speaking ? "speaker" : "listener");
    const words = floorWords(view, this.ctx);
    this.floorTurn = words.turn;
    this.renderTurnClock();
    $("ex-floor-title").textContent = words.title;
    $("ex-floor-hint").textContent = words.hint;
    $("ex-break-open").hidden = !this.has("call_break");

    const instr = speaking ? view.speaker_instructions : view.listener_instructions;
    $("ex-instr-role").textContent = speaking ? "speak" : "listen";
    const list = $("ex-instr-list");
    if (list.dataset.role !== String(speaking)) {
      list.replaceChildren(...(instr || []).map((t) => el("li", null, t)));
      list.dataset.role = String(speaking);
    }
  }

  /** The banner's first line, with the turn's time said gently (updated every second). */
  renderTurnClock() {
    const clock = turnClock(turnElapsed(this.ctx.events(), Date.now()), this.view.suggested_turn_minutes);
    const text = clock ? `${this.floorTurn} · ${clock}` : this.floorTurn;
    if ($("ex-floor-turn").textContent !== text) $("ex-floor-turn").textContent = text;
  }

  renderShoes() {
    const step = this.view.perspective?.step ?? null;
    renderShoes(this.view, this.ctx, (a) => this.has(a));
    // A new step moves the card into view, so the next thing to do is on screen.
    if (this.stepShown !== undefined && step && step !== this.stepShown) {
      requestAnimationFrame(() => document.getElementById("ph-shoes").scrollIntoView({ block: "nearest" }));
    }
    this.stepShown = step;
  }

  renderProposed() {
    const { view } = this;
    show("proposed-invited", !view.proposed_by_me);
    show("proposed-mine", view.proposed_by_me);
    const input = $("f-schedule-at");
    if (!input.min) {
      const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
      const now = new Date();
      input.min = local(new Date(now.getTime() + 60000));
      input.max = local(new Date(now.getTime() + view.limits.schedule_max_days * 86400000 - 60000));
    }
  }

  renderScheduled() {
    const { view } = this;
    $("scheduled-when").textContent = view.scheduled_for ? `You'll start ${fmtTime(view.scheduled_for)}.` : "";
    show("btn-start", this.has("start"));
    show("btn-cancel-scheduled", this.has("cancel"));
  }

  renderBreak() {
    const { partner } = this.ctx;
    const b = this.view.break || {};
    $("break-by").textContent = breakBy(b, this.ctx);
    $("break-resume").textContent = b.resume_at && b.resume_at !== b.ends_at ? `Back together around ${fmtClock(b.resume_at)}.` : "";
    $("ready-me").textContent = b.me_ready ? "You: ready" : "You: not yet";
    $("ready-me").dataset.ready = b.me_ready ? "yes" : "no";
    $("ready-partner").textContent = b.partner_ready ? `${partner}: ready` : `${partner}: not yet`;
    $("ready-partner").dataset.ready = b.partner_ready ? "yes" : "no";
    const btn = $("btn-ready");
    btn.hidden = !this.has("ready") && !b.me_ready;
    btn.disabled = !this.has("ready");
    btn.textContent = b.me_ready ? `Ready: waiting for ${partner}` : "I'm ready";
  }

  chip(text) {
    const b = el("button", "ex-chip", text);
    b.type = "button";
    b.addEventListener("click", () => this.insertPrompt(text));
    return b;
  }

  /** Put a starter or question into the textarea; the cursor goes where the "…" was. */
  insertPrompt(template) {
    const textEl = this.textEl;
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
    this.ctx.onDraft(textEl.value);
  }

  renderComposer() {
    const { view } = this;
    const { partner } = this.ctx;
    const speaking = view.my_floor;
    $("ph-active").dataset.role = speaking ? "speaker" : "listener";
    const missing = !speaking && view.perspective?.step === "reflect_miss";
    $("composer-label").textContent = speaking ? "Share a small piece…"
      : (missing ? view.perspective_texts.miss_prompt : `Say back what you heard, or ask ${partner}`);
    this.textEl.placeholder = speaking ? "One feeling or one moment at a time" : (view.reflection_starters?.[0] ?? "");

    // The speaker answers a reflection; the listener sees that an answer is awaited.
    const pending = view.pending_confirmation != null;
    show("ex-confirm", pending);
    const row = $("ex-confirm-row");
    if (pending && speaking) {
      $("ex-confirm-q").textContent = `Did ${partner}'s reflection land?`;
      if (row.dataset.for !== String(view.pending_confirmation)) {
        row.replaceChildren(...(view.confirm_choices || []).map((c) => {
          const b = el("button", `button small ex-confirm-btn${c.kind === "landed" ? " primary" : ""}`, c.label);
          b.type = "button";
          b.dataset.kind = c.kind;
          b.addEventListener("click", () => this.ctx.onConfirm(c.kind));
          return b;
        }));
        row.dataset.for = String(view.pending_confirmation);
        requestAnimationFrame(() => $("ex-confirm").scrollIntoView({ block: "nearest" }));
      }
    } else {
      row.replaceChildren();
      row.dataset.for = "";
      $("ex-confirm-q").textContent = pending ? `Waiting for ${partner} to say whether it landed.` : "";
    }

    // Listener tools: reflection starters and the question bank as chips.
    show("ex-listener-tools", !speaking && this.has("say")); // nothing to insert into before a share
    const tools = $("ex-listener-tools");
    // Saying back what a guess missed has starters of its own.
    const toolsKey = `${view.kind}${missing ? ":miss" : ""}`;
    if (!speaking && tools.dataset.kind !== toolsKey) {
      const starters = missing ? view.perspective_texts.miss_starters : view.reflection_starters;
      $("ex-starters").replaceChildren(...(starters || []).map((t) => this.chip(t)));
      $("ex-questions").replaceChildren(...(view.question_bank || []).map((t) => this.chip(t)));
      tools.dataset.kind = toolsKey;
    }
    // The listener answers what was shared: until the first piece, the composer waits.
    show("ex-wait-share", !speaking && view.speaker_has_shared === false);
    this.textEl.disabled = !speaking && !this.has("say"); // the rules' table decides
    show("btn-check", !speaking && this.has("check"));
    $("btn-check").textContent = view.check_text || "Did I get that right?";
    show("btn-end-turn", speaking && this.has("end_turn"));
    if (speaking || !this.has("say")) this.hideGuard();
    this.renderPinned();
  }

  /** The listener's view of what they reflect: the speaker's latest words this turn. */
  renderPinned() {
    const { view } = this;
    const latest = view.my_floor ? null : this.ctx.events().findLast((e) => e.type === "shared"
      && e.actor === view.speaker && (e.payload?.turn ?? view.turn) === view.turn);
    show("ex-pinned", !!latest);
    // While the words are pinned they describe the textarea (who said them, then the words).
    this.textEl.setAttribute("aria-describedby", `${latest ? "ex-pinned-who ex-pinned-text " : ""}ex-guard ex-errors`);
    const text = latest ? String(latest.payload.text ?? "") : "";
    const p = $("ex-pinned-text");
    if (p.textContent !== text) {
      p.textContent = text;
      if (latest && document.activeElement === this.textEl) this.showPinned();
    }
  }

  /** Bring the speaker's words into view above the textarea (the keyboard may be up). */
  showPinned() {
    const pinned = $("ex-pinned");
    if (pinned.hidden) return;
    requestAnimationFrame(() => {
      const before = this.textEl.getBoundingClientRect();
      pinned.scrollIntoView({ block: "start" });
      // Never at the cost of the textarea itself: if it no longer fits, put it back.
      if (this.textEl.getBoundingClientRect().bottom > window.innerHeight && before.bottom <= window.innerHeight) {
        this.textEl.scrollIntoView({ block: "end" });
      }
    });
  }

  renderRating() {
    const { view } = this;
    const done = view.my_rating_done;
    if (this.ratedShown === false && done) requestAnimationFrame(() => $("rating-sealed-title").focus());
    this.ratedShown = done;
    show("rating-form", !done);
    show("rating-sealed", done);
    // Another round: offered while nobody has rated and the catalog allows one more.
    const again = this.has("another_round") || view.round_wanted_by_me ? againWords(view, this.ctx) : null;
    show("ex-again", !!again);
    if (again) {
      $("ex-again-text").textContent = again.text;
      show("btn-again", !!again.button);
      if (again.button) $("btn-again").textContent = again.button;
    }
    if (done && view.my_rating) {
      $("rating-mine").textContent = `You said: felt seen ${view.my_rating.seen}/10, understood ${view.my_rating.understood}/10.`;
    }
  }

  renderComplete() {
    const fill = (id, r) => {
      $(id).querySelectorAll(".ex-score").forEach((s) => { s.textContent = r ? String(r[s.dataset.k]) : "–"; });
    };
    fill("reveal-me", this.view.my_rating);
    fill("reveal-partner", this.view.partner_rating);
  }

  renderEnded() {
    const words = endedWords(this.view, this.ctx);
    $("ph-ended-title").textContent = words.title;
    $("ended-text").textContent = words.text;
  }

  renderPending() {
    const { waiting, connected, stuck } = this.status();
    for (const [id, type] of Object.entries(BUTTONS)) {
      const b = $(id);
      if (!b) continue;
      b.disabled = waiting.has(type);
      b.setAttribute("aria-busy", waiting.has(type) ? "true" : "false");
    }
    const sending = waiting.has("say");
    const send = $("btn-send");
    send.setAttribute("aria-busy", sending ? "true" : "false");
    send.textContent = !sending ? "Send" : (stuck ? "Not sent yet" : (connected ? "Sending…" : "Waiting to send…"));
    send.disabled = sending || this.pauseLeft() > 0 || this.textEl.disabled;
    $("btn-check").disabled = waiting.has("check") || this.pauseLeft() > 0;
    $("ex-confirm-row").querySelectorAll("button").forEach((b) => { b.disabled = waiting.has("confirm"); });
    this.logEl.querySelectorAll(".ex-slip-chip").forEach((b) => { b.disabled = waiting.has("mark_slip"); });
    $("btn-retry").hidden = !stuck;
    if (waiting.size && !connected && !stuck) {
      this.showError("You're offline. We'll send it as soon as you're back.");
    }
  }

  // ---- teaching the guard: the speaker's one-tap mark ----------------------------------------

  /**
   * Under the latest delivered listener message, until the speaker marks it, one row of
   * one-tap choices: "that felt like fixing / judging / …". Private between the two of them;
   * the turn goes on whatever is tapped.
   */
  renderSlipTools() {
    const { view } = this;
    const open = view?.phase === "active" && view.my_floor && this.has("mark_slip");
    // Only the latest message that reached the speaker, and only until it is marked.
    const latest = open ? (view.turn_messages || []).filter((m) => m.delivered).at(-1) : null;
    const target = latest && !latest.feedback ? latest : null;
    for (const row of this.logEl.querySelectorAll(".ex-slip")) {
      if (!target || row.dataset.for !== String(target.seq)) row.remove();
    }
    if (!target) return;
    const li = this.logEl.querySelector(`li[data-seq="${target.seq}"]`);
    if (!li || li.querySelector(".ex-slip")) return;
    const row = el("div", "ex-slip");
    row.dataset.for = String(target.seq);
    row.setAttribute("role", "group");
    const label = el("p", "ex-slip-label", "Didn't feel like listening? It felt…");
    label.id = `slip-label-${target.seq}`;
    row.setAttribute("aria-labelledby", label.id);
    const chips = el("div", "ex-slip-chips");
    for (const c of view.slip_choices || []) {
      const b = el("button", "ex-slip-chip", c.label.replace(/^Felt (like )?/, ""));
      b.type = "button";
      b.dataset.slip = c.kind;
      b.setAttribute("aria-label", c.label);
      b.addEventListener("click", () => this.ctx.onSlip(target.seq, c.kind));
      chips.append(b);
    }
    row.append(label, chips);
    li.append(row);
    if (li === this.logEl.lastElementChild) $("ex-logbox").scrollTop = $("ex-logbox").scrollHeight;
  }

  // ---- timers: the break countdown and the slow-down pause -----------------------------------

  pauseLeft() {
    const { view } = this;
    if (!view || view.phase !== "active" || view.my_floor || !view.listener_may_answer_at) return 0;
    return new Date(view.listener_may_answer_at).getTime() - Date.now();
  }

  tick() {
    const { view } = this;
    if (!view) return;
    const { partner } = this.ctx;
    if ((view.phase === "active" || view.phase === "on_break") && this.floorTurn) this.renderTurnClock();
    if (view.phase === "on_break" && view.break?.ends_at) {
      const left = new Date(view.break.ends_at).getTime() - Date.now();
      $("break-timer").textContent = left > 0 ? `${fmtLeft(left)} left` : "Time's up: ready when you are";
      $("ex-floor-hint").textContent = left > 0 ? `Break: ${fmtLeft(left)} left` : "The break time is up.";
    }
    const left = view.phase === "active" && view.listener_may_answer_at
      ? new Date(view.listener_may_answer_at).getTime() - Date.now() : 0;
    const on = left > 0;
    show("ex-pause", on);
    if (on) {
      const secs = Math.ceil(left / 1000);
      if (view.my_floor) {
        $("ex-pause-count").textContent = `${partner} is taking a quiet moment (${secs} s).`;
        $("ex-pause-prompt").textContent = "";
      } else {
        $("ex-pause-count").textContent = `A quiet moment: you can answer in ${secs} s`;
        $("ex-pause-prompt").textContent = view.pause_prompt || "";
      }
    }
    if (on !== this.pauseWasOn) {
      this.pauseWasOn = on;
      this.renderPending();
    }
  }

  // ---- the guard note (listener only, private) -----------------------------------------------

  showGuard(g, text, seq) {
    this.guard = { ...g, text, seq };
    $("ex-guard-reason").textContent = g.reason || "That one was held back.";
    show("ex-guard-suggest-wrap", !!g.suggestion);
    $("ex-guard-suggestion").textContent = g.suggestion || "";
    show("btn-send-anyway", g.may_send_anyway === true); // the server's rule, not a copy
    // The listener may say the guard got it wrong; the message still isn't sent.
    show("btn-claim", seq != null);
    $("btn-claim").disabled = false;
    $("ex-guard-claimed").textContent = "";
    show("ex-guard", true);
    // The card sits under the textarea; the speaker's words stay in view above both.
    if ($("ex-pinned").hidden) $("ex-guard").scrollIntoView({ block: "nearest" });
    else this.showPinned();
  }

  /** The listener said the held message was a reflection: thank them, once. */
  guardClaimed(seq) {
    if (this.guard?.seq !== seq) return;
    show("btn-claim", false);
    $("ex-guard-claimed").textContent = "Thank you. It still wasn't sent, but you've told the guard it was a reflection.";
  }

  hideGuard() { this.guard = null; show("ex-guard", false); }
}
