"""Consent: each partner chooses what a linked therapist may see; the therapist sees the
narrower of the two choices. Every therapist page, print page, export and socket event asks
``visibility`` and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from app.domain.errors import DomainError

Level = Literal["completion", "ratings", "conversations"]
# Widest last: each level includes everything of the ones before it.
LEVELS: tuple[Level, ...] = ("completion", "ratings", "conversations")
DEFAULT_LEVEL: Level = "completion"
LEVEL_WORDS: dict[Level, str] = {
    "completion": "Whether homework was done",
    "ratings": "Whether homework was done, plus ratings and skill insights",
    "conversations": "Whether homework was done, ratings and skill insights, plus the "
                     "conversations",
}


@dataclass(frozen=True, slots=True)
class Visibility:
    """What the therapist may see of one couple right now."""

    level: Level | None  # None: nothing at all (not yet accepted by both, or ended)
    completion: bool
    ratings: bool  # ratings and the skill insights (trends)
    conversations: bool  # topics and transcripts

    @property
    def any(self) -> bool:
        """Whether the therapist sees anything of the couple."""
        return self.level is not None


NOTHING = Visibility(level=None, completion=False, ratings=False, conversations=False)


def parse_level(raw: object) -> Level:
    """A sharing level from a form or a message; anything else is a clear error."""
    if isinstance(raw, str) and raw in LEVELS:
        return raw
    raise DomainError("Choose what to share: completion only, ratings and insights, or "
                      "conversations too.", code="invalid")


def narrower(a: Level, b: Level) -> Level:
    """The narrower of two sharing levels."""
    return a if LEVELS.index(a) <= LEVELS.index(b) else b


def visibility(choices: Iterable[Level | None], *, active: bool = True) -> Visibility:
    """What the therapist sees given both partners' current choices (None: not accepted, or
    withdrawn). Nothing unless the link is active and every partner has accepted."""
    picked = list(choices)
    if not active or len(picked) != 2 or any(c is None for c in picked):
        return NOTHING
    a, b = picked
    if a is None or b is None:  # excluded above; said again for the type checker
        return NOTHING
    level = narrower(a, b)
    rank = LEVELS.index(level)
    return Visibility(level=level, completion=True, ratings=rank >= 1, conversations=rank >= 2)


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the consent history: who chose what, when (None: withdrew consent)."""

    user: int
    level: Level | None
    at: datetime


def current_choices(history: Iterable[Change], partners: tuple[int, int]
                    ) -> tuple[Level | None, Level | None]:
    """Each partner's latest choice, in the order of ``partners`` (None if never or withdrawn)."""
    latest: dict[int, Change] = {}
    for change in sorted(history, key=lambda c: c.at):
        latest[change.user] = change
    return tuple(latest[p].level if p in latest else None for p in partners)  # type: ignore[return-value]
