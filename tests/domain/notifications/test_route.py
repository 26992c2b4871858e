"""How a due notice goes out: switches, quiet hours in the person's zone, looking, channels."""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain.notifications import Prefs, clock, minutes_of, parse_off, quiet_until, route

NOON = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
LATE_IN_NEW_YORK = datetime(2026, 7, 2, 3, 30, tzinfo=UTC)  # 23:30 in New York (EDT)


def go(kind: str = "proposed", prefs: Prefs | None = None, *, now: datetime = NOON,
       looking: bool = False, push: bool = True, email: bool = True) -> object:
    return route(kind, prefs or Prefs(), now=now, looking=looking,  # type: ignore[arg-type]
                 has_push=push, has_email=email)


def test_push_first_then_email_then_the_bell_alone() -> None:
    assert go().channels == ("push",)  # type: ignore[attr-defined]
    assert go(push=False).channels == ("email",)  # type: ignore[attr-defined]
    assert go("proposed", Prefs(push=False)).channels == ("email",)  # type: ignore[attr-defined]
    assert go("proposed", Prefs(push=False, email=False)).reason == "no_channel"  # type: ignore[attr-defined]


def test_someone_looking_is_not_interrupted() -> None:
    assert go(looking=True).reason == "looking"  # type: ignore[attr-defined]


def test_a_switch_turned_off_keeps_its_kinds_in_the_bell_only() -> None:
    prefs = Prefs(off=parse_off("planned,homework"))
    assert go("starts_now", prefs).reason == "switched_off"  # type: ignore[attr-defined]
    assert go("homework_overdue", prefs).reason == "switched_off"  # type: ignore[attr-defined]
    assert go("proposed", prefs).channels == ("push",)  # type: ignore[attr-defined]


def test_quiet_hours_are_the_persons_own_in_their_time_zone() -> None:
    ny = Prefs(timezone="America/New_York", quiet_start=22 * 60, quiet_end=7 * 60)
    utc = Prefs(timezone="UTC", quiet_start=22 * 60, quiet_end=7 * 60)
    assert quiet_until(utc, LATE_IN_NEW_YORK) is not None  # 03:30 UTC: quiet in UTC too
    assert quiet_until(ny, NOON) is None  # 08:00 in New York
    ends = quiet_until(ny, LATE_IN_NEW_YORK)
    assert ends == datetime(2026, 7, 2, 11, 0, tzinfo=UTC)  # 07:00 EDT the next morning
    # A proposal waits for the morning; a moment that matters only now stays in the bell.
    assert go("proposed", ny, now=LATE_IN_NEW_YORK).later == ends  # type: ignore[attr-defined]
    assert go("starts_now", ny, now=LATE_IN_NEW_YORK).reason == "quiet"  # type: ignore[attr-defined]
    daytime = Prefs(timezone="Europe/Berlin", quiet_start=13 * 60, quiet_end=15 * 60)
    assert quiet_until(daytime, NOON) == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    assert quiet_until(Prefs(quiet_start=None, quiet_end=None), LATE_IN_NEW_YORK) is None


def test_an_unknown_zone_counts_as_utc_and_times_parse_strictly() -> None:
    assert quiet_until(Prefs(timezone="Mars/Olympus"), LATE_IN_NEW_YORK) is not None
    assert minutes_of("07:05") == 425 and clock(425) == "07:05"
    for bad in ("", "7", "24:00", "07:60", "7:5", "ab:cd", "-1:00"):
        assert minutes_of(bad) is None, bad
