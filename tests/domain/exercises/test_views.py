"""What a screen is told: the proposal's facts and the limits it guides input by."""

from __future__ import annotations

import pytest

from app.domain.errors import DomainError
from app.domain.exercises import CATALOG, Rate, public_view
from app.domain.exercises.actions import BREAK_MINUTES_MAX, RATING_MAX
from tests.domain.exercises.test_turns import A, B, proposed, rating_phase, step


def test_the_proposal_view_says_who_starts_the_guard_setting_and_the_turn_length() -> None:
    view = public_view(proposed("share_a_joy", strictness="strict", first=B), viewer=B)
    assert view["first_speaker"] == B
    assert view["strictness"] == "strict"
    assert str(view["strictness_label"]).startswith("Strict")
    assert view["suggested_turn_minutes"] == CATALOG["share_a_joy"].suggested_turn_minutes == 5


def test_the_limits_in_the_view_are_the_ones_the_rules_enforce() -> None:
    limits = public_view(proposed(), viewer=A)["limits"]
    assert isinstance(limits, dict)
    assert limits["rating_max"] == RATING_MAX
    assert limits["break_minutes_max"] == BREAK_MINUTES_MAX
    state = rating_phase()
    step(state, A, Rate(seen=limits["rating_max"], understood=limits["rating_min"]))
    with pytest.raises(DomainError):
        step(state, A, Rate(seen=limits["rating_max"] + 1, understood=0))
