"""Schema checks for untrusted client payloads: JSON in, a typed action out, or ``invalid``.

Here: the payload's shape (an object, known fields, required ones present, times as times).
The values themselves are checked once, by the actions as they are made (``actions.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from app.domain.exercises.actions import (
    SEQ_MAX,
    STRICTNESS_LEVELS,
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
from app.domain.exercises.catalog import get_kind

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


def _fields(make: Callable[..., ClientAction], *required: str, optional: tuple[str, ...] = (),
            times: tuple[str, ...] = ()) -> Callable[[object], ClientAction]:
    """A parser for an action made from its fields: only these fields, the required ones
    present (absent optional ones take the action's defaults), ISO times read as times. The
    action itself checks each value (``actions.py``)."""
    def parse(payload: object) -> ClientAction:
        f = _Fields(payload, frozenset((*required, *optional)))
        values = {key: f.required(key) for key in required}
        values |= {key: f.payload[key] for key in optional if f.has(key)}
        for key in times:
            if key in values:
                values[key] = parse_time(values[key], field=_TIME_LABELS[key])
        return make(**values)
    return parse


_TIME_LABELS = {"at": "The time", "resume_at": "The time to come back"}

_PARSERS: Mapping[str, Callable[[object], ClientAction]] = {
    "accept": _no_fields(Accept),
    "schedule": _fields(Schedule, "at", times=("at",)),
    "decline": _no_fields(Decline),
    "cancel": _no_fields(Cancel),
    "start": _no_fields(Start),
    "share": _fields(Share, "text"),
    "say": _fields(Say, "text", optional=("send_anyway",)),
    "check": _no_fields(Check),
    "confirm": _fields(Confirm, "kind"),
    "end_turn": _no_fields(EndTurn),
    "call_break": _fields(CallBreak, optional=("minutes", "resume_at"), times=("resume_at",)),
    "ready": _no_fields(Ready),
    "another_round": _no_fields(AnotherRound),
    "end_early": _no_fields(EndEarly),
    "rate": _fields(Rate, "seen", "understood", optional=("note",)),
    "name_moment": _fields(NameMoment, "text"),
    "guess": _fields(Guess, "felt", "needed"),
    "reveal": _no_fields(Reveal),
    "mark_accuracy": _fields(MarkAccuracy, "score", optional=("missed",)),
    "mark_slip": _fields(MarkSlip, "of", "slip"),
    "claim_reflection": _fields(ClaimReflection, "of"),
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
        own, field="Your prompt's id", low=1, high=SEQ_MAX)
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
