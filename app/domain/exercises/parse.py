"""Schema checks for untrusted client payloads: JSON in, a typed action out, or ``invalid``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from app.domain.exercises.actions import (
    BREAK_MINUTES_DEFAULT,
    BREAK_MINUTES_MAX,
    BREAK_MINUTES_MIN,
    CONFIRM_KINDS,
    GUESS_MAX,
    MOMENT_MAX,
    NOTE_MAX,
    RATING_MAX,
    RATING_MIN,
    STRICTNESS_LEVELS,
    TEXT_MAX,
    TOPIC_MAX,
    Accept,
    AnotherRound,
    CallBreak,
    Cancel,
    Check,
    ClaimReflection,
    ClientAction,
    Confirm,
    Decline,
    EndEarly,
    EndTurn,
    FirstSpeakerChoice,
    Guess,
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
    check_int,
    clean_text,
    invalid,
)
from app.domain.exercises.catalog import SLIPS, ConfirmKind, SlipKind, get_kind

_ISO_MAX = 40  # "2025-01-01T00:00:00.000000+00:00" is 32 characters


class _Fields:
    """One payload being read: every field must be known, of the right type, and used once."""

    def __init__(self, payload: object, allowed: frozenset[str]) -> None:
        if payload is None:
            payload = {}
        if not isinstance(payload, Mapping):
            raise invalid("The payload must be an object.")
        unknown = [k for k in payload if not isinstance(k, str) or k not in allowed]
        if unknown:
            names = ", ".join(sorted(repr(k)[:40] for k in unknown)[:5])
            raise invalid(f"Unknown field: {names}.")
        self.payload: Mapping[str, object] = payload

    def has(self, key: str) -> bool:
        return key in self.payload and self.payload[key] is not None

    def required(self, key: str) -> object:
        if not self.has(key):
            raise invalid(f"Missing field: {key}.")
        return self.payload[key]

    def text(self, key: str, *, label: str, max_len: int, allow_empty: bool = False) -> str:
        value = self.payload.get(key)
        if value is None:
            if not allow_empty:
                raise invalid(f"Missing field: {key}.")
            value = ""
        return clean_text(value, field=label, max_len=max_len, allow_empty=allow_empty)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.payload.get(key, default)
        if not isinstance(value, bool):
            raise invalid(f"{key} must be true or false.")
        return value

    def integer(self, key: str, *, label: str, low: int, high: int) -> int:
        return check_int(self.required(key), field=label, low=low, high=high)

    def when(self, key: str, *, label: str) -> datetime:
        return parse_time(self.required(key), field=label)


def parse_time(value: object, *, field: str) -> datetime:
    """Parse an ISO 8601 date-time with a time zone (``Z`` or an offset) into aware UTC."""
    if not isinstance(value, str) or len(value) > _ISO_MAX:
        raise invalid(f"{field} must be an ISO 8601 date and time.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(f"{field} must be an ISO 8601 date and time.") from None
    if parsed.utcoffset() is None:
        raise invalid(f"{field} needs a time zone, for example 2025-05-01T18:30:00Z.")
    return parsed.astimezone(UTC)


def _no_fields(make: Callable[[], ClientAction]) -> Callable[[object], ClientAction]:
    def parse(payload: object) -> ClientAction:
        _Fields(payload, frozenset())
        return make()
    return parse


def _schedule(payload: object) -> ClientAction:
    f = _Fields(payload, frozenset({"at"}))
    return Schedule(at=f.when("at", label="The time"))


def _share(payload: object) -> ClientAction:
    f = _Fields(payload, frozenset({"text"}))
    return Share(text=f.text("text", label="Message", max_len=TEXT_MAX))


def _say(payload: object) -> ClientAction:
    f = _Fields(payload, frozenset({"text", "send_anyway"}))
    return Say(
        text=f.text("text", label="Message", max_len=TEXT_MAX),
        send_anyway=f.boolean("send_anyway", False),
    )


def _confirm(payload: object) -> ClientAction:
    f = _Fields(payload, frozenset({"kind"}))
    kind = f.required("kind")
    if not isinstance(kind, str) or kind not in CONFIRM_KINDS:
        raise invalid("Confirm with landed, not_quite or more.")
    return Confirm(kind=cast(ConfirmKind, kind))


def _call_break(payload: object) -> ClientAction:
    f = _Fields(payload, frozenset({"minutes", "resume_at"}))
    minutes = (
        f.integer("minutes", label="Break minutes", low=BREAK_MINUTES_MIN, high=BREAK_MINUTES_MAX)
        if f.has("minutes") else BREAK_MINUTES_DEFAULT
    )
    resume_at = f.when("resume_at", label="The time to come back") if f.has("resume_at") else None
    return CallBreak(minutes=minutes, resume_at=resume_at)


def _rate(payload: object) -> ClientAction:
    f = _Fields(payload, frozenset({"seen", "understood", "note"}))
    return Rate(
        seen=f.integer("seen", label="Feeling seen", low=RATING_MIN, high=RATING_MAX),
        understood=f.integer("understood", label="Understanding", low=RATING_MIN, high=RATING_MAX),
        note=f.text("note", label="Note", max_len=NOTE_MAX, allow_empty=True),
    )


def _name_moment(payload: object) -> ClientAction:
    f = _Fields(payload, frozenset({"text"}))
    return NameMoment(text=f.text("text", label="The moment", max_len=MOMENT_MAX))


def _guess(payload: object) -> ClientAction:
    f = _Fields(payload, frozenset({"felt", "needed"}))
    return Guess(
        felt=f.text("felt", label="What they felt", max_len=GUESS_MAX),
        needed=f.text("needed", label="What they needed", max_len=GUESS_MAX),
    )


def _mark_accuracy(payload: object) -> ClientAction:
    f = _Fields(payload, frozenset({"score", "missed"}))
    return MarkAccuracy(
        score=f.integer("score", label="How close it came", low=RATING_MIN, high=RATING_MAX),
        missed=f.text("missed", label="What it missed", max_len=NOTE_MAX, allow_empty=True),
    )


_SEQ_MAX = 2**31 - 1


def _mark_slip(payload: object) -> ClientAction:
    f = _Fields(payload, frozenset({"of", "slip"}))
    slip = f.required("slip")
    if not isinstance(slip, str) or slip not in SLIPS:
        raise invalid("Mark it as fixing, judging, defending, about_you or brushing_off.")
    return MarkSlip(of=f.integer("of", label="The message", low=1, high=_SEQ_MAX),
                    slip=cast(SlipKind, slip))


def _claim_reflection(payload: object) -> ClientAction:
    f = _Fields(payload, frozenset({"of"}))
    return ClaimReflection(of=f.integer("of", label="The message", low=1, high=_SEQ_MAX))


_PARSERS: Mapping[str, Callable[[object], ClientAction]] = {
    "accept": _no_fields(Accept),
    "schedule": _schedule,
    "decline": _no_fields(Decline),
    "cancel": _no_fields(Cancel),
    "start": _no_fields(Start),
    "share": _share,
    "say": _say,
    "check": _no_fields(Check),
    "confirm": _confirm,
    "end_turn": _no_fields(EndTurn),
    "call_break": _call_break,
    "ready": _no_fields(Ready),
    "another_round": _no_fields(AnotherRound),
    "end_early": _no_fields(EndEarly),
    "rate": _rate,
    "name_moment": _name_moment,
    "guess": _guess,
    "reveal": _no_fields(Reveal),
    "mark_accuracy": _mark_accuracy,
    "mark_slip": _mark_slip,
    "claim_reflection": _claim_reflection,
}

ACTION_TYPES: frozenset[str] = frozenset(_PARSERS)


def parse_action(type: str, payload: object) -> ClientAction:
    """Validate an untrusted ``(type, payload)`` pair into a client action, or raise ``invalid``."""
    # Free text arrives as "say"; ``resolve_say`` makes it a Share or a guarded ListenerMessage.
    parser = _PARSERS.get(type) if isinstance(type, str) else None
    if parser is None:
        raise invalid("Unknown action type.")
    return parser(payload)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A checked request to propose an exercise, before the service resolves who speaks first."""

    kind: str
    topic: str
    first_speaker: FirstSpeakerChoice
    strictness: Strictness | None
    # At most one: a deck prompt's id, or the id of one of the couple's own prompts.
    prompt_id: str | None = None
    own_prompt_id: int | None = None


def parse_proposal(payload: object) -> Proposal:
    """Validate an untrusted ``{kind, topic?, first_speaker, strictness?, prompt_id? |
    own_prompt_id?}``."""
    f = _Fields(payload, frozenset({"kind", "topic", "first_speaker", "strictness",
                                    "prompt_id", "own_prompt_id"}))
    kind = f.required("kind")
    if not isinstance(kind, str) or len(kind) > 40:
        raise invalid("Pick an exercise.")
    get_kind(kind)
    first = f.required("first_speaker")
    if not isinstance(first, str) or first not in ("me", "partner", "random"):
        raise invalid("Who speaks first must be me, partner or random.")
    strictness = f.payload.get("strictness")
    if strictness is not None and (
        not isinstance(strictness, str) or strictness not in STRICTNESS_LEVELS
    ):
        raise invalid("Strictness must be gentle or strict.")
    prompt_id = f.payload.get("prompt_id")
    if prompt_id is not None and (not isinstance(prompt_id, str) or not prompt_id
                                  or len(prompt_id) > 40):
        raise invalid("The prompt id must be the id of a prompt.")
    own = f.payload.get("own_prompt_id")
    own_prompt_id = None if own is None else check_int(
        own, field="Your prompt's id", low=1, high=2**31 - 1)
    if prompt_id is not None and own_prompt_id is not None:
        raise invalid("Pick one prompt: one of ours or one of your own.")
    return Proposal(
        kind=kind,
        topic=f.text("topic", label="Topic", max_len=TOPIC_MAX, allow_empty=True),
        first_speaker=cast(FirstSpeakerChoice, first),
        strictness=cast(Strictness | None, strictness),
        prompt_id=prompt_id,
        own_prompt_id=own_prompt_id,
    )
