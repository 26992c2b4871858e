"""The exercise state and its events: immutable values that serialize to JSON and back exactly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast, get_args

from app.domain.exercises.actions import Strictness

Phase = Literal[
    "proposed", "scheduled", "active", "on_break", "rating",
    "complete", "ended_early", "declined", "cancelled",
]
PHASES: frozenset[str] = frozenset(get_args(Phase))
TERMINAL_PHASES: frozenset[str] = frozenset({"complete", "ended_early", "declined", "cancelled"})

# The steps of one perspective turn (Step into my shoes), in order: the speaker names the moment,
# the listener seals a guess, the speaker tells it, opens the guess and marks it, the listener
# says back what they missed, and the two talk on until the speaker ends the turn.
PerspectiveStep = Literal["name", "guess", "tell", "mark", "reflect_miss", "wrap"]
PERSPECTIVE_STEPS: frozenset[str] = frozenset(get_args(PerspectiveStep))

EventType = Literal[
    "proposed", "accepted", "scheduled", "declined", "cancelled", "started", "shared",
    "listener_message", "check", "confirmed", "turn_ended", "roles_swapped", "break_called",
    "ready", "resumed", "ended_early", "rated", "ratings_revealed", "completed",
    "moment_named", "guess_sealed", "guess_revealed", "accuracy_marked",
    "round_wanted", "round_started", "slip_marked", "reflection_claimed",
]
EVENT_TYPES: frozenset[str] = frozenset(get_args(EventType))

STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Rating:
    """One partner's rating; sealed until both have rated, the note stays private forever."""

    user: int
    seen: int
    understood: int
    note: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SealedGuess:
    """The listener's guess for the current perspective turn; only its author sees it unrevealed."""

    by: int
    felt: str
    needed: str
    seq: int
    at: datetime


@dataclass(frozen=True, slots=True)
class AccuracyMark:
    """How close one turn's guess came, marked once by that turn's speaker."""

    turn: int
    speaker: int
    guesser: int
    score: int
    missed: str
    at: datetime
    round: int = 1  # another round brings new guesses with the same turn numbers


@dataclass(frozen=True, slots=True)
class TurnMessage:
    """A listener message of the current turn, and what its two partners said about it since:
    the speaker may mark a delivered one as a slip, the listener a held one as a reflection."""

    seq: int
    by: int
    delivered: bool
    # "" until someone answers it; then the slip the speaker marked, or "reflection".
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class ExerciseState:
    """Everything the rules need about one exercise; change it only through ``apply``."""

    kind: str
    partners: tuple[int, int]
    proposer: int
    strictness: Strictness
    phase: Phase
    first_speaker: int
    topic: str
    created_at: datetime
    seq: int
    scheduled_for: datetime | None = None
    started_at: datetime | None = None
    speaker: int | None = None
    turn: int = 0
    last_share_at: datetime | None = None
    # Seq of the latest delivered, unconfirmed reflection or check the speaker may confirm.
    pending_confirmation: int | None = None
    break_by: int | None = None
    break_minutes: int | None = None
    break_started_at: datetime | None = None
    break_ends_at: datetime | None = None
    resume_at: datetime | None = None
    ready: tuple[int, ...] = ()
    ratings: tuple[Rating, ...] = ()
    ended_at: datetime | None = None
    # Who declined, cancelled or ended early (None once complete).
    ended_by: int | None = None
    # The phase an early end interrupted.
    ended_in: Phase | None = None
    # Perspective turns only (None otherwise): the step, the named moment, the sealed guess.
    step: PerspectiveStep | None = None
    moment: str = ""
    # The prompt chosen when proposing: its words, and its reference (a deck id or own:<id>).
    prompt: str = ""
    prompt_ref: str = ""
    guess: SealedGuess | None = None
    marks: tuple[AccuracyMark, ...] = ()
    # Rounds of two turns: which one this is, and who would like another after it.
    round: int = 1
    round_wanted: tuple[int, ...] = ()
    # The listener's messages of this turn (emptied when the turn ends), for slip marks.
    messages: tuple[TurnMessage, ...] = ()
    # What the guard judges a listener's words against, kept here so no action has to look it
    # up: the speaker's latest share (its seq and words), and per partner (in ``partners``
    # order) how many of their listener messages in a row were held, up to HELD_STREAK_MAX.
    last_share_seq: int | None = None
    last_share_text: str = ""
    held_streak: tuple[int, int] = (0, 0)


# The guard is told at most this many held attempts in a row.
HELD_STREAK_MAX = 10


@dataclass(frozen=True, slots=True)
class Event:
    """One numbered thing that happened; ``visible_to`` None means both partners see it."""

    seq: int
    type: EventType
    actor: int
    payload: Mapping[str, object]
    visible_to: frozenset[int] | None
    at: datetime

    @property
    def private_to(self) -> int | None:
        """Return the one user who may see a private event, or None when both may."""
        if self.visible_to is None:
            return None
        (user,) = self.visible_to
        return user


def visible(event: Event, user_id: int) -> bool:
    """Whether ``user_id`` (a partner of the exercise) may see ``event``."""
    return event.visible_to is None or user_id in event.visible_to


def other_partner(state: ExerciseState, user_id: int) -> int:
    """Return the partner of ``user_id`` in this exercise."""
    a, b = state.partners
    return b if user_id == a else a


def listener_of(state: ExerciseState) -> int | None:
    """Return who listens now, or None when nobody holds the floor."""
    if state.speaker is None:
        return None
    return other_partner(state, state.speaker)


def role_of(state: ExerciseState, user_id: int) -> Literal["speaker", "listener"] | None:
    """Return the role of ``user_id`` now, or None outside a turn or for a stranger."""
    if state.speaker is None or user_id not in state.partners:
        return None
    return "speaker" if user_id == state.speaker else "listener"


def rating_of(state: ExerciseState, user_id: int) -> Rating | None:
    """Return the rating ``user_id`` gave, if any."""
    return next((r for r in state.ratings if r.user == user_id), None)


# --- JSON -------------------------------------------------------------------------------------


def iso(value: datetime) -> str:
    """Format an aware datetime as an ISO 8601 string in UTC."""
    return value.astimezone(UTC).isoformat()


def _iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


def event_to_dict(event: Event) -> dict[str, object]:
    """Return a JSON-safe dict of ``event`` (what the service stores and publishes)."""
    return {
        "seq": event.seq,
        "type": event.type,
        "actor": event.actor,
        "payload": dict(event.payload),
        "visible_to": None if event.visible_to is None else sorted(event.visible_to),
        "at": iso(event.at),
    }


def state_to_dict(state: ExerciseState) -> dict[str, object]:
    """Return ``state`` as a JSON-safe dict; ``state_from_dict`` rebuilds an equal state."""
    return {
        "v": STATE_VERSION,
        "kind": state.kind,
        "partners": list(state.partners),
        "proposer": state.proposer,
        "strictness": state.strictness,
        "phase": state.phase,
        "first_speaker": state.first_speaker,
        "topic": state.topic,
        "created_at": iso(state.created_at),
        "seq": state.seq,
        "scheduled_for": _iso_or_none(state.scheduled_for),
        "started_at": _iso_or_none(state.started_at),
        "speaker": state.speaker,
        "turn": state.turn,
        "last_share_at": _iso_or_none(state.last_share_at),
        "pending_confirmation": state.pending_confirmation,
        "break_by": state.break_by,
        "break_minutes": state.break_minutes,
        "break_started_at": _iso_or_none(state.break_started_at),
        "break_ends_at": _iso_or_none(state.break_ends_at),
        "resume_at": _iso_or_none(state.resume_at),
        "ready": list(state.ready),
        "ratings": [
            {
                "user": r.user,
                "seen": r.seen,
                "understood": r.understood,
                "note": r.note,
                "at": iso(r.at),
            }
            for r in state.ratings
        ],
        "ended_at": _iso_or_none(state.ended_at),
        "ended_by": state.ended_by,
        "ended_in": state.ended_in,
        "step": state.step,
        "moment": state.moment,
        "prompt": state.prompt,
        "prompt_ref": state.prompt_ref,
        "guess": None if state.guess is None else {
            "by": state.guess.by,
            "felt": state.guess.felt,
            "needed": state.guess.needed,
            "seq": state.guess.seq,
            "at": iso(state.guess.at),
        },
        "marks": [
            {
                "turn": m.turn,
                "speaker": m.speaker,
                "guesser": m.guesser,
                "score": m.score,
                "missed": m.missed,
                "at": iso(m.at),
                "round": m.round,
            }
            for m in state.marks
        ],
        "round": state.round,
        "round_wanted": list(state.round_wanted),
        "last_share_seq": state.last_share_seq,
        "last_share_text": state.last_share_text,
        "held_streak": list(state.held_streak),
        "messages": [
            {"seq": m.seq, "by": m.by, "delivered": m.delivered, "feedback": m.feedback}
            for m in state.messages
        ],
    }


def knows_guard_context(data: Mapping[str, Any]) -> bool:
    """Whether a stored state carries the guard's context (states stored before it did not:
    the service reads that context from the event log for them)."""
    return "held_streak" in data


class CorruptStateError(ValueError):
    """Stored state that ``state_from_dict`` cannot read: a bug or a bad migration, not a move."""


class _Reader:
    """Typed, strict access to a stored dict; any surprise is a ``CorruptStateError``."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        if not isinstance(data, Mapping):
            raise CorruptStateError(f"{where}: expected an object")
        self.data = data
        self.where = where

    def _get(self, key: str) -> object:
        if key not in self.data:
            raise CorruptStateError(f"{self.where}: missing {key!r}")
        return self.data[key]

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise CorruptStateError(f"{self.where}: {key!r} must be an int")
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise CorruptStateError(f"{self.where}: {key!r} must be a bool")
        return value

    def opt_integer(self, key: str) -> int | None:
        return None if self._get(key) is None else self.integer(key)

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise CorruptStateError(f"{self.where}: {key!r} must be a string")
        return value

    def choice(self, key: str, allowed: frozenset[str]) -> str:
        value = self.text(key)
        if value not in allowed:
            raise CorruptStateError(f"{self.where}: {key!r} has unknown value {value!r}")
        return value

    def dt(self, key: str) -> datetime:
        try:
            value = datetime.fromisoformat(self.text(key))
        except ValueError:
            raise CorruptStateError(f"{self.where}: {key!r} is not a date-time") from None
        if value.utcoffset() is None:
            raise CorruptStateError(f"{self.where}: {key!r} must carry a time zone")
        return value.astimezone(UTC)

    def opt_dt(self, key: str) -> datetime | None:
        return None if self._get(key) is None else self.dt(key)

    def items(self, key: str) -> list[object]:
        value = self._get(key)
        if not isinstance(value, list):
            raise CorruptStateError(f"{self.where}: {key!r} must be a list")
        return value

    def integers(self, key: str) -> tuple[int, ...]:
        items = self.items(key)
        if any(isinstance(i, bool) or not isinstance(i, int) for i in items):
            raise CorruptStateError(f"{self.where}: {key!r} must hold ints")
        return tuple(cast(list[int], items))


def state_from_dict(data: Mapping[str, Any]) -> ExerciseState:
    """Rebuild a state stored by ``state_to_dict``; raises ``CorruptStateError`` (a ValueError)."""
    r = _Reader(data, "exercise state")
    if r.integer("v") != STATE_VERSION:
        raise CorruptStateError(f"exercise state: unsupported version {data.get('v')!r}")
    partners = r.integers("partners")
    if len(partners) != 2:
        raise CorruptStateError("exercise state: 'partners' must hold two ids")
    ended_in = None if data.get("ended_in") is None else r.choice("ended_in", PHASES)
    ratings = []
    for item in r.items("ratings"):
        rr = _Reader(cast(Mapping[str, Any], item), "rating")
        ratings.append(Rating(
            user=rr.integer("user"), seen=rr.integer("seen"), understood=rr.integer("understood"),
            note=rr.text("note"), at=rr.dt("at"),
        ))
    # The perspective fields came later: a stored state without them has none of it.
    step = None if data.get("step") is None else r.choice("step", PERSPECTIVE_STEPS)
    guess = None
    if data.get("guess") is not None:
        gr = _Reader(cast(Mapping[str, Any], data["guess"]), "guess")
        guess = SealedGuess(by=gr.integer("by"), felt=gr.text("felt"), needed=gr.text("needed"),
                            seq=gr.integer("seq"), at=gr.dt("at"))
    marks = []
    for item in r.items("marks") if "marks" in data else []:
        mr = _Reader(cast(Mapping[str, Any], item), "accuracy mark")
        marks.append(AccuracyMark(
            turn=mr.integer("turn"), speaker=mr.integer("speaker"), guesser=mr.integer("guesser"),
            score=mr.integer("score"), missed=mr.text("missed"), at=mr.dt("at"),
            round=mr.opt_integer("round") or 1,  # marks kept before rounds counted
        ))
    messages = []
    for item in r.items("messages") if "messages" in data else []:
        tr = _Reader(cast(Mapping[str, Any], item), "turn message")
        messages.append(TurnMessage(seq=tr.integer("seq"), by=tr.integer("by"),
                                    delivered=tr.boolean("delivered"),
                                    feedback=tr.text("feedback")))
    return ExerciseState(
        kind=r.text("kind"),
        partners=(partners[0], partners[1]),
        proposer=r.integer("proposer"),
        strictness=cast(Strictness, r.choice("strictness", frozenset({"gentle", "strict"}))),
        phase=cast(Phase, r.choice("phase", PHASES)),
        first_speaker=r.integer("first_speaker"),
        topic=r.text("topic"),
        created_at=r.dt("created_at"),
        seq=r.integer("seq"),
        scheduled_for=r.opt_dt("scheduled_for"),
        started_at=r.opt_dt("started_at"),
        speaker=r.opt_integer("speaker"),
        turn=r.integer("turn"),
        last_share_at=r.opt_dt("last_share_at"),
        pending_confirmation=r.opt_integer("pending_confirmation"),
        break_by=r.opt_integer("break_by"),
        break_minutes=r.opt_integer("break_minutes"),
        break_started_at=r.opt_dt("break_started_at"),
        break_ends_at=r.opt_dt("break_ends_at"),
        resume_at=r.opt_dt("resume_at"),
        ready=r.integers("ready"),
        ratings=tuple(ratings),
        ended_at=r.opt_dt("ended_at"),
        ended_by=r.opt_integer("ended_by"),
        ended_in=cast(Phase | None, ended_in),
        step=cast(PerspectiveStep | None, step),
        moment=r.text("moment") if "moment" in data else "",
        prompt=r.text("prompt") if "prompt" in data else "",
        prompt_ref=r.text("prompt_ref") if "prompt_ref" in data else "",
        guess=guess,
        marks=tuple(marks),
        round=r.integer("round") if "round" in data else 1,
        round_wanted=r.integers("round_wanted") if "round_wanted" in data else (),
        last_share_seq=r.opt_integer("last_share_seq") if "last_share_seq" in data else None,
        last_share_text=r.text("last_share_text") if "last_share_text" in data else "",
        held_streak=_pair(r.integers("held_streak")) if "held_streak" in data else (0, 0),
        messages=tuple(messages),
    )


def _pair(values: tuple[int, ...]) -> tuple[int, int]:
    if len(values) != 2:
        raise CorruptStateError("exercise state: 'held_streak' must hold two counts")
    return values[0], values[1]
