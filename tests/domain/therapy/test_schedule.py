"""When homework is due: repeats across month ends and daylight-saving changes, kind counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.errors import DomainError
from app.domain.therapy import schedule
from app.domain.therapy.schedule import Schedule

LONDON = "Europe/London"


def test_three_a_week_for_two_weeks_crosses_a_month_end() -> None:
    plan = Schedule(start=date(2027, 1, 28), per_week=3, weeks=2)
    assert schedule.days(plan) == [date(2027, 1, 28), date(2027, 1, 30), date(2027, 2, 1),
                                   date(2027, 2, 4), date(2027, 2, 6), date(2027, 2, 8)]


def test_a_leap_day_and_a_short_february() -> None:
    plan = Schedule(start=date(2028, 2, 27), per_week=7, weeks=1)
    assert schedule.days(plan)[:4] == [date(2028, 2, 27), date(2028, 2, 28),
                                       date(2028, 2, 29), date(2028, 3, 1)]


def test_a_due_date_on_the_last_of_the_month_is_due_that_evening() -> None:
    plan = Schedule(start=date(2027, 3, 20), due=date(2027, 3, 31))
    assert schedule.occurrences(plan, LONDON) == [datetime(2027, 3, 31, 19, 0, tzinfo=UTC)]


def test_a_week_across_the_spring_change_keeps_the_local_time() -> None:
    # Clocks go forward in London on Sunday 29 March 2026.
    plan = Schedule(start=date(2026, 3, 26), per_week=7, weeks=1)
    deadlines = schedule.occurrences(plan, LONDON)
    local = [d.astimezone(ZoneInfo(LONDON)) for d in deadlines]
    assert {d.time() for d in local} == {time(20, 0)}
    assert deadlines[2] == datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # GMT
    assert deadlines[3] == datetime(2026, 3, 29, 19, 0, tzinfo=UTC)  # BST
    # 23 hours, not 24, between the two evenings that straddle the change.
    assert deadlines[3] - deadlines[2] == timedelta(hours=23)


def test_a_week_across_the_autumn_change_keeps_the_local_time_in_new_york() -> None:
    # Clocks go back in New York on Sunday 7 November 2027.
    plan = Schedule(start=date(2027, 11, 5), per_week=3, weeks=1, at=time(21, 30))
    deadlines = schedule.occurrences(plan, "America/New_York")
    local = [d.astimezone(ZoneInfo("America/New_York")) for d in deadlines]
    assert [d.date() for d in local] == [date(2027, 11, 5), date(2027, 11, 7),
                                         date(2027, 11, 9)]
    assert {d.time() for d in local} == {time(21, 30)}
    assert deadlines[0].hour == 1 and deadlines[2].hour == 2  # UTC-4, then UTC-5


def test_progress_fills_the_earliest_first_and_never_counts_a_streak() -> None:
    plan = Schedule(start=date(2027, 1, 4), per_week=3, weeks=2)
    deadlines = schedule.occurrences(plan, LONDON)
    now = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)  # three evenings have passed
    p = schedule.progress(deadlines, 1, now)
    assert (p.total, p.done, p.due, p.overdue) == (6, 1, 3, 2)
    assert p.next_due == deadlines[3]
    assert not p.finished
    done = schedule.progress(deadlines, 9, now)
    assert (done.done, done.due, done.overdue, done.finished) == (6, 0, 0, True)


@pytest.mark.parametrize("plan,words", [
    (Schedule(start=date(2027, 1, 1)), "either a due date or a repeat"),
    (Schedule(start=date(2027, 1, 1), due=date(2027, 1, 9), per_week=2, weeks=1),
     "either a due date or a repeat"),
    (Schedule(start=date(2027, 1, 9), due=date(2027, 1, 1)), "before the start"),
    (Schedule(start=date(2027, 1, 1), per_week=0, weeks=2), "1 to 7 times"),
    (Schedule(start=date(2027, 1, 1), per_week=8, weeks=2), "1 to 7 times"),
    (Schedule(start=date(2027, 1, 1), per_week=2, weeks=27), "1 to 26 weeks"),
])
def test_impossible_schedules_are_clear_errors(plan: Schedule, words: str) -> None:
    with pytest.raises(DomainError) as err:
        schedule.days(plan)
    assert words in err.value.message


def test_an_unknown_time_zone_is_a_clear_error() -> None:
    with pytest.raises(DomainError):
        schedule.occurrences(Schedule(start=date(2027, 1, 1), due=date(2027, 1, 2)),
                             "Mars/Olympus_Mons")
