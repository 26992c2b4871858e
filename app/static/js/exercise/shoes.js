// Step into my shoes: the card for each step of a perspective turn (name the moment, seal a
// guess, tell it, open the guess, mark how close it came, say what it missed). It draws from
// the view and the catalog's words (view.perspective_texts); the wiring sends the actions.

import { $, show } from "./dom.js";

/** Fill ``{partner}`` / ``{guesser}`` in a catalog text. */
export const fill = (text, names) => String(text ?? "").replace(/\{(\w+)\}/g, (m, k) => names[k] ?? m);

/** Which panels of the card show, and their words, for ``view`` (no DOM: unit-testable). */
export function shoesState(view, { me, partner }) {
  const p = view.perspective;
  const t = view.perspective_texts;
  if (!p || !t || !p.step || !["active", "on_break"].includes(view.phase)) return null;
  const speaking = view.my_floor;
  const names = { partner };
  const guess = p.guess;
  const mine = guess && guess.by === me;
  const opened = p.guess_revealed;
  const out = {
    step: p.step,
    moment: p.moment,
    naming: speaking && p.step === "name",
    guessing: !speaking && p.step === "guess",
    sealed: !speaking && !opened && !!mine,
    revealTitle: opened && guess ? (mine ? "Your guess" : fill(t.reveal_title, { ...names, guesser: partner })) : "",
    guess: opened || mine ? guess : null,
    marking: speaking && p.step === "mark",
    mark: p.mark,
    wait: "",
  };
  if (p.step === "name" && !speaking) out.wait = fill(t.name_wait, names);
  if (p.step === "guess" && speaking) out.wait = fill(t.guess_wait, names);
  if (p.step === "tell" && speaking) out.wait = fill(t.tell_hint, names);
  if (p.step === "mark" && !speaking) out.wait = fill(t.mark_wait, names);
  // The listener's own prompt for this step is the composer's label, just below.
  if (p.step === "reflect_miss" && speaking) out.wait = fill(t.miss_wait, names);
  return out;
}

let accuracyBuilt = false;

/** Draw the card; ``has(action)`` says what I may do now. */
export function renderShoes(view, ctx, has) {
  const s = shoesState(view, ctx);
  show("ph-shoes", !!s);
  if (!s) return;
  const t = view.perspective_texts;
  const names = { partner: ctx.partner };
  $("ph-shoes").dataset.step = s.step;
  show("shoes-moment-wrap", !!s.moment);
  $("shoes-moment").textContent = s.moment ? `“${s.moment}”` : "";

  show("shoes-name-form", s.naming);
  $("shoes-name-label").textContent = t.name_label;
  $("shoes-name-hint").textContent = t.name_hint;

  show("shoes-guess-form", s.guessing);
  $("shoes-guess-intro").textContent = fill(t.guess_intro, names);
  $("shoes-felt-label").textContent = t.felt_label;
  $("shoes-needed-label").textContent = t.needed_label;
  $("shoes-sealed-note").textContent = fill(t.sealed_note, names);

  show("shoes-wait", !!s.wait);
  $("shoes-wait").textContent = s.wait;

  show("shoes-guess-card", !!s.guess);
  $("shoes-guess-card").dataset.sealed = s.sealed ? "yes" : "no";
  $("shoes-guess-title").textContent = s.sealed ? "Your guess · sealed" : s.revealTitle;
  $("shoes-guess-sealed").hidden = !s.sealed;
  $("shoes-guess-sealed").textContent = fill(t.sealed_note, names);
  $("shoes-felt-words").textContent = s.guess?.felt ?? "";
  $("shoes-needed-words").textContent = s.guess?.needed ?? "";
  $("shoes-felt-dt").textContent = t.felt_label;
  $("shoes-needed-dt").textContent = t.needed_label;

  show("btn-reveal", has("reveal"));
  $("btn-reveal").textContent = t.reveal_label;

  show("shoes-mark-form", s.marking);
  $("shoes-accuracy-legend").textContent = t.accuracy_label;
  $("shoes-accuracy-low").textContent = t.accuracy_low;
  $("shoes-accuracy-high").textContent = t.accuracy_high;
  $("shoes-missed-label").textContent = t.missed_label;
  if (!accuracyBuilt) buildScale();

  show("shoes-mark-card", !!s.mark);
  if (s.mark) {
    $("shoes-mark-score").textContent = `${s.mark.score}/10`;
    show("shoes-mark-missed-wrap", !!s.mark.missed);
    $("shoes-mark-missed").textContent = s.mark.missed;
  }
}

/** Eleven radio buttons, 0 to 10, none of them chosen until the speaker picks. */
function buildScale() {
  const row = $("shoes-scale");
  for (let i = 0; i <= 10; i += 1) {
    const label = document.createElement("label");
    label.className = "shoes-score";
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "score";
    input.value = String(i);
    input.id = `shoes-score-${i}`;
    const span = document.createElement("span");
    span.textContent = String(i);
    label.append(input, span);
    row.append(label);
  }
  accuracyBuilt = true;
}

// What is typed into the card is kept (per exercise and person) until it is acknowledged.
const DRAFTS = { "shoes-name-text": "name_moment", "shoes-felt": "guess", "shoes-needed": "guess",
  "shoes-missed": "mark_accuracy" };
let drafts = null;

/** Clear the fields of an action the server acknowledged. */
export function shoesAcked(type) {
  for (const [id, owner] of Object.entries(DRAFTS)) {
    if (owner !== type) continue;
    $(id).value = "";
    drafts?.del(`draft:${id}`);
  }
  if (type === "mark_accuracy") {
    $("shoes-mark-form").querySelectorAll('input[name="score"]').forEach((r) => { r.checked = false; });
  }
}

/** Wire the card's forms to ``act(type, payload)``; ``error(msg)`` shows a problem. */
export function wireShoes(act, error, store) {
  drafts = store;
  for (const id of Object.keys(DRAFTS)) {
    $(id).value = store.get(`draft:${id}`, "");
    $(id).addEventListener("input", () => store.set(`draft:${id}`, $(id).value));
  }
  // A problem said about a form goes away once the person changes what it was about.
  for (const id of ["shoes-name-form", "shoes-guess-form", "shoes-mark-form"]) {
    $(id).addEventListener("input", (ev) => { ev.target.removeAttribute("aria-invalid"); error(""); });
    $(id).addEventListener("change", () => error(""));
  }
  $("shoes-name-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("shoes-name-text");
    const text = input.value.trim();
    if (!text) { input.setAttribute("aria-invalid", "true"); error("Name the moment in a few words first."); input.focus(); return; }
    input.removeAttribute("aria-invalid");
    act("name_moment", { text });
  });
  $("shoes-guess-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const felt = $("shoes-felt").value.trim();
    const needed = $("shoes-needed").value.trim();
    for (const [id, value] of [["shoes-felt", felt], ["shoes-needed", needed]]) {
      if (!value) { $(id).setAttribute("aria-invalid", "true"); } else { $(id).removeAttribute("aria-invalid"); }
    }
    if (!felt || !needed) {
      error("Write both: what you think they felt, and what they needed.");
      $(!felt ? "shoes-felt" : "shoes-needed").focus();
      return;
    }
    act("guess", { felt, needed });
  });
  $("btn-reveal").addEventListener("click", () => act("reveal"));
  $("shoes-mark-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const picked = $("shoes-mark-form").querySelector('input[name="score"]:checked');
    if (!picked) { error("Choose how close it came, from 0 to 10."); $("shoes-score-0").focus(); return; }
    const missed = $("shoes-missed").value.trim();
    act("mark_accuracy", missed ? { score: Number(picked.value), missed } : { score: Number(picked.value) });
  });
}
