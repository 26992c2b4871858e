"""What a screen is told: the proposal's facts and the limits it guides input by."""

from __future__ import annotations

from datetime import timedelta

from app.domain.exercises import (
    CATALOG,
    CallBreak,
    Rate,
    Schedule,
    Share,
    parse_action,
    public_view,
)
from tests.domain.exercises.test_turns import (
    T0,
    A,
    B,
    active,
    never_made,
    proposed,
    rating_phase,
    refused,
    step,
)


def test_the_proposal_view_says_who_starts_the_guard_setting_and_the_turn_length() -> None:
    view = public_view(proposed("share_a_joy", strictness="strict", first=B), viewer=B)
    assert view["first_speaker"] == B
    assert view["strictness"] == "strict"
    assert str(view["strictness_label"]).startswith("Strict")
    assert view["suggested_turn_minutes"] == CATALOG["share_a_joy"].suggested_turn_minutes == 5


def test_each_limit_in_the_view_is_the_edge_of_what_is_accepted() -> None:
    """A screen guides input by these numbers: at each one the rules say yes, one past it no."""
    limits = public_view(proposed(), viewer=A)["limits"]
    assert isinstance(limits, dict)
    n = {key: int(value) for key, value in limits.items()}
    assert set(n) == {"text_max", "note_max", "rating_min", "rating_max", "break_minutes_min",
                      "break_minutes_max", "break_minutes_default", "schedule_max_days",
                      "resume_max_hours"}

    step(active(), A, Share("w" * n["text_max"]))
    never_made(lambda: Share("w" * (n["text_max"] + 1)))

    low, high = n["rating_min"], n["rating_max"]
    step(rating_phase(), A, Rate(seen=low, understood=high, note="n" * n["note_max"]))
    for bad in ({"seen": low - 1, "understood": high}, {"seen": low, "understood": high + 1},
                {"seen": low, "understood": high, "note": "n" * (n["note_max"] + 1)}):
        never_made(lambda bad=bad: Rate(**bad))  # type: ignore[misc]

    for minutes in (n["break_minutes_min"], n["break_minutes_max"]):
        step(active(), A, CallBreak(minutes=minutes))
    for minutes in (n["break_minutes_min"] - 1, n["break_minutes_max"] + 1):
        never_made(lambda minutes=minutes: CallBreak(minutes=minutes))  # type: ignore[misc]
    _, events = step(active(), A, parse_action("call_break", {}))  # the default, untouched
    assert events[0].payload["minutes"] == n["break_minutes_default"]

    days = timedelta(days=n["schedule_max_days"])
    step(proposed(), B, Schedule(at=T0 + days))
    refused(proposed(), B, Schedule(at=T0 + days + timedelta(seconds=1)), "invalid")

    hours = timedelta(hours=n["resume_max_hours"])
    step(active(), A, CallBreak(resume_at=T0 + hours))
    refused(active(), A, CallBreak(resume_at=T0 + hours + timedelta(seconds=1)), "invalid")
