"""The listener-move labels, the actions they earn, and the verdict the guard returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

Label = Literal[
    "reflection",
    "open_question",
    "check",
    "closed_question",
    "sympathy",
    "advice",
    "judgement",
    "self_focus",
    "defensiveness",
    "minimizing",
    "information",
]
Action = Literal["allow", "nudge", "block"]
Strictness = Literal["gentle", "strict"]

LABELS: Final[tuple[Label, ...]] = get_args(Label)
ALLOWED_LABELS: Final[frozenset[Label]] = frozenset({"reflection", "open_question", "check"})
NUDGE_LABELS: Final[frozenset[Label]] = frozenset({"closed_question", "sympathy"})
BLOCK_LABELS: Final[frozenset[Label]] = frozenset(
    {"advice", "judgement", "self_focus", "defensiveness", "minimizing", "information"}
)

# "The worst one decides": a higher rank wins when one message holds several moves.
# Among blocks, the moves that hurt the speaker most directly rank highest.
SEVERITY: Final[dict[Label, int]] = {
    "reflection": 0,
    "check": 0,
    "open_question": 0,
    "closed_question": 1,
    "sympathy": 2,
    "information": 3,
    "self_focus": 4,
    "advice": 5,
    "minimizing": 6,
    "defensiveness": 7,
    "judgement": 8,
}


def action_for(label: Label) -> Action:
    """The doc's action for a label: allow, nudge or block."""
    if label in ALLOWED_LABELS:
        return "allow"
    if label in NUDGE_LABELS:
        return "nudge"
    return "block"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the guard decided about one listener message."""

    label: Label
    action: Action
    reason: str
    suggestion: str
