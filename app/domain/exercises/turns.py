"""The turn state machine: ``apply(state, actor=..., action=..., now=...) -> (state, events)``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import cast

from app.domain.errors import DomainError
from app.domain.exercises.actions import (
    LABEL_MAX,
    PROMPT_MAX,
    RESUME_MAX_HOURS,
    SCHEDULE_MAX_DAYS,
    STRICTNESS_LEVELS,
    TOPIC_MAX,
    Accept,
    Action,
    AnotherRound,
    CallBreak,
    Cancel,
    Check,
    ClaimReflection,
    Confirm,
    Decline,
    EndEarly,
    EndTurn,
    Guess,
    ListenerMessage,
    MarkAccuracy,
    MarkSlip,
    NameMoment,
    Rate,
    Ready,
    Reveal,
    Say,
    Schedule,
    Share,
    Start,
    Strictness,
    VerdictAction,
    clean_text,
    invalid,
)
from app.domain.exercises.catalog import CHECK_TEXT, CONFIRM_LABELS, SLIPS, get_kind
from app.domain.exercises.rules import is_perspective, need
from app.domain.exercises.state import (
    HELD_STREAK_MAX,
    TERMINAL_PHASES,
    AccuracyMark,
    Event,
    EventType,
    ExerciseState,
    PerspectiveStep,
    Phase,
    Rating,
    SealedGuess,
    TurnMessage,
    iso,
    listener_of,
    other_partner,
)

# Guard labels the speaker can answer with "That's it" / "Not quite…" / "There's more";
# a question is answered by sharing, not by confirming.
CONFIRMABLE_LABELS: frozenset[str] = frozenset({"reflection", "check"})



def _utc(now: datetime) -> datetime:
    # A naive or missing clock is a bug in the caller, not a move a partner made.
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(UTC)


@dataclass
class _Log:
    """Collects the events of one transition with gapless sequence numbers."""

    seq: int
    actor: int
    at: datetime
    events: list[Event] = field(default_factory=list)

    def add(
        self,
        type_: EventType,
        payload: Mapping[str, object] | None = None,
        *,
        to: int | None = None,
    ) -> int:
        self.seq += 1
        self.events.append(Event(
            seq=self.seq,
            type=type_,
            actor=self.actor,
            payload=MappingProxyType(dict(payload or {})),
            visible_to=None if to is None else frozenset({to}),
            at=self.at,
        ))
        return self.seq


def resolve_first_speaker(choice: str, *, proposer: int, partner: int, coin: bool) -> int:
    """Turn "me" / "partner" / "random" into a user id; the service flips ``coin`` for random."""
    if choice == "me":
        return proposer
    if choice == "partner":
        return partner
    if choice == "random":
        return proposer if coin else partner
    raise invalid("Who speaks first must be me, partner or random.")


def new_exercise(
    *,
    kind: str,
    proposer: int,
    partner: int,
    first_speaker: int,
    topic: str = "",
    strictness: str = "gentle",
    prompt: str = "",
    prompt_ref: str = "",
    now: datetime,
) -> tuple[ExerciseState, list[Event]]:
    """Propose an exercise to ``partner``; returns the proposed state and its ``proposed`` event."""
    now = _utc(now)
    get_kind(kind)
    if isinstance(proposer, bool) or isinstance(partner, bool) or proposer == partner:
        raise invalid("An exercise needs two different partners.")
    if first_speaker not in (proposer, partner):
        raise invalid("The first speaker must be one of the two partners.")
    if not isinstance(strictness, str) or strictness not in STRICTNESS_LEVELS:
        raise invalid("Strictness must be gentle or strict.")
    topic = clean_text(topic, field="Topic", max_len=TOPIC_MAX, allow_empty=True)
    prompt = clean_text(prompt, field="Prompt", max_len=PROMPT_MAX, allow_empty=True)
    prompt_ref = clean_text(prompt_ref, field="Prompt reference", max_len=LABEL_MAX,
                            allow_empty=True)
    if bool(prompt) != bool(prompt_ref):
        raise invalid("A prompt needs both its words and its reference.")
    state = ExerciseState(
        kind=kind,
        partners=(proposer, partner),
        proposer=proposer,
        strictness=cast(Strictness, strictness),
        phase="proposed",
        first_speaker=first_speaker,
        topic=topic,
        created_at=now,
        seq=0,
        prompt=prompt,
        prompt_ref=prompt_ref,
    )
    log = _Log(seq=0, actor=proposer, at=now)
    log.add("proposed", {
        "kind": kind,
        "topic": topic,
        "first_speaker": first_speaker,
        "partner": partner,
        "strictness": strictness,
        **({"prompt": prompt, "prompt_ref": prompt_ref} if prompt else {}),
    })
    return replace(state, seq=log.seq), log.events


def resolve_say(
    state: ExerciseState,
    *,
    actor: int,
    say: Say,
    classify: Callable[[str], tuple[str, VerdictAction]],
) -> Share | ListenerMessage:
    """Make a client's ``Say`` a Share, or for the listener a guard-judged ListenerMessage."""
    # The guard is slow and only the listener's words need it, so it is called only for them.
    if actor == listener_of(state) and state.phase == "active":
        need(state, actor, "listener_message")  # before the guard: a refusal costs nothing
        label, verdict = classify(say.text)
        return ListenerMessage(
            text=say.text, verdict_label=label, verdict_action=verdict,
            send_anyway=say.send_anyway
        )
    # Anyone else gets a Share, which ``apply`` refuses with the right code if it is not theirs.
    return Share(text=say.text)


def apply(
    state: ExerciseState, *, actor: int, action: Action, now: datetime
) -> tuple[ExerciseState, list[Event]]:
    """Apply one partner's action; returns the new state and its events, or raises DomainError."""
    now = _utc(now)
    if isinstance(actor, bool) or actor not in state.partners:
        raise DomainError("You are not part of this exercise.", code="not_participant")
    if state.phase in TERMINAL_PHASES:
        raise DomainError("This exercise has already ended.", code="finished")
    if state.phase == "on_break" and not isinstance(action, Ready | EndEarly):
        raise DomainError(
            "You're on a break. When you're both ready, you'll pick up again.", code="on_break"
        )
    need(state, actor, getattr(action, "name", ""))  # who may do what, when: rules.py
    log = _Log(seq=state.seq, actor=actor, at=now)
    new_state = _dispatch(state, actor, action, now, log)
    return replace(new_state, seq=log.seq), log.events


def _dispatch(state: ExerciseState, actor: int, action: Action, now: datetime, log: _Log
              ) -> ExerciseState:
    match action:
        case Accept():
            return _accept(state, actor, action, now, log)
        case Schedule():
            return _schedule(state, actor, action, now, log)
        case Decline():
            return _decline(state, actor, action, now, log)
        case Cancel():
            return _cancel(state, actor, action, now, log)
        case Start():
            return _start_action(state, actor, action, now, log)
        case Share():
            return _share(state, actor, action, now, log)
        case ListenerMessage():
            return _listener_message(state, actor, action, now, log)
        case Check():
            return _check(state, actor, action, now, log)
        case Confirm():
            return _confirm(state, actor, action, now, log)
        case EndTurn():
            return _end_turn(state, actor, action, now, log)
        case CallBreak():
            return _call_break(state, actor, action, now, log)
        case Ready():
            return _ready(state, actor, action, now, log)
        case EndEarly():
            return _end_early(state, actor, action, now, log)
        case Rate():
            return _rate(state, actor, action, now, log)
        case AnotherRound():
            return _another_round(state, actor, action, now, log)
        case NameMoment():
            return _name_moment(state, actor, action, now, log)
        case Guess():
            return _guess(state, actor, action, now, log)
        case Reveal():
            return _reveal(state, actor, action, now, log)
        case MarkAccuracy():
            return _mark_accuracy(state, actor, action, now, log)
        case MarkSlip():
            return _mark_slip(state, actor, action, now, log)
        case ClaimReflection():
            return _claim_reflection(state, actor, action, now, log)
        case _:
            # Say and anything else must be resolved by the service first.
            raise invalid("Unknown action.")


# --- helpers ----------------------------------------------------------------------------------


def _first_step(state: ExerciseState) -> PerspectiveStep | None:
    return "name" if is_perspective(state) else None


def _start(state: ExerciseState, now: datetime, log: _Log) -> ExerciseState:
    speaker = state.first_speaker
    log.add("started", {"speaker": speaker, "listener": other_partner(state, speaker), "turn": 1})
    return replace(state, phase="active", started_at=now, speaker=speaker, turn=1,
                   step=_first_step(state))


def _close(
    state: ExerciseState,
    now: datetime,
    *,
    phase: Phase,
    ended_by: int | None = None,
    ended_in: Phase | None = None,
) -> ExerciseState:
    # Leaving the turn machine: nobody holds the floor and no break is pending any more.
    return replace(
        state,
        phase=phase,
        speaker=None,
        pending_confirmation=None,
        break_by=None,
        break_minutes=None,
        break_started_at=None,
        break_ends_at=None,
        resume_at=None,
        ready=(),
        ended_at=now,
        ended_by=ended_by,
        ended_in=ended_in,
        step=None,
        guess=None,
        messages=(),
    )


# --- handlers ---------------------------------------------------------------------------------


def _accept(state: ExerciseState, actor: int, action: Accept, now: datetime, log: _Log
            ) -> ExerciseState:
    log.add("accepted")
    return _start(state, now, log)


def _schedule(state: ExerciseState, actor: int, action: Schedule, now: datetime, log: _Log
              ) -> ExerciseState:
    at = action.at.astimezone(UTC)
    if at <= now:
        raise invalid("Pick a time in the future.")
    if at > now + timedelta(days=SCHEDULE_MAX_DAYS):
        raise invalid(f"Pick a time within the next {SCHEDULE_MAX_DAYS} days.")
    log.add("scheduled", {"at": iso(at)})
    return replace(state, phase="scheduled", scheduled_for=at)


def _decline(state: ExerciseState, actor: int, action: Decline, now: datetime, log: _Log
             ) -> ExerciseState:
    log.add("declined")
    return _close(state, now, phase="declined", ended_by=actor)


def _cancel(state: ExerciseState, actor: int, action: Cancel, now: datetime, log: _Log
            ) -> ExerciseState:
    log.add("cancelled")
    return _close(state, now, phase="cancelled", ended_by=actor)


def _start_action(state: ExerciseState, actor: int, action: Start, now: datetime, log: _Log
                  ) -> ExerciseState:
    return _start(state, now, log)


def _share(state: ExerciseState, actor: int, action: Share, now: datetime, log: _Log
           ) -> ExerciseState:
    seq = log.add("shared", {"text": action.text, "turn": state.turn})
    return replace(state, last_share_at=now, last_share_seq=seq, last_share_text=action.text)


def _check_pause(state: ExerciseState, now: datetime) -> None:
    pause = get_kind(state.kind).listener_pause_seconds
    if pause <= 0 or state.last_share_at is None:
        return
    remaining = (state.last_share_at + timedelta(seconds=pause) - now).total_seconds()
    if remaining > 0:
        seconds = math.ceil(remaining)
        raise DomainError(
            f"Take a quiet moment first: you can answer in {seconds} "
            f"second{'s' if seconds != 1 else ''}.",
            code="too_soon",
        )


def may_send_anyway(strictness: str, verdict_action: str) -> bool:
    """Whether the listener may send a held message anyway: a nudge, when the guard is gentle."""
    return verdict_action == "nudge" and strictness == "gentle"


def delivered(strictness: str, verdict_action: str, *, send_anyway: bool) -> bool:
    """Whether a listener's message reaches the speaker (the one rule; screens ask it too)."""
    return verdict_action == "allow" or (send_anyway and may_send_anyway(strictness,
                                                                         verdict_action))


def _listener_message(state: ExerciseState, actor: int, action: ListenerMessage, now: datetime,
                      log: _Log) -> ExerciseState:
    text, label = action.text, action.verdict_label
    _check_pause(state, now)
    reaches = delivered(state.strictness, action.verdict_action, send_anyway=action.send_anyway)
    payload: dict[str, object] = {
        "text": text,
        "label": label,
        "action": action.verdict_action,
        "send_anyway": action.send_anyway,
        "delivered": reaches,
        "turn": state.turn,
    }
    missing = state.step == "reflect_miss"
    if missing:
        payload["miss"] = True  # saying back what the guess missed
    # Held messages stay in the history with their verdict, for the listener's eyes only.
    seq = log.add("listener_message", payload, to=None if reaches else actor)
    state = replace(state, messages=(*state.messages,
                                     TurnMessage(seq=seq, by=actor, delivered=reaches)))
    state = _count_held(state, actor, held=not reaches)
    if reaches and missing:
        state = replace(state, step="wrap")
    if reaches and label in CONFIRMABLE_LABELS:
        return replace(state, pending_confirmation=seq)
    return state


def held_in_a_row(state: ExerciseState, listener: int) -> int:
    """How many of ``listener``'s messages in a row were held back (up to HELD_STREAK_MAX):
    the guard's ``attempt``."""
    return state.held_streak[state.partners.index(listener)]


def _count_held(state: ExerciseState, actor: int, *, held: bool) -> ExerciseState:
    streak = list(state.held_streak)
    i = state.partners.index(actor)
    streak[i] = min(streak[i] + 1, HELD_STREAK_MAX) if held else 0
    return replace(state, held_streak=(streak[0], streak[1]))


def _check(state: ExerciseState, actor: int, action: Check, now: datetime, log: _Log
           ) -> ExerciseState:
    _check_pause(state, now)
    seq = log.add("check", {"text": CHECK_TEXT, "turn": state.turn})
    return replace(state, pending_confirmation=seq)


def _confirm(state: ExerciseState, actor: int, action: Confirm, now: datetime, log: _Log
             ) -> ExerciseState:
    log.add("confirmed", {
        "kind": action.kind,
        "label": CONFIRM_LABELS[action.kind],
        "of": state.pending_confirmation,
        "turn": state.turn,
    })
    return replace(state, pending_confirmation=None)


def _end_turn(state: ExerciseState, actor: int, action: EndTurn, now: datetime, log: _Log
              ) -> ExerciseState:
    last = state.turn >= 2
    log.add("turn_ended", {"turn": state.turn, "next": "rating" if last else "swap"})
    turn_reset = replace(state, pending_confirmation=None, last_share_at=None, moment="",
                         guess=None, messages=())
    if last:
        return replace(turn_reset, phase="rating", speaker=None, step=None)
    speaker = other_partner(state, actor)
    log.add("roles_swapped", {"speaker": speaker, "listener": actor, "turn": 2})
    return replace(turn_reset, speaker=speaker, turn=2, step=_first_step(state))


def _call_break(state: ExerciseState, actor: int, action: CallBreak, now: datetime, log: _Log
                ) -> ExerciseState:
    minutes = action.minutes
    ends_at = now + timedelta(minutes=minutes)
    if action.resume_at is None:
        resume_at = ends_at
    else:
        resume_at = action.resume_at.astimezone(UTC)
        if resume_at <= now:
            raise invalid("Pick a time to come back that is in the future.")
        if resume_at > now + timedelta(hours=RESUME_MAX_HOURS):
            raise invalid(f"Pick a time to come back within {RESUME_MAX_HOURS} hours.")
    log.add("break_called", {
        "minutes": minutes, "ends_at": iso(ends_at), "resume_at": iso(resume_at),
    })
    return replace(
        state,
        phase="on_break",
        break_by=actor,
        break_minutes=minutes,
        break_started_at=now,
        break_ends_at=ends_at,
        resume_at=resume_at,
        ready=(),
    )


def _ready(state: ExerciseState, actor: int, action: Ready, now: datetime, log: _Log
           ) -> ExerciseState:
    # Ready before the timer ends is fine: the timer is a suggestion, the two of them decide.
    log.add("ready")
    ready = tuple(sorted((*state.ready, actor)))
    if len(ready) < 2:
        return replace(state, ready=ready)
    log.add("resumed", {"speaker": state.speaker, "turn": state.turn})
    return replace(
        state,
        phase="active",
        break_by=None,
        break_minutes=None,
        break_started_at=None,
        break_ends_at=None,
        resume_at=None,
        ready=(),
    )


def _end_early(state: ExerciseState, actor: int, action: EndEarly, now: datetime, log: _Log
               ) -> ExerciseState:
    log.add("ended_early", {"phase": state.phase, "turn": state.turn})
    return _close(state, now, phase="ended_early", ended_by=actor, ended_in=state.phase)


def _rate(state: ExerciseState, actor: int, action: Rate, now: datetime, log: _Log
          ) -> ExerciseState:
    seen, understood, note = action.seen, action.understood, action.note
    rating = Rating(user=actor, seen=seen, understood=understood, note=note, at=now)
    state = replace(state, round_wanted=())  # rating means this round was the last
    # Sealed: only the rater sees their own rating until the partner has rated too.
    log.add("rated", {"seen": seen, "understood": understood, "note": note}, to=actor)
    ratings = (*state.ratings, rating)
    if len(ratings) < 2:
        return replace(state, ratings=ratings)
    log.add("ratings_revealed", {
        # Notes stay private: each author sees their own in their ``rated`` event.
        "ratings": [{"user": r.user, "seen": r.seen, "understood": r.understood} for r in ratings],
    })
    log.add("completed")
    return _close(replace(state, ratings=ratings), now, phase="complete")


def _another_round(state: ExerciseState, actor: int, action: AnotherRound, now: datetime,
                   log: _Log) -> ExerciseState:
    log.add("round_wanted", {"round": state.round})
    wanted = tuple(sorted((*state.round_wanted, actor)))
    if len(wanted) < 2:
        return replace(state, round_wanted=wanted)
    speaker = state.first_speaker
    log.add("round_started", {"round": state.round + 1, "speaker": speaker,
                              "listener": other_partner(state, speaker), "turn": 1})
    return replace(state, phase="active", round=state.round + 1, round_wanted=(), turn=1,
                   speaker=speaker, step=_first_step(state), messages=())


# --- Step into my shoes -------------------------------------------------------------------------


def _name_moment(state: ExerciseState, actor: int, action: NameMoment, now: datetime,
                 log: _Log) -> ExerciseState:
    log.add("moment_named", {"text": action.text, "turn": state.turn})
    return replace(state, moment=action.text, step="guess")


def _guess(state: ExerciseState, actor: int, action: Guess, now: datetime, log: _Log
           ) -> ExerciseState:
    felt, needed = action.felt, action.needed
    # Sealed: only the guesser sees it until the speaker has told the moment and opens it.
    seq = log.add("guess_sealed", {"felt": felt, "needed": needed, "turn": state.turn}, to=actor)
    guess = SealedGuess(by=actor, felt=felt, needed=needed, seq=seq, at=now)
    return replace(state, guess=guess, step="tell")


def _reveal(state: ExerciseState, actor: int, action: Reveal, now: datetime, log: _Log
            ) -> ExerciseState:
    guess = state.guess
    if guess is None:  # the rules let a reveal through only once there is a guess
        raise DomainError("There is no sealed guess to open yet.", code="wrong_step")
    log.add("guess_revealed", {
        "felt": guess.felt, "needed": guess.needed, "by": guess.by, "of": guess.seq,
        "turn": state.turn, "round": state.round,
    })
    # What was waiting for a "did that land?" belongs to the telling, which is over.
    return replace(state, step="mark", pending_confirmation=None)


def _mark_accuracy(state: ExerciseState, actor: int, action: MarkAccuracy, now: datetime,
                   log: _Log) -> ExerciseState:
    score, missed = action.score, action.missed
    guesser = other_partner(state, actor)
    # Public and typed, so the accuracy trend can be read straight from the events.
    log.add("accuracy_marked", {
        "score": score, "missed": missed, "speaker": actor, "guesser": guesser,
        "turn": state.turn, "round": state.round,
    })
    mark = AccuracyMark(turn=state.turn, speaker=actor, guesser=guesser, score=score,
                        missed=missed, at=now, round=state.round)
    return replace(state, step="reflect_miss", marks=(*state.marks, mark))


# --- teaching the guard -------------------------------------------------------------------------


def _turn_message(state: ExerciseState, of: object) -> TurnMessage:
    if isinstance(of, bool) or not isinstance(of, int):
        raise invalid("Which message? Give its number.")
    found = next((m for m in state.messages if m.seq == of), None)
    if found is None:
        raise DomainError("That isn't one of the listener's messages in this turn.",
                          code="not_found")
    return found


def _answered(state: ExerciseState, target: TurnMessage, feedback: str) -> ExerciseState:
    return replace(state, messages=tuple(
        replace(m, feedback=feedback) if m.seq == target.seq else m for m in state.messages))


def _mark_slip(state: ExerciseState, actor: int, action: MarkSlip, now: datetime, log: _Log
               ) -> ExerciseState:
    slip = SLIPS[action.slip]
    target = _turn_message(state, action.of)
    if not target.delivered:
        raise DomainError("Only a message that reached you can be marked.", code="not_delivered")
    if target.feedback:
        raise DomainError("You have already marked that message.", code="already_marked")
    # Both partners see it: the listener, kindly worded, and the speaker who marked it.
    # Nothing else about the turn changes (the floor, the step, what waits for a confirm).
    log.add("slip_marked", {"of": target.seq, "slip": slip.kind, "listener": target.by,
                            "turn": state.turn})
    return _answered(state, target, slip.kind)


def _claim_reflection(state: ExerciseState, actor: int, action: ClaimReflection, now: datetime,
                      log: _Log) -> ExerciseState:
    target = _turn_message(state, action.of)
    if target.by != actor:
        raise DomainError("That message isn't yours.", code="not_found")
    if target.delivered:
        raise DomainError("That message reached your partner; only a held one can be marked as "
                          "a reflection.", code="delivered")
    if target.feedback:
        raise DomainError("You already said that one was a reflection.", code="already_marked")
    # Private, like the held message itself; the message still is not sent.
    log.add("reflection_claimed", {"of": target.seq, "turn": state.turn}, to=actor)
    return _answered(state, target, "reflection")
