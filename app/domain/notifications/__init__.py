"""Reminders and partner alerts: what notifies whom, when, and in which words (pure)."""

from __future__ import annotations

from app.domain.notifications.kinds import (
    KINDS,
    SWITCH_LABELS,
    SWITCH_OF,
    SWITCHES,
    TIMELY,
    Kind,
    Names,
    Switch,
    Wording,
    wording,
)
from app.domain.notifications.plan import (
    Notice,
    Plan,
    exercise_path,
    for_exercise,
    for_homework,
    for_homework_done,
    for_sharing_changed,
    for_therapist_linked,
    planned_prefix,
)
from app.domain.notifications.route import (
    Channel,
    Prefs,
    Route,
    clock,
    minutes_of,
    parse_off,
    quiet_until,
    route,
    valid_timezone,
)

__all__ = [
    "KINDS", "SWITCHES", "SWITCH_LABELS", "SWITCH_OF", "TIMELY",
    "Channel", "Kind", "Names", "Notice", "Plan", "Prefs", "Route", "Switch", "Wording",
    "clock", "exercise_path", "for_exercise", "for_homework", "for_homework_done",
    "for_sharing_changed", "for_therapist_linked", "minutes_of", "parse_off", "planned_prefix",
    "quiet_until", "route", "valid_timezone", "wording",
]
