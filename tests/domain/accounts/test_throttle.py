"""The per-address sign-in throttle's rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.accounts.throttle import (
    FREE_FAILURES,
    LONGEST_LOCK,
    Throttle,
    after_failure,
    lock_for,
    minutes_text,
    wait_left,
)

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_the_first_failures_are_free_then_locks_double_up_to_a_quarter_hour() -> None:
    assert [lock_for(n) for n in range(1, FREE_FAILURES + 1)] == [timedelta(0)] * FREE_FAILURES
    locks = [lock_for(n).total_seconds() for n in range(FREE_FAILURES + 1, FREE_FAILURES + 8)]
    assert locks == [30, 60, 120, 240, 480, 900, 900]
    assert lock_for(1000) == LONGEST_LOCK


def test_failures_in_a_row_lock_the_address() -> None:
    state, now = Throttle(), T0
    for _ in range(FREE_FAILURES):
        state = after_failure(state, now)
        assert wait_left(state, now) == timedelta(0)
    state = after_failure(state, now)
    assert wait_left(state, now) == timedelta(seconds=30)
    assert wait_left(state, now + timedelta(seconds=31)) == timedelta(0)  # then it may try


def test_a_quiet_hour_forgets_the_failures() -> None:
    state = Throttle()
    for _ in range(FREE_FAILURES + 3):
        state = after_failure(state, T0)
    later = after_failure(state, T0 + timedelta(hours=1, seconds=1))
    assert later.failures == 1 and wait_left(later, T0 + timedelta(hours=1, seconds=1)) == \
        timedelta(0)


def test_waits_are_said_in_plain_words() -> None:
    assert minutes_text(timedelta(seconds=29.2)) == "30 seconds"
    assert minutes_text(timedelta(seconds=60)) == "a minute"
    assert minutes_text(timedelta(seconds=61)) == "2 minutes"
    assert minutes_text(timedelta(minutes=15)) == "15 minutes"
