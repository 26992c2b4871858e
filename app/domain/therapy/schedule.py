"""When homework is due: a single due date or a repeat (n times a week for w weeks), in the
couple's own time zone. Occurrences keep their local time across a daylight-saving change,
and a month's end is just another day.

Counting is kind: done, still to do, and "not done yet" for days that have passed. There are
no streaks, and a missed day never counts against the ones after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from app.domain.errors import DomainError

MAX_PER_WEEK = 7
MAX_WEEKS = 26
DEFAULT_TIME = time(20, 0)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Either ``due`` (one occurrence) or a repeat from ``start`` (``per_week`` × ``weeks``)."""

    start: date
    due: date | None = None
    per_week: int | None = None
    weeks: int | None = None
    at: time = DEFAULT_TIME  # the local time of day each occurrence is due by

    @property
    def repeats(self) -> bool:
        """Whether this is a repeat rather than a single due date."""
        return self.per_week is not None


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    """A time zone by its IANA name; a clear error for anything else."""
    try:
        if not name or name not in _known_zones():
            raise KeyError(name)
        return ZoneInfo(name)
    except (KeyError, ValueError, ZoneInfoNotFoundError):
        raise DomainError("That isn't a time zone we know (e.g. Europe/London).",
                          code="invalid") from None


def check(schedule: Schedule) -> Schedule:
    """Raise what is wrong with a schedule (both or neither of due date and repeat, ranges)."""
    if (schedule.due is None) == (schedule.per_week is None):
        raise DomainError("Give either a due date or a repeat.", code="invalid")
    if schedule.due is not None and schedule.due < schedule.start:
        raise DomainError("The due date can't be before the start.", code="invalid")
    if schedule.per_week is not None:
        if not 1 <= schedule.per_week <= MAX_PER_WEEK:
            raise DomainError(f"Repeat 1 to {MAX_PER_WEEK} times a week.", code="invalid")
        if schedule.weeks is None or not 1 <= schedule.weeks <= MAX_WEEKS:
            raise DomainError(f"Repeat for 1 to {MAX_WEEKS} weeks.", code="invalid")
    return schedule


def days(schedule: Schedule) -> list[date]:
    """The local days of each occurrence: the due date, or ``per_week`` days spread evenly
    through each week from the start."""
    check(schedule)
    if schedule.due is not None:
        return [schedule.due]
    if schedule.per_week is None or schedule.weeks is None:  # ``check`` refuses this already
        raise DomainError("Give a due date, or how many days a week for how many weeks.",
                          code="invalid")
    offsets = sorted({(i * 7) // schedule.per_week for i in range(schedule.per_week)})
    return [schedule.start + timedelta(days=7 * week + offset)
            for week in range(schedule.weeks) for offset in offsets]


def occurrences(schedule: Schedule, tz: str) -> list[datetime]:
    """Each occurrence's deadline as an aware UTC instant: the local time ``at`` on its day in
    ``tz`` (so 20:00 stays 20:00 on both sides of a daylight-saving change)."""
    where = zone(tz)
    return [datetime.combine(day, schedule.at, tzinfo=where).astimezone(UTC)
            for day in days(schedule)]


@dataclass(frozen=True, slots=True)
class Progress:
    """How a piece of homework stands: counts only, never a streak."""

    total: int
    done: int
    due: int  # still ahead
    overdue: int  # their day passed without one done (said kindly on screen)
    next_due: datetime | None  # the next deadline not yet covered

    @property
    def finished(self) -> bool:
        """Every occurrence done."""
        return self.done >= self.total


def progress(deadlines: list[datetime], done: int, now: datetime) -> Progress:
    """Done ones fill the earliest occurrences first; the rest are ahead or passed."""
    ordered = sorted(deadlines)
    covered = min(done, len(ordered))
    open_ = ordered[covered:]
    passed = [d for d in open_ if d <= now]
    ahead = [d for d in open_ if d > now]
    return Progress(total=len(ordered), done=covered, due=len(ahead), overdue=len(passed),
                    next_due=ahead[0] if ahead else None)
