// The words the live exercise screen says: how each event reads in the log, and the texts of
// the floor banner, the break card and the ended card. No DOM; ``ctx`` is {me, partner}.

export const fmtTime = (iso) => new Date(iso).toLocaleString(undefined, {
  weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });
export const fmtClock = (iso) => new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });

/** ``ms`` as m:ss, never negative. */
export function fmtLeft(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

const LABELS = { reflection: "reflecting", open_question: "asking", sympathy: "listening" };
const CONFIRM_LABELS = { landed: "That's it", not_quite: "Not quite…", more: "There's more" };

/**
 * How one event shows in the log: a bubble ``{bubble, mine, role, label, text}``, the
 * listener's own held message ``{held, text}``, a note ``{note, tone?}``, or null (not shown).
 */
export function describe(e, { me, partner }) {
  const p = e.payload || {};
  const mine = e.actor === me;
  const who = (id) => (id === me ? "You" : partner);
  switch (e.type) {
    case "shared":
      return { bubble: true, mine, role: "speaker", label: who(e.actor), text: p.text };
    case "listener_message":
      if (p.delivered === false) {
        return mine ? { held: true, text: p.text } : null;
      }
      return { bubble: true, mine, role: "listener",
        label: `${who(e.actor)} · ${p.miss ? `what ${mine ? "I" : "they"} missed` : (LABELS[p.label] ?? "listening")}`,
        text: p.text };
    case "check":
      return { bubble: true, mine, role: "listener", label: `${who(e.actor)} · checking`, text: p.text };
    case "confirmed":
      return { note: `${who(e.actor)}: “${p.label || CONFIRM_LABELS[p.kind] || p.kind}”`, tone: p.kind };
    case "proposed": return { note: mine ? `You asked ${partner}: is now OK?` : `${partner} asked: is now OK?` };
    case "accepted": return { note: mine ? "You said yes." : `${partner} said yes.` };
    case "scheduled": return { note: `${who(e.actor)} picked ${fmtTime(p.at)}.` };
    case "declined": return { note: mine ? "You said not now." : `${partner} said not now.` };
    case "cancelled": return { note: mine ? "You cancelled." : `${partner} cancelled.` };
    case "started": return { note: p.speaker === me ? "Started: you have the floor." : `Started: ${partner} has the floor.` };
    case "turn_ended": return { note: mine ? "You feel heard." : `${partner} feels heard.` };
    case "roles_swapped": return { note: p.speaker === me ? "Roles swapped: now you have the floor." : `Roles swapped: now ${partner} has the floor.` };
    case "break_called": return { note: `${who(e.actor)} called a ${p.minutes}-minute break.` };
    case "ready": return { note: mine ? "You're ready." : `${partner} is ready.` };
    case "resumed": return { note: "Back together." };
    case "ended_early": return { note: mine ? "You ended the exercise." : `${partner} ended the exercise.` };
    case "rated": return { note: "You rated the exercise (sealed)." };
    case "ratings_revealed": return { note: "Both ratings are in." };
    case "completed": return { note: "Complete. Thank you both." };
    case "moment_named": return { note: `${mine ? "You" : partner} named the moment: “${p.text}”` };
    case "guess_sealed": return { note: "You sealed your guess." };
    case "guess_revealed": return { note: p.by === me ? "Your guess is open now." : `${partner}'s guess is open now.` };
    case "accuracy_marked": return { note: mine ? `You marked the guess ${p.score}/10.` : `${partner} marked your guess ${p.score}/10.` };
    default: return null;
  }
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
  const turn = `Turn ${view.turn || 1} of 2 · ${doing}`;
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
