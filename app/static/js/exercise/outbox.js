// Delivery for one exercise (docs/realtime.md): the event log with gap detection, the outbox,
// and the protocol driver that joins, replays and resends. No DOM here: the screen listens
// through hooks, and Node's test runner drives it with a fake socket (tests/js/).
//
// Every action gets a client_id and goes into the outbox in storage BEFORE it is emitted; it
// leaves the outbox when acknowledged (or refused for good). After any reconnect we join again
// with the last seq we saw and resend the outbox with the same client_ids; the server answers
// a repeat with the stored acknowledgement, so nothing is applied twice.

export const ACK_TIMEOUT = 8000;
/** Refusals that a moment later may succeed: resend the same action. */
export const RETRYABLE = new Set(["conflict", "rate_limited"]);
/** Failures worth a few more tries: no answer in time, or the server's own error. */
export const MAX_TRIES = 3;
/** Refusals that mean our picture of the exercise is stale: join again to catch up. */
export const REJOIN_CODES = new Set(["wrong_phase", "finished", "not_your_turn", "on_break"]);

export const newId = () => (globalThis.crypto?.randomUUID ? globalThis.crypto.randomUUID()
  : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`);

/** The events seen so far, in seq order, and the last seq; kept in ``store``. */
export class EventLog {
  constructor(store) {
    this.store = store;
    let events = store.get("events", []);
    let seq = store.get("seq", 0);
    if (!Array.isArray(events) || !Number.isInteger(seq) || seq < 0) { events = []; seq = 0; }
    this.events = events;
    this.lastSeq = seq;
  }

  save() { this.store.set("events", this.events); this.store.set("seq", this.lastSeq); }

  /** Would ``list`` leave a hole after our last seq? (A push we cannot apply: join instead.) */
  gapBefore(list) {
    if (!list || !list.length) return false;
    return Math.min(...list.map((e) => e.seq)) > this.lastSeq + 1;
  }

  /**
   * Apply events in seq order, skipping ones already seen. Stops at the first gap.
   * Returns ``{added, gap}``: the newly visible events (hidden ones only advance the seq).
   */
  apply(list) {
    const added = [];
    let changed = false;
    let gap = false;
    for (const e of [...(list || [])].sort((a, b) => a.seq - b.seq)) {
      if (e.seq <= this.lastSeq) continue;
      if (e.seq > this.lastSeq + 1) { gap = true; break; }
      this.lastSeq = e.seq;
      changed = true;
      if (e.type !== "hidden") {
        this.events.push(e);
        added.push(e);
      }
    }
    if (changed) this.save();
    return { added, gap };
  }

  reset() {
    this.events = [];
    this.lastSeq = 0;
    this.save();
  }
}

/** Actions waiting for their acknowledgement, oldest first; kept in ``store``. */
export class Outbox {
  constructor(store) {
    this.store = store;
    const items = store.get("outbox", []);
    this.items = Array.isArray(items) ? items : [];
  }

  save() { this.store.set("outbox", this.items); }

  add(type, payload = {}, { id = newId(), now = Date.now() } = {}) {
    const item = { client_id: id, type, payload, at: now };
    this.items.push(item);
    this.save(); // stored before it is emitted: a reload or a crash resends it
    return item;
  }

  remove(clientId) {
    this.items = this.items.filter((i) => i.client_id !== clientId);
    this.save();
  }

  first() { return this.items[0] ?? null; }

  /** Remember one more failed try of ``item``; returns how many it has had. */
  failedTry(item) {
    item.tries = (item.tries ?? 0) + 1;
    this.save();
    return item.tries;
  }

  /** Stop trying ``item`` until the person asks again (the outbox waits behind it). */
  giveUp(item) { item.stuck = true; this.save(); }

  /** Whether the outbox is held up by an item we gave up on. */
  get stuck() { return this.items.some((i) => i.stuck); }

  /** Try every given-up item afresh. */
  unstick() {
    for (const i of this.items) { delete i.stuck; i.tries = 0; }
    this.save();
  }

  has(type) { return this.items.some((i) => i.type === type); }

  types() { return new Set(this.items.map((i) => i.type)); }

  get length() { return this.items.length; }
}

const defaultTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle),
  random: () => Math.random(),
};

/**
 * The protocol driver. ``transport`` is ``{connected(), request(name, data, cb(err, ack))}``
 * where ``request`` gives up with an error after ACK_TIMEOUT. Hooks (all optional):
 * ``events(added)``, ``reset()``, ``view(view)``, ``acked(item, ack)``,
 * ``refused(item, ack)``, ``gaveUp(item, ack)``, ``joinFailed(ack)``, ``changed()``.
 * An action that gets no answer, or the server's ``server_error``, is tried MAX_TRIES times;
 * then the driver gives up (the action stays in the outbox, nothing typed is lost) until
 * ``retry()``.
 */
export class Sync {
  constructor({ exerciseId, log, outbox, transport, hooks = {}, timers = defaultTimers, view = null }) {
    this.exerciseId = exerciseId;
    this.log = log;
    this.outbox = outbox;
    this.transport = transport;
    this.hooks = hooks;
    this.timers = timers;
    this.view = view;
    this.joined = false;
    this.joining = false;
    this.joinAgain = false;
    this.flushing = false;
    this.retryTimer = null;
    this.gen = 0; // bumped on every disconnect, so stale timeouts are ignored
    this.joinTries = 0;
  }

  hook(name, ...args) { return this.hooks[name]?.(...args); }

  /** Take a newer view (or any, when forced); true if it was taken. */
  setView(next, force = false) {
    if (!next) return false;
    if (force || !this.view || next.seq >= this.view.seq) {
      this.view = next;
      this.hook("view", next);
      return true;
    }
    return false;
  }

  applyEvents(list) {
    const { added, gap } = this.log.apply(list);
    if (added.length) this.hook("events", added);
    return !gap;
  }

  /** Queue an action and try to send it. */
  act(type, payload = {}) {
    const item = this.outbox.add(type, payload);
    this.hook("changed");
    this.flush();
    return item;
  }

  connected() { this.join(); }

  disconnected() {
    this.gen += 1;
    this.joined = false;
    this.joining = false;
    this.flushing = false;
    this.hook("changed");
  }

  retryLater(ms) {
    this.timers.clear(this.retryTimer);
    this.retryTimer = this.timers.set(() => this.flush(), ms);
  }

  /** Send the oldest waiting action (one at a time, so they apply in order). */
  flush() {
    if (this.flushing || !this.transport.connected() || !this.joined) { this.hook("changed"); return; }
    const item = this.outbox.first();
    if (!item || item.stuck) { this.hook("changed"); return; }
    this.flushing = true;
    const gen = this.gen;
    this.transport.request("act", { exercise_id: this.exerciseId, client_id: item.client_id,
      type: item.type, payload: item.payload }, (err, ack) => {
      if (err && gen !== this.gen) return; // a timeout from a connection that is gone
      this.flushing = false;
      if (err || ack?.error?.code === "server_error") { // resend, same client_id, a few times
        if (this.outbox.failedTry(item) >= MAX_TRIES) {
          this.outbox.giveUp(item);
          this.hook("gaveUp", item, ack ?? null);
          this.hook("changed");
        } else {
          this.retryLater(1000 * item.tries);
        }
        return;
      }
      const result = this.handleAck(item, ack);
      this.hook("changed");
      if (result === "retry") this.retryLater(800 + this.timers.random() * 700);
      else this.flush();
    });
  }

  /** The person asks to try again: resend what we gave up on, and join if we could not. */
  retry() {
    this.outbox.unstick();
    this.joinTries = 0;
    if (!this.joined) this.join();
    this.flush();
  }

  /** What an acknowledgement means for ``item``: "done" (it left the outbox) or "retry". */
  handleAck(item, ack) {
    if (ack && ack.ok) {
      this.outbox.remove(item.client_id);
      if (!this.applyEvents(ack.events)) this.join();
      this.hook("acked", item, ack);
      // The pushed view normally arrives first; if it was lost, ask for the state again.
      const wanted = ack.seq;
      this.timers.set(() => { if (!this.view || this.view.seq < wanted) this.join(); }, 1500);
      return "done";
    }
    const code = ack?.error?.code;
    if (RETRYABLE.has(code)) return "retry";
    this.outbox.remove(item.client_id);
    this.hook("refused", item, ack);
    if (REJOIN_CODES.has(code)) this.join();
    return "done";
  }

  resetLog() {
    this.log.reset();
    this.hook("reset");
  }

  /** Subscribe and catch up from our last seq; then send what waits. */
  join() {
    if (!this.transport.connected()) return;
    if (this.joining) { this.joinAgain = true; return; }
    this.joining = true;
    const gen = this.gen;
    this.transport.request("join", { exercise_id: this.exerciseId, after_seq: this.log.lastSeq }, (err, ack) => {
      if (err && gen !== this.gen) return;
      this.joining = false;
      if (err || ack?.error?.code === "server_error") { // a few more tries, then say so
        if (++this.joinTries < MAX_TRIES) this.timers.set(() => this.join(), 1000 * this.joinTries);
        else this.hook("joinFailed", ack ?? null);
        return;
      }
      if (!ack || !ack.ok) { this.hook("joinFailed", ack); return; }
      this.joinTries = 0;
      if (ack.seq < this.log.lastSeq) { // the server knows less than our cache: start afresh
        this.resetLog();
        this.join();
        return;
      }
      if (!this.applyEvents(ack.events)) { this.resetLog(); this.join(); return; }
      this.joined = true;
      this.setView(ack.view, true);
      if (this.joinAgain) { this.joinAgain = false; this.join(); }
      this.flush();
    });
  }

  /** A server push: apply it, or join again if it leaves a gap. */
  push(msg) {
    if (!msg || msg.exercise_id !== this.exerciseId) return;
    const list = msg.events || [];
    if (this.log.gapBefore(list)) { this.join(); return; }
    this.applyEvents(list);
    this.setView(msg.view);
  }
}
