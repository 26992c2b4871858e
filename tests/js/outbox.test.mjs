// The live exercise's delivery (app/static/js/exercise/outbox.js) driven by a fake socket:
// ordering, retries, duplicate acknowledgements, gaps and replay. Run: node --test tests/js/
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { EventLog, MAX_TRIES, Outbox, Sync } from "../../app/static/js/exercise/outbox.js";
import { scopedStore } from "../../app/static/js/exercise/storage.js";

/** A localStorage stand-in. */
function memoryBackend() {
  const data = new Map();
  return {
    data,
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k),
  };
}

/** A socket whose requests wait until the test answers them. */
function fakeTransport() {
  const t = {
    up: true,
    sent: [],
    connected: () => t.up,
    request: (name, data, cb) => t.sent.push({ name, data, cb }),
    /** The oldest unanswered request (optionally of one event name). */
    next(name) {
      const i = t.sent.findIndex((r) => !r.answered && (!name || r.name === name));
      assert.notEqual(i, -1, `expected a pending ${name ?? "request"}`);
      return t.sent[i];
    },
    answer(name, ack, err = null) {
      const r = t.next(name);
      r.answered = true;
      r.cb(err, ack);
      return r;
    },
    pending: () => t.sent.filter((r) => !r.answered),
  };
  return t;
}

/** Timers the test runs by hand. */
function fakeTimers() {
  const t = {
    queue: [],
    set: (fn, ms) => { const h = { fn, ms, done: false }; t.queue.push(h); return h; },
    clear: (h) => { if (h) h.done = true; },
    random: () => 0,
    runAll() {
      const due = t.queue.filter((h) => !h.done);
      t.queue = [];
      for (const h of due) { h.done = true; h.fn(); }
    },
  };
  return t;
}

const ev = (seq, type = "shared", extra = {}) => ({ seq, type, actor: 1, payload: { text: `m${seq}` }, ...extra });
const view = (seq, extra = {}) => ({ seq, phase: "active", ...extra });

function setup({ backend = memoryBackend(), exerciseId = 7 } = {}) {
  const store = scopedStore(`attune:ex:${exerciseId}:u1:`, backend);
  const log = new EventLog(store);
  const outbox = new Outbox(store);
  const transport = fakeTransport();
  const timers = fakeTimers();
  const seen = { added: [], views: [], acked: [], refused: [], resets: 0, gaveUp: [], joinFailed: [] };
  const sync = new Sync({
    exerciseId, log, outbox, transport, timers, view: view(0),
    hooks: {
      events: (added) => seen.added.push(...added.map((e) => e.seq)),
      view: (v) => seen.views.push(v.seq),
      acked: (item, ack) => seen.acked.push([item.type, ack]),
      refused: (item, ack) => seen.refused.push([item.type, ack.error.code]),
      reset: () => { seen.resets += 1; },
      gaveUp: (item) => seen.gaveUp.push(item.type),
      joinFailed: (ack) => seen.joinFailed.push(ack),
    },
  });
  return { backend, store, log, outbox, transport, timers, sync, seen };
}

/** Connect and answer the first join with ``events`` up to ``seq``. */
function joined(s, seq = 0, events = []) {
  s.sync.connected();
  const r = s.transport.answer("join", { ok: true, exercise_id: 7, seq, events, view: view(seq) });
  return r;
}

describe("EventLog", () => {
  it("applies events in seq order whatever order they arrive in", () => {
    const { log } = setup();
    const { added, gap } = log.apply([ev(2), ev(1), ev(3)]);
    assert.equal(gap, false);
    assert.deepEqual(added.map((e) => e.seq), [1, 2, 3]);
    assert.equal(log.lastSeq, 3);
  });

  it("skips events it has already seen", () => {
    const { log } = setup();
    log.apply([ev(1), ev(2)]);
    const { added } = log.apply([ev(2), ev(3)]);
    assert.deepEqual(added.map((e) => e.seq), [3]);
    assert.deepEqual(log.events.map((e) => e.seq), [1, 2, 3]);
  });

  it("stops at a gap and keeps what came before it", () => {
    const { log } = setup();
    const { added, gap } = log.apply([ev(1), ev(2), ev(4)]);
    assert.equal(gap, true);
    assert.deepEqual(added.map((e) => e.seq), [1, 2]);
    assert.equal(log.lastSeq, 2);
  });

  it("counts hidden events without showing them", () => {
    const { log } = setup();
    const { added } = log.apply([ev(1), { seq: 2, type: "hidden" }, ev(3)]);
    assert.deepEqual(added.map((e) => e.seq), [1, 3]);
    assert.equal(log.lastSeq, 3);
  });

  it("tells a push that leaves a hole from one that continues", () => {
    const { log } = setup();
    log.apply([ev(1)]);
    assert.equal(log.gapBefore([ev(3)]), true);
    assert.equal(log.gapBefore([ev(2), ev(3)]), false);
    assert.equal(log.gapBefore([]), false);
  });

  it("survives a reload through its store, and ignores a corrupt one", () => {
    const s = setup();
    s.log.apply([ev(1), ev(2)]);
    const again = new EventLog(s.store);
    assert.equal(again.lastSeq, 2);
    assert.deepEqual(again.events.map((e) => e.seq), [1, 2]);
    s.store.set("seq", -4);
    const corrupt = new EventLog(s.store);
    assert.equal(corrupt.lastSeq, 0);
    assert.deepEqual(corrupt.events, []);
  });
});

describe("Outbox", () => {
  it("is stored before anything is sent, and a reload finds it in order", () => {
    const s = setup();
    s.outbox.add("say", { text: "one" }, { id: "id-aaaaaaaa" });
    s.outbox.add("check", {}, { id: "id-bbbbbbbb" });
    const again = new Outbox(s.store);
    assert.deepEqual(again.items.map((i) => i.client_id), ["id-aaaaaaaa", "id-bbbbbbbb"]);
    assert.equal(again.has("say"), true);
    again.remove("id-aaaaaaaa");
    assert.deepEqual(new Outbox(s.store).items.map((i) => i.type), ["check"]);
  });
});

describe("Sync", () => {
  it("joins with the last seq it saw", () => {
    const s = setup();
    s.log.apply([ev(1), ev(2)]);
    s.sync.connected();
    assert.deepEqual(s.transport.next("join").data, { exercise_id: 7, after_seq: 2 });
  });

  it("sends nothing before it has joined, then sends in order, one at a time", () => {
    const s = setup();
    s.sync.act("say", { text: "first" });
    s.sync.act("check");
    assert.equal(s.transport.sent.length, 0); // not connected yet: nothing is emitted
    joined(s);
    const acts = s.transport.pending().filter((r) => r.name === "act");
    assert.equal(acts.length, 1);
    assert.equal(acts[0].data.type, "say");
    s.transport.answer("act", { ok: true, seq: 1, events: [ev(1)] });
    const second = s.transport.next("act");
    assert.equal(second.data.type, "check");
    s.transport.answer("act", { ok: true, seq: 2, events: [ev(2, "check")] });
    assert.equal(s.outbox.length, 0);
    assert.deepEqual(s.seen.added, [1, 2]);
  });

  it("resends with the same client_id when no acknowledgement comes", () => {
    const s = setup();
    joined(s);
    const item = s.sync.act("say", { text: "hello" });
    s.transport.answer("act", undefined, new Error("operation has timed out"));
    assert.equal(s.outbox.length, 1);
    s.timers.runAll();
    const again = s.transport.next("act");
    assert.equal(again.data.client_id, item.client_id);
  });

  it("retries a conflict and a rate limit, keeping the action", () => {
    const s = setup();
    joined(s);
    const item = s.sync.act("end_turn");
    s.transport.answer("act", { ok: false, error: { code: "conflict", message: "x" } });
    assert.equal(s.outbox.length, 1);
    s.timers.runAll();
    s.transport.answer("act", { ok: false, error: { code: "rate_limited", message: "x" } });
    s.timers.runAll();
    const third = s.transport.next("act");
    assert.equal(third.data.client_id, item.client_id);
    assert.deepEqual(s.seen.refused, []);
  });

  it("drops a refused action, says so, and joins again when its picture is stale", () => {
    const s = setup();
    joined(s);
    s.sync.act("end_turn");
    s.transport.answer("act", { ok: false, error: { code: "not_your_turn", message: "Not yours." } });
    assert.equal(s.outbox.length, 0);
    assert.deepEqual(s.seen.refused, [["end_turn", "not_your_turn"]]);
    assert.equal(s.transport.next("join").data.after_seq, 0);
  });

  it("applies a duplicate acknowledgement's events only once", () => {
    const s = setup();
    joined(s);
    s.sync.act("say", { text: "hi" });
    // The push arrives before the acknowledgement, then the ack repeats the same event.
    s.sync.push({ exercise_id: 7, events: [ev(1)], view: view(1) });
    s.transport.answer("act", { ok: true, seq: 1, events: [ev(1)], duplicate: true });
    assert.deepEqual(s.seen.added, [1]);
    assert.deepEqual(s.log.events.map((e) => e.seq), [1]);
    assert.equal(s.seen.acked.length, 1);
  });

  it("after a reconnect resends what waits with the same client_id, after catching up", () => {
    const s = setup();
    joined(s);
    const item = s.sync.act("say", { text: "while the line drops" });
    s.transport.up = false;
    s.sync.disconnected();
    // The old connection's timeout arrives late and must be ignored.
    s.transport.answer("act", undefined, new Error("timeout"));
    assert.equal(s.timers.queue.filter((h) => !h.done).length, 0);
    s.transport.up = true;
    s.sync.connected();
    const j = s.transport.answer("join", { ok: true, seq: 2, events: [ev(1), ev(2)], view: view(2) });
    assert.equal(j.data.after_seq, 0);
    assert.deepEqual(s.seen.added, [1, 2]);
    assert.equal(s.transport.next("act").data.client_id, item.client_id);
  });

  it("joins again on a push that leaves a gap instead of applying it", () => {
    const s = setup();
    joined(s, 1, [ev(1)]);
    s.sync.push({ exercise_id: 7, events: [ev(3)], view: view(3) });
    assert.equal(s.log.lastSeq, 1);
    const j = s.transport.next("join");
    assert.equal(j.data.after_seq, 1);
    s.transport.answer("join", { ok: true, seq: 3, events: [ev(2), ev(3)], view: view(3) });
    assert.deepEqual(s.seen.added, [1, 2, 3]);
  });

  it("ignores pushes for another exercise and views older than its own", () => {
    const s = setup();
    joined(s, 2, [ev(1), ev(2)]);
    s.sync.push({ exercise_id: 8, events: [ev(3)], view: view(9) });
    assert.equal(s.log.lastSeq, 2);
    s.sync.push({ exercise_id: 7, events: [], view: view(1) });
    assert.equal(s.sync.view.seq, 2);
  });

  it("starts the log afresh when the server knows less than the cache", () => {
    const s = setup();
    s.log.apply([ev(1), ev(2), ev(3)]);
    s.sync.connected();
    s.transport.answer("join", { ok: true, seq: 1, events: [], view: view(1) });
    assert.equal(s.seen.resets, 1);
    const j = s.transport.next("join");
    assert.equal(j.data.after_seq, 0);
    s.transport.answer("join", { ok: true, seq: 1, events: [ev(1)], view: view(1) });
    assert.deepEqual(s.log.events.map((e) => e.seq), [1]);
  });

  it("asks for the state again when the view never caught up with an acknowledgement", () => {
    const s = setup();
    joined(s);
    s.sync.act("accept");
    s.transport.answer("act", { ok: true, seq: 2, events: [ev(1, "accepted"), ev(2, "started")] });
    assert.equal(s.transport.pending().length, 0);
    s.timers.runAll(); // the pushed view with seq 2 never came
    assert.equal(s.transport.next("join").data.after_seq, 2);
  });

  it("joins only once at a time and again afterwards if asked meanwhile", () => {
    const s = setup();
    s.sync.connected();
    s.sync.join();
    assert.equal(s.transport.pending().length, 1);
    s.transport.answer("join", { ok: true, seq: 0, events: [], view: view(0) });
    assert.equal(s.transport.pending().filter((r) => r.name === "join").length, 1);
  });

  it("gives up after a few server errors, keeps the action, and tries again when asked", () => {
    const s = setup();
    joined(s);
    const item = s.sync.act("say", { text: "words I do not want to lose" });
    const serverError = { ok: false, error: { code: "server_error", message: "Oops." } };
    for (let i = 0; i < MAX_TRIES; i += 1) {
      s.transport.answer("act", serverError);
      s.timers.runAll();
    }
    assert.equal(s.transport.pending().length, 0); // it stopped trying
    assert.deepEqual(s.seen.gaveUp, ["say"]);
    assert.equal(s.outbox.stuck, true);
    assert.equal(new Outbox(s.store).items[0].payload.text, "words I do not want to lose");
    // Later actions wait behind it, in order.
    s.sync.act("check");
    assert.equal(s.transport.pending().length, 0);
    s.sync.retry();
    const again = s.transport.next("act");
    assert.equal(again.data.client_id, item.client_id);
    s.transport.answer("act", { ok: true, seq: 1, events: [ev(1)] });
    assert.equal(s.transport.next("act").data.type, "check");
  });

  it("gives up after a few unanswered tries too", () => {
    const s = setup();
    joined(s);
    s.sync.act("end_turn");
    for (let i = 0; i < MAX_TRIES; i += 1) {
      s.transport.answer("act", undefined, new Error("operation has timed out"));
      s.timers.runAll();
    }
    assert.deepEqual(s.seen.gaveUp, ["end_turn"]);
    assert.equal(s.transport.pending().length, 0);
    assert.equal(s.outbox.length, 1);
  });

  it("reports a join that keeps failing instead of waiting for ever", () => {
    const s = setup();
    s.sync.connected();
    for (let i = 0; i < MAX_TRIES; i += 1) {
      s.transport.answer("join", { ok: false, error: { code: "server_error", message: "Oops." } });
      s.timers.runAll();
    }
    assert.equal(s.seen.joinFailed.length, 1);
    assert.equal(s.transport.pending().length, 0);
    s.sync.retry();
    s.transport.answer("join", { ok: true, seq: 0, events: [], view: view(0) });
    assert.equal(s.sync.joined, true);
  });
});
