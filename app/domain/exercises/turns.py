"""The turn state machine: ``apply(state, actor=..., action=..., now=...) -> (state, events)``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from app.domain.errors import DomainError
from app.domain.exercises.actions import (
    BREAK_MINUTES_MAX,
    BREAK_MINUTES_MIN,
    CONFIRM_KINDS,
    LABEL_MAX,
    NOTE_MAX,
    RATING_MAX,
    RATING_MIN,
    RESUME_MAX_HOURS,
    SCHEDULE_MAX_DAYS,
    STRICTNESS_LEVELS,
    TEXT_MAX,
    TOPIC_MAX,
    VERDICT_ACTIONS,
    Accept,
    Action,
    CallBreak,
    Cancel,
    Check,
    Confirm,
    Decline,
    EndEarly,
    EndTurn,
    FirstSpeakerChoice,
    ListenerMessage,
    Rate,
    Ready,
    Say,
    Schedule,
    Share,
    Start,
    Strictness,
    VerdictAction,
    check_aware,
    check_int,
    clean_text,
    invalid,
)
from app.domain.exercises.catalog import CHECK_TEXT, CONFIRM_LABELS, get_kind
from app.domain.exercises.state import (
    TERMINAL_PHASES,
    Event,
    EventType,
    ExerciseState,
    Phase,
    Rating,
    iso,
    listener_of,
    other_partner,
    rating_of,
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


def resolve_first_speaker(
    choice: FirstSpeakerChoice, *, proposer: int, partner: int, coin: bool
) -> int:
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
    strictness: Strictness = "gentle",
    now: datetime,
) -> tuple[ExerciseState, list[Event]]:
    """Propose an exercise to ``partner``; returns the proposed state and its ``proposed`` event."""
    now = _utc(now)
    get_kind(kind)
    if isinstance(proposer, bool) or isinstance(partner, bool) or proposer == partner:
        raise invalid("An exercise needs two different partners.")
    if first_speaker not in (proposer, partner):
        raise invalid("The first speaker must be one of the two partners.")
    if strictness not in STRICTNESS_LEVELS:
        raise invalid("Strictness must be gentle or strict.")
    topic = clean_text(topic, field="Topic", max_len=TOPIC_MAX, allow_empty=True)
    state = ExerciseState(
        kind=kind,
        partners=(proposer, partner),
        proposer=proposer,
        strictness=strictness,
        phase="proposed",
        first_speaker=first_speaker,
        topic=topic,
        created_at=now,
        seq=0,
    )
    log = _Log(seq=0, actor=proposer, at=now)
    log.add("proposed", {
        "kind": kind,
        "topic": topic,
        "first_speaker": first_speaker,
        "partner": partner,
        "strictness": strictness,
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
        text = clean_text(say.text, field="Message", max_len=TEXT_MAX)
        label, verdict = classify(text)
        return ListenerMessage(
            text=text, verdict_label=label, verdict_action=verdict, send_anyway=say.send_anyway
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
        case _:
            # Say and anything else must be resolved by the service first.
            raise invalid("Unknown action.")


# --- helpers ----------------------------------------------------------------------------------


def _need_phase(state: ExerciseState, *phases: str) -> None:
    if state.phase not in phases:
        raise DomainError(_PHASE_MESSAGES.get(state.phase, "Not now."), code="wrong_phase")


_PHASE_MESSAGES: Mapping[str, str] = MappingProxyType({
    "proposed": "The exercise hasn't started yet.",
    "scheduled": "The exercise hasn't started yet.",
    "active": "The exercise is already under way.",
    "rating": "Both turns are done; it's time to rate the exercise.",
})


def _need_speaker(state: ExerciseState, actor: int, what: str) -> None:
    _need_phase(state, "active")
    if actor != state.speaker:
        raise DomainError(
            f"Your partner holds the floor; only the speaker can {what}.", code="not_your_turn"
        )


def _need_listener(state: ExerciseState, actor: int) -> None:
    _need_phase(state, "active")
    if actor == state.speaker:
        raise DomainError(
            "You hold the floor: share with your partner; they reflect.", code="wrong_role"
        )


def _start(state: ExerciseState, now: datetime, log: _Log) -> ExerciseState:
    speaker = state.first_speaker
    log.add("started", {"speaker": speaker, "listener": other_partner(state, speaker), "turn": 1})
    return replace(state, phase="active", started_at=now, speaker=speaker, turn=1)


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
    )


# --- handlers ---------------------------------------------------------------------------------


def _accept(state: ExerciseState, actor: int, action: Accept, now: datetime, log: _Log
            ) -> ExerciseState:
    _need_phase(state, "proposed")
    if actor == state.proposer:
        raise DomainError("Your partner decides whether to accept.", code="wrong_role")
    log.add("accepted")
    return _start(state, now, log)


def _schedule(state: ExerciseState, actor: int, action: Schedule, now: datetime, log: _Log
              ) -> ExerciseState:
    _need_phase(state, "proposed")
    if actor == state.proposer:
        raise DomainError("Your partner picks the time.", code="wrong_role")
    at = check_aware(action.at, field="The time").astimezone(UTC)
    if at <= now:
        raise invalid("Pick a time in the future.")
    if at > now + timedelta(days=SCHEDULE_MAX_DAYS):
        raise invalid(f"Pick a time within the next {SCHEDULE_MAX_DAYS} days.")
    log.add("scheduled", {"at": iso(at)})
    return replace(state, phase="scheduled", scheduled_for=at)


def _decline(state: ExerciseState, actor: int, action: Decline, now: datetime, log: _Log
             ) -> ExerciseState:
    _need_phase(state, "proposed")
    if actor == state.proposer:
        raise DomainError("You proposed it; cancel it instead.", code="wrong_role")
    log.add("declined")
    return _close(state, now, phase="declined", ended_by=actor)


def _cancel(state: ExerciseState, actor: int, action: Cancel, now: datetime, log: _Log
            ) -> ExerciseState:
    _need_phase(state, "proposed", "scheduled")
    if actor != state.proposer:
        raise DomainError("Only the partner who proposed it can cancel it.", code="wrong_role")
    log.add("cancelled")
    return _close(state, now, phase="cancelled", ended_by=actor)


def _start_action(state: ExerciseState, actor: int, action: Start, now: datetime, log: _Log
                  ) -> ExerciseState:
    if state.phase == "proposed":
        message = ("Your partner hasn't said yes yet." if actor == state.proposer
                   else "Accept it or pick a time first.")
        raise DomainError(message, code="wrong_phase")
    _need_phase(state, "scheduled")
    return _start(state, now, log)


def _share(state: ExerciseState, actor: int, action: Share, now: datetime, log: _Log
           ) -> ExerciseState:
    _need_speaker(state, actor, "share")
    text = clean_text(action.text, field="Message", max_len=TEXT_MAX)
    log.add("shared", {"text": text, "turn": state.turn})
    return replace(state, last_share_at=now)


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


def _delivered(state: ExerciseState, action: ListenerMessage) -> bool:
    if action.verdict_action == "allow":
        return True
    if action.verdict_action == "nudge":
        return state.strictness == "gentle" and action.send_anyway
    return False


def _listener_message(state: ExerciseState, actor: int, action: ListenerMessage, now: datetime,
                      log: _Log) -> ExerciseState:
    _need_listener(state, actor)
    text = clean_text(action.text, field="Message", max_len=TEXT_MAX)
    label = clean_text(action.verdict_label, field="Verdict label", max_len=LABEL_MAX)
    if action.verdict_action not in VERDICT_ACTIONS:
        raise invalid("The verdict must be allow, nudge or block.")
    if not isinstance(action.send_anyway, bool):
        raise invalid("send_anyway must be true or false.")
    _check_pause(state, now)
    delivered = _delivered(state, action)
    seq = log.add(
        "listener_message",
        {
            "text": text,
            "label": label,
            "action": action.verdict_action,
            "send_anyway": action.send_anyway,
            "delivered": delivered,
            "turn": state.turn,
        },
        # Held messages stay in the history with their verdict, for the listener's eyes only.
        to=None if delivered else actor,
    )
    if delivered and label in CONFIRMABLE_LABELS:
        return replace(state, pending_confirmation=seq)
    return state


def _check(state: ExerciseState, actor: int, action: Check, now: datetime, log: _Log
           ) -> ExerciseState:
    _need_listener(state, actor)
    _check_pause(state, now)
    seq = log.add("check", {"text": CHECK_TEXT, "turn": state.turn})
    return replace(state, pending_confirmation=seq)


def _confirm(state: ExerciseState, actor: int, action: Confirm, now: datetime, log: _Log
             ) -> ExerciseState:
    _need_phase(state, "active")
    if actor != state.speaker:
        raise DomainError("Only the speaker says whether a reflection landed.", code="wrong_role")
    if action.kind not in CONFIRM_KINDS:
        raise invalid("Confirm with landed, not_quite or more.")
    if state.pending_confirmation is None:
        raise DomainError("There is no reflection to answer yet.", code="nothing_to_confirm")
    log.add("confirmed", {
        "kind": action.kind,
        "label": CONFIRM_LABELS[action.kind],
        "of": state.pending_confirmation,
        "turn": state.turn,
    })
    return replace(state, pending_confirmation=None)


def _end_turn(state: ExerciseState, actor: int, action: EndTurn, now: datetime, log: _Log
              ) -> ExerciseState:
    _need_speaker(state, actor, "end the turn")
    last = state.turn >= 2
    log.add("turn_ended", {"turn": state.turn, "next": "rating" if last else "swap"})
    turn_reset = replace(state, pending_confirmation=None, last_share_at=None)
    if last:
        return replace(turn_reset, phase="rating", speaker=None)
    speaker = other_partner(state, actor)
    log.add("roles_swapped", {"speaker": speaker, "listener": actor, "turn": 2})
    return replace(turn_reset, speaker=speaker, turn=2)


def _call_break(state: ExerciseState, actor: int, action: CallBreak, now: datetime, log: _Log
                ) -> ExerciseState:
    _need_phase(state, "active")
    minutes = check_int(
        action.minutes, field="Break minutes", low=BREAK_MINUTES_MIN, high=BREAK_MINUTES_MAX
    )
    ends_at = now + timedelta(minutes=minutes)
    if action.resume_at is None:
        resume_at = ends_at
    else:
        resume_at = check_aware(action.resume_at, field="The time to come back").astimezone(UTC)
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
    _need_phase(state, "on_break")
    if actor in state.ready:
        raise DomainError("You already said you're ready; waiting for your partner.",
                          code="already_ready")
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
    _need_phase(state, "rating")
    if rating_of(state, actor) is not None:
        raise DomainError("You have already rated this exercise.", code="already_rated")
    seen = check_int(action.seen, field="Feeling seen", low=RATING_MIN, high=RATING_MAX)
    understood = check_int(
        action.understood, field="Understanding", low=RATING_MIN, high=RATING_MAX
    )
    note = clean_text(action.note, field="Note", max_len=NOTE_MAX, allow_empty=True)
    rating = Rating(user=actor, seen=seen, understood=understood, note=note, at=now)
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


def available_actions(state: ExerciseState, *, actor: int) -> frozenset[str]:
    """Names of the actions ``actor`` may try now (values and the slow-down pause still apply)."""
    if actor not in state.partners or state.phase in TERMINAL_PHASES:
        return frozenset()
    names: set[str] = {"end_early"}
    if state.phase == "proposed":
        names |= {"cancel"} if actor == state.proposer else {"accept", "schedule", "decline"}
    elif state.phase == "scheduled":
        names |= {"start", "cancel"} if actor == state.proposer else {"start"}
    elif state.phase == "active":
        names |= {"call_break", "say"}
        if actor == state.speaker:
            names |= {"share", "end_turn"}
            if state.pending_confirmation is not None:
                names.add("confirm")
        else:
            names |= {"listener_message", "check"}
    elif state.phase == "on_break":
        if actor not in state.ready:
            names.add("ready")
    elif state.phase == "rating" and rating_of(state, actor) is None:
        names.add("rate")
    return frozenset(names)

