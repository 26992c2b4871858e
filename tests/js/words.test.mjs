// How the live screen says the turn's time (app/static/js/exercise/words.js).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { turnClock, turnElapsed } from "../../app/static/js/exercise/words.js";

const at = (min) => new Date(Date.UTC(2026, 0, 1, 18, min)).toISOString();
const now = (min) => Date.parse(at(min));

describe("turnElapsed", () => {
  it("counts from the start of the current turn", () => {
    const events = [{ type: "proposed", at: at(0) }, { type: "started", at: at(2) },
      { type: "shared", at: at(3) }];
    assert.equal(turnElapsed(events, now(9)), 7 * 60000);
  });

  it("starts again when the roles swap", () => {
    const events = [{ type: "started", at: at(0) }, { type: "roles_swapped", at: at(12) }];
    assert.equal(turnElapsed(events, now(15)), 3 * 60000);
  });

  it("leaves breaks out, and stands still during one", () => {
    const events = [{ type: "started", at: at(0) }, { type: "break_called", at: at(4) },
      { type: "resumed", at: at(24) }];
    assert.equal(turnElapsed(events, now(30)), 10 * 60000);
    assert.equal(turnElapsed(events.slice(0, 2), now(30)), 4 * 60000);
  });

  it("is null before any turn", () => {
    assert.equal(turnElapsed([{ type: "proposed", at: at(0) }], now(5)), null);
  });
});

describe("turnClock", () => {
  it("is gentle: a suggestion, never a deadline", () => {
    assert.equal(turnClock(20000, 10), "about 10 min a turn");
    assert.equal(turnClock(4 * 60000 + 5000, 10), "4 of about 10 min");
    assert.equal(turnClock(14 * 60000, 10), "14 min · about 10 suggested, no rush");
    assert.equal(turnClock(null, 10), "");
  });
});
