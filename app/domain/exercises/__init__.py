"""Exercises: the catalog and the pure turn state machine the services drive."""

from __future__ import annotations

from app.domain.exercises.actions import (
    Accept,
    Action,
    AnotherRound,
    CallBreak,
    Cancel,
    Check,
    ClientAction,
    Confirm,
    Decline,
    EndEarly,
    EndTurn,
    FirstSpeakerChoice,
    Guess,
    ListenerMessage,
    MarkAccuracy,
    NameMoment,
    Rate,
    Ready,
    Reveal,
    Say,
    Schedule,
    Share,
    Start,
    Strictness,
    VerdictAction,
)
from app.domain.exercises.catalog import (
    CATALOG,
    CHECK_TEXT,
    ConfirmChoice,
    ConfirmKind,
    ExerciseKind,
    PerspectiveTexts,
    get_kind,
)
from app.domain.exercises.parse import (
    ACTION_TYPES,
    Proposal,
    parse_action,
    parse_proposal,
    parse_time,
)
from app.domain.exercises.projection import FORMER_PARTNER, Shown, project
from app.domain.exercises.rules import RULES, available_actions, is_perspective
from app.domain.exercises.state import (
    AccuracyMark,
    CorruptStateError,
    Event,
    EventType,
    ExerciseState,
    PerspectiveStep,
    Phase,
    Rating,
    SealedGuess,
    event_to_dict,
    knows_guard_context,
    listener_of,
    role_of,
    state_from_dict,
    state_to_dict,
    visible,
)
from app.domain.exercises.turns import (
    apply,
    delivered,
    held_in_a_row,
    may_send_anyway,
    new_exercise,
    resolve_first_speaker,
    resolve_say,
)
from app.domain.exercises.views import public_view, screen_view

__all__ = [
    "ACTION_TYPES", "CATALOG", "CHECK_TEXT", "FORMER_PARTNER", "RULES",
    "Accept", "AccuracyMark", "Action", "AnotherRound", "CallBreak", "Cancel", "Check",
    "ClientAction",
    "Confirm", "ConfirmChoice", "ConfirmKind", "CorruptStateError", "Decline", "EndEarly",
    "EndTurn", "Event", "EventType",
    "ExerciseKind", "ExerciseState", "FirstSpeakerChoice", "Guess", "ListenerMessage",
    "MarkAccuracy", "NameMoment", "PerspectiveStep", "PerspectiveTexts", "Phase",
    "Proposal", "Rate", "Rating", "Ready", "Reveal", "Say", "Schedule", "SealedGuess", "Share",
    "Shown", "Start", "Strictness", "VerdictAction",
    "apply", "available_actions", "delivered", "event_to_dict", "get_kind", "held_in_a_row",
    "is_perspective", "knows_guard_context",
    "listener_of", "may_send_anyway",
    "new_exercise",
    "parse_action", "parse_proposal", "parse_time", "project", "public_view",
    "resolve_first_speaker",
    "resolve_say", "role_of", "screen_view", "state_from_dict", "state_to_dict", "visible",
]
