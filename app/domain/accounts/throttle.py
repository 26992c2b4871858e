"""Per-account sign-in throttle: how long an address waits after failed passwords.

Counted per email address (known or not, so the throttle never tells which addresses have
accounts), whatever the client address, so guessing spread over many machines slows down too.
The first few failures are free; then each failure locks the address for twice as long as the
last, at most a quarter of an hour, so the real owner is never kept out for long. A quiet hour
forgets the failures. A passkey sign-in never looks at this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Throttle:
    """Failed password attempts on one address, and until when it is locked."""

    failures: int = 0
    locked_until: datetime | None = None
    last_failure_at: datetime | None = None


def wait_left(throttle: Throttle, now: datetime) -> timedelta:
    """How long the address must still wait (zero when it may try)."""
    if throttle.locked_until is None or throttle.locked_until <= now:
        return timedelta(0)
    return throttle.locked_until - now


def lock_for(failures: int) -> timedelta:
    """The lock after the ``failures``-th failure in a row: none, then 30 s doubling to 15 min."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES - 1, 16)  # past the cap anyway; keeps it small
    lock: timedelta = FIRST_LOCK * (2 ** doublings)
    return min(lock, LONGEST_LOCK)


def after_failure(throttle: Throttle, now: datetime) -> Throttle:
    """The throttle after one more failed password."""
    recent = throttle.last_failure_at is not None and now - throttle.last_failure_at < FORGET_AFTER
    failures = (throttle.failures if recent else 0) + 1
    lock = lock_for(failures)
    return Throttle(failures=failures, locked_until=now + lock if lock else None,
                    last_failure_at=now)


def minutes_text(wait: timedelta) -> str:
    """'30 seconds', 'a minute', '4 minutes': how long, in plain words."""
    seconds = max(1, int(wait.total_seconds() + 0.999))
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = (seconds + 59) // 60
    return "a minute" if minutes == 1 else f"{minutes} minutes"
