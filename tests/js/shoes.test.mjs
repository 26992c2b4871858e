// Step into my shoes on the live screen (app/static/js/exercise/shoes.js): which panel each
// partner sees at each step, and that the sealed guess is drawn only for its author until it
// opens. Run: node --test tests/js/
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { fill, shoesState } from "../../app/static/js/exercise/shoes.js";
import { describe as describeEvent, floorWords } from "../../app/static/js/exercise/words.js";

const ALEX = 1;
const BLAIR = 2;
const TEXTS = {
  name_wait: "{partner} is choosing a moment to name.",
  guess_wait: "{partner} is imagining the moment from your side.",
  tell_hint: "{partner} has sealed a guess.",
  mark_wait: "{partner} is reading your guess.",
  miss_prompt: "Say back what you missed, in your own words.",
  miss_wait: "{partner} is saying back what they missed.",
  reveal_title: "{guesser}'s guess",
};
const GUESS = { by: BLAIR, felt: "embarrassed", needed: "backup" };

/** The view one partner gets; Alex speaks, Blair guesses. */
function view(me, step, { guess = null, opened = false, mark = null } = {}) {
  return {
    phase: "active",
    my_floor: me === ALEX,
    perspective: { step, moment: step === "name" ? "" : "Tuesday's dinner", guess_sealed: !!guess,
      guess_revealed: opened, guess, mark, marks: [] },
    perspective_texts: TEXTS,
  };
}
const alex = { me: ALEX, partner: "Blair" };
const blair = { me: BLAIR, partner: "Alex" };

describe("shoesState", () => {
  it("puts each step's form before the partner whose move it is", () => {
    assert.equal(shoesState(view(ALEX, "name"), alex).naming, true);
    assert.equal(shoesState(view(BLAIR, "name"), blair).wait, "Alex is choosing a moment to name.");
    assert.equal(shoesState(view(BLAIR, "guess"), blair).guessing, true);
    assert.equal(shoesState(view(ALEX, "guess"), alex).guessing, false);
    assert.equal(shoesState(view(ALEX, "guess"), alex).wait, "Blair is imagining the moment from your side.");
    assert.equal(shoesState(view(ALEX, "mark", { guess: GUESS, opened: true }), alex).marking, true);
    assert.equal(shoesState(view(BLAIR, "mark", { guess: GUESS, opened: true }), blair).marking, false);
    assert.equal(shoesState(view(ALEX, "reflect_miss", { guess: GUESS, opened: true }), alex).wait,
      "Blair is saying back what they missed.");
    assert.equal(shoesState(view(BLAIR, "reflect_miss", { guess: GUESS, opened: true }), blair).wait, "");
  });

  it("shows the sealed guess only to its author until it opens", () => {
    const author = shoesState(view(BLAIR, "tell", { guess: GUESS }), blair);
    assert.equal(author.sealed, true);
    assert.deepEqual(author.guess, GUESS);
    const speaker = shoesState(view(ALEX, "tell"), alex);
    assert.equal(speaker.guess, null);
    assert.equal(speaker.wait, "Blair has sealed a guess.");
    const opened = shoesState(view(ALEX, "mark", { guess: GUESS, opened: true }), alex);
    assert.equal(opened.revealTitle, "Blair's guess");
    assert.equal(shoesState(view(BLAIR, "mark", { guess: GUESS, opened: true }), blair).revealTitle,
      "Your guess");
  });

  it("is null outside a perspective turn", () => {
    assert.equal(shoesState({ phase: "active", perspective: null }, alex), null);
    assert.equal(shoesState({ ...view(ALEX, "name"), phase: "rating" }, alex), null);
  });
});

describe("words", () => {
  it("fills names and leaves unknown placeholders alone", () => {
    assert.equal(fill("{partner} and {guesser} and {x}", { partner: "A", guesser: "B" }),
      "A and B and {x}");
  });

  it("shows the new events in the log in the server's words", () => {
    // The words come from the one projection on the server (tests/domain/exercises/
    // test_projection.py holds them); the log only picks the shape.
    const note = describeEvent({ type: "moment_named", actor: BLAIR, payload: { text: "x" },
      show: { form: "note", text: "Blair named the moment: “x”" } });
    assert.equal(note.note, "Blair named the moment: “x”");
    const miss = describeEvent({ type: "listener_message", actor: BLAIR,
      payload: { text: "So I missed…", delivered: true, miss: true },
      show: { form: "bubble", mine: false, role: "listener", label: "Blair · what they missed",
        text: "So I missed…" } });
    assert.equal(miss.label, "Blair · what they missed");
    assert.equal(miss.bubble, true);
    assert.equal(describeEvent({ seq: 9, type: "hidden" }), null);
  });

  it("gives the floor banner a hint for each step", () => {
    assert.equal(floorWords(view(ALEX, "mark"), alex).hint, "Say how close the guess came.");
    assert.equal(floorWords(view(BLAIR, "guess"), blair).hint,
      "Write your guess before you hear anything more.");
    assert.equal(floorWords({ phase: "active", my_floor: true, turn: 1 }, alex).hint,
      "Share a small piece; Blair reflects it back.");
  });
});
