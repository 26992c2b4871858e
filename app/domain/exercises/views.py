"""What one partner's screen may know about an exercise, and nothing more."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from types import MappingProxyType

from app.domain.errors import DomainError
from app.domain.exercises.actions import (
    BREAK_MINUTES_DEFAULT,
    BREAK_MINUTES_MAX,
    BREAK_MINUTES_MIN,
    NOTE_MAX,
    RATING_MAX,
    RATING_MIN,
    RESUME_MAX_HOURS,
    SCHEDULE_MAX_DAYS,
    TEXT_MAX,
)
from app.domain.exercises.catalog import SLIP_CHOICES, STRICTNESS_LABELS, get_kind
from app.domain.exercises.rules import REVEALED_STEPS, available_actions, is_perspective
from app.domain.exercises.state import (
    TERMINAL_PHASES,
    ExerciseState,
    iso,
    listener_of,
    other_partner,
    rating_of,
    role_of,
)

# The limits a screen needs to guide input before the rules refuse it; the rules stay the judge.
LIMITS = MappingProxyType({
    "text_max": TEXT_MAX,
    "note_max": NOTE_MAX,
    "rating_min": RATING_MIN,
    "rating_max": RATING_MAX,
    "break_minutes_min": BREAK_MINUTES_MIN,
    "break_minutes_max": BREAK_MINUTES_MAX,
    "break_minutes_default": BREAK_MINUTES_DEFAULT,
    "schedule_max_days": SCHEDULE_MAX_DAYS,
    "resume_max_hours": RESUME_MAX_HOURS,
})


def _iso(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


def _perspective_view(state: ExerciseState, viewer: int) -> dict[str, object] | None:
    """The Step into my shoes part of the view: the guess only for its author until it opens."""
    if not is_perspective(state):
        return None
    guess = state.guess
    opened = state.step in REVEALED_STEPS
    # The current turn's mark, while that turn lasts; all marks stay in ``marks``.
    mark = next((m for m in state.marks
                 if (m.round, m.turn) == (state.round, state.turn) and state.step), None)
    return {
        "step": state.step,
        "moment": state.moment,
        "guess_sealed": guess is not None,
        "guess_revealed": opened,
        "guess": {
            "by": guess.by, "felt": guess.felt, "needed": guess.needed,
        } if guess is not None and (opened or guess.by == viewer) else None,
        "mark": None if mark is None else {"score": mark.score, "missed": mark.missed},
        "marks": [
            {"round": m.round, "turn": m.turn, "speaker": m.speaker, "guesser": m.guesser,
             "score": m.score, "missed": m.missed}
            for m in state.marks
        ],
    }


def public_view(state: ExerciseState, *, viewer: int) -> dict[str, object]:
    """Return the JSON-safe screen state for ``viewer``; the partner's rating stays sealed."""
    if viewer not in state.partners:
        raise DomainError("You are not part of this exercise.", code="not_participant")
    kind = get_kind(state.kind)
    partner = other_partner(state, viewer)
    pause = kind.listener_pause_seconds
    may_answer_at = (
        state.last_share_at + timedelta(seconds=pause)
        if pause > 0 and state.last_share_at is not None and state.phase == "active"
        else None
    )
    mine = rating_of(state, viewer)
    theirs = rating_of(state, partner)
    revealed = mine is not None and theirs is not None
    on_break = state.phase == "on_break"
    return {
        "kind": kind.slug,
        "title": kind.title,
        "phase": state.phase,
        "topic": state.topic,
        "prompt": state.prompt,
        "strictness": state.strictness,
        "strictness_label": STRICTNESS_LABELS[state.strictness],
        "seq": state.seq,
        "me": viewer,
        "partner": partner,
        "proposed_by_me": state.proposer == viewer,
        "first_speaker": state.first_speaker,
        "turn": state.turn,
        "my_role": role_of(state, viewer),
        "speaker": state.speaker,
        "listener": listener_of(state),
        "my_floor": state.speaker == viewer,
        "created_at": iso(state.created_at),
        "scheduled_for": _iso(state.scheduled_for),
        "started_at": _iso(state.started_at),
        "listener_pause_seconds": pause,
        # The listener answers what was shared: nothing to reflect before the first piece.
        "speaker_has_shared": state.last_share_at is not None,
        "suggested_turn_minutes": kind.suggested_turn_minutes,
        "round": state.round,
        "max_rounds": kind.max_rounds,
        "round_wanted_by_me": viewer in state.round_wanted,
        "round_wanted_by_partner": partner in state.round_wanted,
        "listener_may_answer_at": _iso(may_answer_at),
        "pending_confirmation": state.pending_confirmation,
        "break": {
            "by": state.break_by,
            "by_me": state.break_by == viewer,
            "minutes": state.break_minutes,
            "started_at": _iso(state.break_started_at),
            "ends_at": _iso(state.break_ends_at),
            "resume_at": _iso(state.resume_at),
            "me_ready": viewer in state.ready,
            "partner_ready": partner in state.ready,
        } if on_break else None,
        "my_rating_done": mine is not None,
        "partner_rating_done": theirs is not None,
        "my_rating": None if mine is None else {
            "seen": mine.seen, "understood": mine.understood, "note": mine.note,
        },
        # Only once both have rated; the partner's private note is never shown.
        "partner_rating": {
            "seen": theirs.seen, "understood": theirs.understood,
        } if revealed and theirs is not None else None,
        # Over without completing (ended early, declined, cancelled): the screen's "ended" card.
        "ended": state.phase in TERMINAL_PHASES and state.phase != "complete",
        "ended_at": _iso(state.ended_at),
        "ended_by": state.ended_by,
        "ended_in": state.ended_in,
        "perspective": _perspective_view(state, viewer),
        # This turn's listener messages as the viewer may know them: the speaker the delivered
        # ones (to mark), the listener their own (held ones to call a reflection).
        "turn_messages": [
            {"seq": m.seq, "delivered": m.delivered, "feedback": m.feedback}
            for m in state.messages if m.delivered or m.by == viewer
        ],
        "actions": sorted(available_actions(state, actor=viewer)),
        "limits": dict(LIMITS),
    }


def screen_view(state: ExerciseState, *, viewer: int) -> dict[str, object]:
    """The live screen's view for ``viewer``: :func:`public_view` plus the catalog's words."""
    view = public_view(state, viewer=viewer)
    kind = get_kind(state.kind)
    view["speaker_instructions"] = list(kind.speaker_instructions)
    view["listener_instructions"] = list(kind.listener_instructions)
    view["question_bank"] = list(kind.question_bank)
    view["reflection_starters"] = list(kind.reflection_starters)
    view["pause_prompt"] = kind.pause_prompt
    view["check_text"] = kind.check_text
    view["confirm_choices"] = [{"kind": c.kind, "label": c.label} for c in kind.confirm_choices]
    view["slip_choices"] = [{"kind": c.kind, "label": c.label} for c in SLIP_CHOICES]
    view["perspective_texts"] = (None if kind.perspective is None
                                 else dataclasses.asdict(kind.perspective))
    return view
