"""How a due notice reaches its person: by push, by email, or only in the bell, or later.

Every notice lands in the bell. Push or email interrupt, so they follow the person's switches
and quiet hours (in their own time zone), and never interrupt someone already looking at the
page that shows what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from app.domain.errors import DomainError
from app.domain.notifications.kinds import SWITCH_OF, SWITCHES, TIMELY, Kind, Switch
from app.domain.therapy import schedule

Channel = Literal["push", "email"]
Reason = Literal["looking", "switched_off", "quiet", "no_channel"]
MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Prefs:
    """One person's choices: switches, channels, quiet hours (minutes after local midnight)."""

    off: frozenset[Switch] = frozenset()
    push: bool = True
    email: bool = True
    quiet_start: int | None = 22 * 60
    quiet_end: int | None = 7 * 60
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class Route:
    """Send now by ``channels``; or keep only in the bell (``reason``); or wait until ``later``."""

    channels: tuple[Channel, ...] = ()
    reason: Reason | None = None
    later: datetime | None = None
    notes: tuple[str, ...] = field(default=())


def zone(name: str) -> ZoneInfo:
    """The person's time zone; an unknown name falls back to UTC."""
    try:
        return schedule.zone(name)  # the one rule for which names are time zones
    except DomainError:
        return ZoneInfo("UTC")


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows."""
    try:
        schedule.zone(name)
    except DomainError:
        return False
    return True


def quiet_until(prefs: Prefs, now: datetime) -> datetime | None:
    """When the quiet hours around ``now`` end (UTC), or None if ``now`` is not in them."""
    if prefs.quiet_start is None or prefs.quiet_end is None or \
            prefs.quiet_start == prefs.quiet_end:
        return None
    local = now.astimezone(zone(prefs.timezone))
    minute = local.hour * 60 + local.minute
    start, end = prefs.quiet_start, prefs.quiet_end
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    day = local.date() if minute < end else local.date() + timedelta(days=1)
    ends = datetime.combine(day, time(end // 60, end % 60), tzinfo=local.tzinfo)
    return ends.astimezone(UTC)


def route(kind: Kind, prefs: Prefs, *, now: datetime, looking: bool, has_push: bool,
          has_email: bool) -> Route:
    """Decide how a due notice of ``kind`` goes out to the person with ``prefs``."""
    if looking:
        return Route(reason="looking")
    if SWITCH_OF[kind] in prefs.off:
        return Route(reason="switched_off")
    ends = quiet_until(prefs, now)
    if ends is not None:
        return Route(reason="quiet") if kind in TIMELY else Route(later=ends)
    if prefs.push and has_push:
        return Route(channels=("push",))
    if prefs.email and has_email:
        return Route(channels=("email",))
    return Route(reason="no_channel")


def parse_off(value: str) -> frozenset[Switch]:
    """The switches turned off, from their stored comma-separated form (unknown ones ignored)."""
    return frozenset(s for s in SWITCHES if s in value.split(","))


def minutes_of(value: str) -> int | None:
    """``HH:MM`` as minutes after midnight; None for an empty or malformed value."""
    hours, sep, minutes = value.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        return None
    h, m = int(hours), int(minutes)
    if not (0 <= h < 24 and 0 <= m < 60):
        return None
    return h * 60 + m


def clock(minutes: int | None) -> str:
    """Minutes after midnight as ``HH:MM`` (empty for None)."""
    if minutes is None:
        return ""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
