"""What Attune can tell a person, the switch each kind sits under, and its words.

The words are built only from names (the partner's, the therapist's) and the catalog's title of
an exercise: never from anything anyone wrote, so a lock screen shows only that something
happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

Kind = Literal[
    "proposed", "waiting", "starts_soon", "starts_now", "partner_ready", "ratings_revealed",
    "homework_due", "homework_overdue", "therapist_linked", "sharing_changed",
]
KINDS: tuple[Kind, ...] = get_args(Kind)

# One switch per line of the issue: what a person turns on or off in Settings.
Switch = Literal["partner", "planned", "resume", "ratings", "homework", "therapy"]
SWITCHES: tuple[Switch, ...] = get_args(Switch)

SWITCH_OF: Mapping[Kind, Switch] = MappingProxyType({
    "proposed": "partner", "waiting": "partner",
    "starts_soon": "planned", "starts_now": "planned",
    "partner_ready": "resume",
    "ratings_revealed": "ratings",
    "homework_due": "homework", "homework_overdue": "homework",
    "therapist_linked": "therapy", "sharing_changed": "therapy",
})

SWITCH_LABELS: Mapping[Switch, str] = MappingProxyType({
    "partner": "Your partner invites you to an exercise, or is waiting for you in one",
    "planned": "A planned exercise starts in 10 minutes, and when it starts",
    "resume": "Your partner is ready to pick up again after a break",
    "ratings": "You have both rated, and the ratings can be seen",
    "homework": "Homework is due tomorrow, or its day has passed (once each, never more)",
    "therapy": "A therapist is linked, or what is shared with them changes",
})

# Moments that matter only now: in quiet hours they wait in the bell and are not sent later.
# The rest are sent when quiet hours end.
TIMELY: frozenset[Kind] = frozenset({"waiting", "starts_soon", "starts_now", "partner_ready"})


@dataclass(frozen=True, slots=True)
class Names:
    """The only words a notification may use besides its own: who, and which exercise."""

    partner: str = "Your partner"
    exercise: str = "your exercise"
    therapist: str = "Your therapist"


@dataclass(frozen=True, slots=True)
class Wording:
    """A notification's title and one line under it."""

    title: str
    body: str


def wording(kind: Kind, names: Names) -> Wording:
    """The words for ``kind``: kind, short, and free of anything anyone wrote."""
    p, x, t = names.partner, names.exercise, names.therapist
    match kind:
        case "proposed":
            return Wording(f"{p} invites you to an exercise",
                           f"{x}: say yes, pick a time, or say not now.")
        case "waiting":
            return Wording(f"{p} is waiting for you", f"It's your turn in {x}.")
        case "starts_soon":
            return Wording(f"{x} starts in 10 minutes",
                           f"You planned it with {p}. Find a quiet spot if you can.")
        case "starts_now":
            return Wording(f"Time for {x}", f"You and {p} planned it for now.")
        case "partner_ready":
            return Wording(f"{p} is ready to pick up again",
                           f"Come back to {x} when you're ready too.")
        case "ratings_revealed":
            return Wording("Your ratings are in",
                           f"See how seen you each felt in {x}.")
        case "homework_due":
            return Wording("Homework for tomorrow",
                           f"{x} is due tomorrow. Any moment together counts.")
        case "homework_overdue":
            return Wording("Your homework is still there",
                           f"{x} has passed its day. Do it when it suits you both.")
        case "therapist_linked":
            return Wording(f"{t} is linked",
                           "They can see only what you both agree to share.")
        case "sharing_changed":
            return Wording("What you share has changed",
                           f"{p} changed what your therapist can see.")
    raise ValueError(f"unknown kind of notification: {kind}")  # pragma: no cover
