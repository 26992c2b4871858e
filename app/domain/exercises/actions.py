"""What a partner can do to an exercise: small frozen values, checked as they are made.

This is the one place values are validated: an action that exists holds clean text, numbers in
range and aware times, whoever made it (``parse.py`` from a client's JSON, the service, a test).
What depends on the exercise or the clock (whose move it is, a time in the future) is the turn
machine's (``rules.py``, ``turns.py``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from app.domain.errors import DomainError
from app.domain.exercises.catalog import SLIPS, ConfirmKind, SlipKind

VerdictAction = Literal["allow", "nudge", "block"]
Strictness = Literal["gentle", "strict"]
FirstSpeakerChoice = Literal["me", "partner", "random"]

TOPIC_MAX = 200
MOMENT_MAX = 200
PROMPT_MAX = 200
GUESS_MAX = 500
TEXT_MAX = 2000
NOTE_MAX = 1000
LABEL_MAX = 40
RATING_MIN, RATING_MAX = 0, 10
BREAK_MINUTES_DEFAULT = 20
BREAK_MINUTES_MIN, BREAK_MINUTES_MAX = 5, 120
SCHEDULE_MAX_DAYS = 7
RESUME_MAX_HOURS = 24

VERDICT_ACTIONS: frozenset[str] = frozenset({"allow", "nudge", "block"})
CONFIRM_KINDS: frozenset[str] = frozenset({"landed", "not_quite", "more"})
SEQ_MAX = 2**31 - 1  # an event sequence number or a stored id: a 32-bit integer column
STRICTNESS_LEVELS: frozenset[str] = frozenset({"gentle", "strict"})


@dataclass(frozen=True, slots=True)
class Accept:
    """The invited partner accepts and the exercise starts now."""

    name: ClassVar[str] = "accept"


@dataclass(frozen=True, slots=True)
class Schedule:
    """The invited partner picks a later time (within 7 days)."""

    at: datetime
    name: ClassVar[str] = "schedule"

    def __post_init__(self) -> None:
        _set(self, "at", check_aware(self.at, field="The time"))


@dataclass(frozen=True, slots=True)
class Decline:
    """The invited partner says no."""

    name: ClassVar[str] = "decline"


@dataclass(frozen=True, slots=True)
class Cancel:
    """The proposer withdraws before the exercise starts."""

    name: ClassVar[str] = "cancel"


@dataclass(frozen=True, slots=True)
class Start:
    """Either partner starts a scheduled exercise."""

    name: ClassVar[str] = "start"


@dataclass(frozen=True, slots=True)
class Share:
    """The speaker says the next piece."""

    text: str
    name: ClassVar[str] = "share"

    def __post_init__(self) -> None:
        _set(self, "text", clean_text(self.text, field="Message", max_len=TEXT_MAX))


@dataclass(frozen=True, slots=True)
class ListenerMessage:
    """A listener's message with the guard's verdict, built by the service, never by a client."""

    text: str
    verdict_label: str
    verdict_action: VerdictAction
    send_anyway: bool = False
    name: ClassVar[str] = "listener_message"

    def __post_init__(self) -> None:
        _set(self, "text", clean_text(self.text, field="Message", max_len=TEXT_MAX))
        _set(self, "verdict_label", clean_text(self.verdict_label, field="Verdict label",
                                               max_len=LABEL_MAX))
        if self.verdict_action not in VERDICT_ACTIONS:
            raise invalid("The verdict must be allow, nudge or block.")
        if not isinstance(self.send_anyway, bool):
            raise invalid("send_anyway must be true or false.")


@dataclass(frozen=True, slots=True)
class Check:
    """The listener's fixed check: "Did I get that right? Is there more?"."""

    name: ClassVar[str] = "check"


@dataclass(frozen=True, slots=True)
class Confirm:
    """The speaker answers the latest reflection: landed, not quite, or there's more."""

    kind: ConfirmKind
    name: ClassVar[str] = "confirm"

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in CONFIRM_KINDS:
            raise invalid("Confirm with landed, not_quite or more.")


@dataclass(frozen=True, slots=True)
class EndTurn:
    """The speaker feels heard and hands over the floor."""

    name: ClassVar[str] = "end_turn"


@dataclass(frozen=True, slots=True)
class CallBreak:
    """Either partner pauses the exercise to calm down; ``resume_at`` defaults to the timer end."""

    minutes: int = BREAK_MINUTES_DEFAULT
    resume_at: datetime | None = None
    name: ClassVar[str] = "call_break"

    def __post_init__(self) -> None:
        check_int(self.minutes, field="Break minutes", low=BREAK_MINUTES_MIN,
                  high=BREAK_MINUTES_MAX)
        if self.resume_at is not None:
            check_aware(self.resume_at, field="The time to come back")


@dataclass(frozen=True, slots=True)
class Ready:
    """A partner on break is ready to go on; both must say so."""

    name: ClassVar[str] = "ready"


@dataclass(frozen=True, slots=True)
class AnotherRound:
    """After both turns, a partner would like another round; when both do, it starts."""

    name: ClassVar[str] = "another_round"


@dataclass(frozen=True, slots=True)
class EndEarly:
    """Either partner stops the exercise before it is complete."""

    name: ClassVar[str] = "end_early"


@dataclass(frozen=True, slots=True)
class Rate:
    """A partner's sealed rating: felt seen (0-10), understood the partner (0-10), private note."""

    seen: int
    understood: int
    note: str = ""
    name: ClassVar[str] = "rate"

    def __post_init__(self) -> None:
        check_int(self.seen, field="Feeling seen", low=RATING_MIN, high=RATING_MAX)
        check_int(self.understood, field="Understanding", low=RATING_MIN, high=RATING_MAX)
        _set(self, "note", clean_text(self.note, field="Note", max_len=NOTE_MAX,
                                      allow_empty=True))


@dataclass(frozen=True, slots=True)
class NameMoment:
    """Step into my shoes: the speaker names the moment in a few words, nothing more yet."""

    text: str
    name: ClassVar[str] = "name_moment"

    def __post_init__(self) -> None:
        _set(self, "text", clean_text(self.text, field="The moment", max_len=MOMENT_MAX))


@dataclass(frozen=True, slots=True)
class Guess:
    """Step into my shoes: the listener's sealed guess of what the speaker felt and needed."""

    felt: str
    needed: str
    name: ClassVar[str] = "guess"

    def __post_init__(self) -> None:
        _set(self, "felt", clean_text(self.felt, field="What they felt", max_len=GUESS_MAX))
        _set(self, "needed", clean_text(self.needed, field="What they needed",
                                        max_len=GUESS_MAX))


@dataclass(frozen=True, slots=True)
class Reveal:
    """Step into my shoes: the speaker has told the moment and opens the sealed guess."""

    name: ClassVar[str] = "reveal"


@dataclass(frozen=True, slots=True)
class MarkAccuracy:
    """Step into my shoes: the speaker marks how close the guess came (0-10), and what it missed."""

    score: int
    missed: str = ""
    name: ClassVar[str] = "mark_accuracy"

    def __post_init__(self) -> None:
        check_int(self.score, field="How close it came", low=RATING_MIN, high=RATING_MAX)
        _set(self, "missed", clean_text(self.missed, field="What it missed", max_len=NOTE_MAX,
                                        allow_empty=True))


@dataclass(frozen=True, slots=True)
class MarkSlip:
    """The speaker privately marks a delivered listener message: it felt like fixing, judging,
    defending, about the listener, or brushing it off. The turn goes on unchanged."""

    of: int
    slip: SlipKind
    name: ClassVar[str] = "mark_slip"

    def __post_init__(self) -> None:
        check_int(self.of, field="The message", low=1, high=SEQ_MAX)
        if not isinstance(self.slip, str) or self.slip not in SLIPS:
            raise invalid("Mark it as fixing, judging, defending, about_you or brushing_off.")


@dataclass(frozen=True, slots=True)
class ClaimReflection:
    """The listener says a held message was a reflection; it still is not sent."""

    of: int
    name: ClassVar[str] = "claim_reflection"

    def __post_init__(self) -> None:
        check_int(self.of, field="The message", low=1, high=SEQ_MAX)


@dataclass(frozen=True, slots=True)
class Say:
    """Free text from a client before the service knows whether it is a share or needs the guard."""

    text: str
    send_anyway: bool = False
    name: ClassVar[str] = "say"

    def __post_init__(self) -> None:
        _set(self, "text", clean_text(self.text, field="Message", max_len=TEXT_MAX))
        if not isinstance(self.send_anyway, bool):
            raise invalid("send_anyway must be true or false.")


Action = (
    Accept | Schedule | Decline | Cancel | Start | Share | ListenerMessage | Check | Confirm
    | EndTurn | CallBreak | Ready | EndEarly | Rate | NameMoment | Guess | Reveal | MarkAccuracy
    | AnotherRound | MarkSlip | ClaimReflection
)
# What a client may send: everything but ListenerMessage, whose verdict only the service knows.
ClientAction = (
    Accept | Schedule | Decline | Cancel | Start | Share | Say | Check | Confirm
    | EndTurn | CallBreak | Ready | EndEarly | Rate | NameMoment | Guess | Reveal | MarkAccuracy
    | AnotherRound | MarkSlip | ClaimReflection
)


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def invalid(message: str) -> DomainError:
    """Build the ``invalid`` error raised for bad values."""
    return DomainError(message, code="invalid")


def clean_text(value: object, *, field: str, max_len: int, allow_empty: bool = False) -> str:
    """Strip ``value`` and check its length and characters; raise ``invalid`` otherwise."""
    if not isinstance(value, str):
        raise invalid(f"{field} must be text.")
    # Reject before stripping so a megabyte of spaces costs nothing.
    if len(value) > max_len * 4 + 100:
        raise invalid(f"{field} is too long (at most {max_len} characters).")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text and not allow_empty:
        raise invalid(f"{field} is empty.")
    if len(text) > max_len:
        raise invalid(f"{field} is too long (at most {max_len} characters).")
    # Control characters, lone surrogates and bidi overrides can hide or reorder what the other
    # partner reads; other format characters (joiners, emoji tags) are part of real text.
    for ch in text:
        if ch in _BIDI_CONTROLS or (
            ch not in "\n\t" and unicodedata.category(ch) in {"Cc", "Cs"}
        ):
            raise invalid(f"{field} contains characters that are not allowed.")
    return text


def check_int(value: object, *, field: str, low: int, high: int) -> int:
    """Return ``value`` if it is a real int (not a bool) within ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{field} must be a whole number.")
    if not low <= value <= high:
        raise invalid(f"{field} must be between {low} and {high}.")
    return value


def _set(action: object, field: str, value: object) -> None:
    # Frozen: a made action keeps the cleaned value (stripped text) it was checked as.
    object.__setattr__(action, field, value)


def check_aware(value: object, *, field: str) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise invalid(f"{field} must be a date and time with a time zone.")
    return value
