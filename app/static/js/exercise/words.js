// The words the live exercise screen says: the shape of each event in the log (worded by the
// server), and the texts of the floor banner, the break card and the ended card. No DOM;
// ``ctx`` is {me, partner}.

export const fmtTime = (iso) => new Date(iso).toLocaleString(undefined, {
  weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });
export const fmtClock = (iso) => new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });

/** ``ms`` as m:ss, never negative. */
export function fmtLeft(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * How one event shows in the log: a bubble ``{bubble, mine, role, label, text}``, the
 * listener's own held message ``{held, text}``, a note ``{note, tone?}``, or null (not shown).
 * The words come from the server's one projection of events (``e.show``), the same the
 * history and the export read; this only picks the shape.
 */
export function describe(e) {
  const s = e.show;
  if (!s || s.form === "hidden") return null;
  if (s.form === "bubble") return { bubble: true, mine: s.mine, role: s.role, label: s.label, text: s.text };
  if (s.form === "held") return { held: true, text: s.text };
  return { note: s.text, tone: s.tone || undefined };
}

/**
 * How long the current turn has run, in ms, breaks left out: from the last ``started`` or
 * ``roles_swapped`` event to ``now`` (or to the break in progress). Null before a turn starts.
 */
export function turnElapsed(events, now) {
  let start = null;
  let paused = 0;
  let breakAt = null;
  for (const e of events) {
    const at = Date.parse(e.at);
    if (e.type === "started" || e.type === "roles_swapped" || e.type === "round_started") {
      start = at; paused = 0; breakAt = null;
    }
    else if (start !== null && e.type === "break_called") breakAt = at;
    else if (start !== null && e.type === "resumed" && breakAt !== null) { paused += at - breakAt; breakAt = null; }
  }
  if (start === null) return null;
  return Math.max(0, (breakAt ?? now) - start - paused);
}

/** The turn's time, said gently: a suggestion to keep in mind, never a cut-off. */
export function turnClock(elapsedMs, suggestedMinutes) {
  if (elapsedMs === null || !suggestedMinutes) return "";
  const min = Math.floor(elapsedMs / 60000);
  if (min < 1) return `about ${suggestedMinutes} min a turn`;
  if (min <= suggestedMinutes) return `${min} of about ${suggestedMinutes} min`;
  return `${min} min · about ${suggestedMinutes} suggested, no rush`;
}

// Step into my shoes: what the floor banner's hint says at each step, for the speaker and the
// listener (null: the usual words).
const STEP_HINTS = {
  name: [() => "Name a moment in a few words; you'll tell it after the guess.",
    (partner) => `${partner} names a moment; then you imagine it from their side.`],
  guess: [(partner) => `${partner} is imagining it from your side.`,
    () => "Write your guess before you hear anything more."],
  tell: [(partner) => `Tell it as it was; ${partner} reflects it back.`, null],
  mark: [() => "Say how close the guess came.", (partner) => `${partner} is reading your guess.`],
  reflect_miss: [(partner) => `${partner} says back what the guess missed.`,
    () => "Say back what your guess missed."],
  wrap: [() => "When you feel understood, end your turn.", null],
};

/** The floor banner's three lines for ``view``. */
export function floorWords(view, ctx) {
  const words = baseFloorWords(view, ctx);
  const step = view.phase === "active" ? view.perspective?.step : null;
  const hint = step && STEP_HINTS[step]?.[view.my_floor ? 0 : 1];
  return hint ? { ...words, hint: hint(ctx.partner) } : words;
}

function baseFloorWords(view, { partner }) {
  const speaking = view.my_floor;
  const onBreak = view.phase === "on_break";
  const doing = onBreak ? "paused" : (speaking ? "you speak" : "you listen");
  const round = view.round > 1 ? `Round ${view.round} · ` : "";
  const turn = `${round}Turn ${view.turn || 1} of 2 · ${doing}`;
  if (onBreak) {
    return { turn, title: "On a break",
      hint: speaking ? "You'll have the floor again after the break." : `${partner} will have the floor again after the break.` };
  }
  if (speaking) {
    return { turn, title: "You have the floor", hint: `Share a small piece; ${partner} reflects it back.` };
  }
  return { turn, title: `${partner} has the floor — listen, reflect, ask`,
    hint: "Say back what you heard, or ask a curious question." };
}

/** Who called the break, as the break card says it. */
export const breakBy = (b, { me, partner }) => (b.by === me
  ? `You called a ${b.minutes}-minute break.` : `${partner} called a ${b.minutes}-minute break.`);

/** The ended card's title and text, or null text for a phase it does not know. */
export function endedWords(view, { me, partner }) {
  const byMe = view.ended_by === me;
  const text = {
    ended_early: byMe ? "You ended the exercise early. That's okay: stopping is sometimes the kind thing. It stays in your history."
      : `${partner} ended the exercise early. That's okay: stopping is sometimes the kind thing. It stays in your history.`,
    declined: byMe ? "You said not now. Either of you can propose another time whenever it suits."
      : `${partner} said not now. Maybe another time: either of you can propose one.`,
    cancelled: byMe ? "You cancelled the invitation." : `${partner} cancelled the invitation.`,
  }[view.phase];
  return { title: view.phase === "ended_early" ? "This exercise has ended" : "Not this time", text: text ?? "" };
}

/** The "another round?" offer in the rating card: its words, or null when it is not offered. */
export function againWords(view, { partner }) {
  const left = view.max_rounds - view.round;
  if (view.round_wanted_by_me) return { text: `You asked for another round. Waiting for ${partner} to say yes — or rate below.`, button: null };
  if (view.round_wanted_by_partner) return { text: `${partner} would like another round. Say yes, or rate below.`, button: "Yes, another round" };
  if (left > 0) return { text: `Would you like another round? You'd each have another turn (${left} more ${left === 1 ? "round" : "rounds"} possible).`, button: "Another round?" };
  return null;
}
