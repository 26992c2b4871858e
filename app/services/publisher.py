"""One publisher turns stored domain events into Socket.IO messages, per partner."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from app.domain import exercises as ex
from app.extensions import db, socketio

log = logging.getLogger("attune.publisher")
NAMESPACE = "/exercise"
PHASE_EVENTS = frozenset({"proposed", "scheduled", "declined", "cancelled", "started",
                          "break_called", "resumed", "turn_ended", "ended_early", "completed"})


def room_for(exercise_id: int, user_id: int) -> str:
    """Each partner's sockets on one exercise share a room: views differ per partner."""
    return f"ex:{exercise_id}:u:{user_id}"


def events_for(events: list[ex.Event], *, viewer: int, partners: tuple[int, int],
               names: Mapping[int, str]) -> list[dict[str, object]]:
    """The events as ``viewer`` may see them, in the shape the live screen reads."""
    shown = (ex.project(e, viewer=viewer, partners=partners, names=names) for e in events)
    return [s.as_dict() for s in shown if s is not None]


def publish(exercise_id: int, state: ex.ExerciseState, events: list[ex.Event],
            names: Mapping[int, str]) -> None:
    """Send the new events and view to both partners (call after the commit)."""
    for user_id in state.partners:
        message: dict[str, Any] = {
            "exercise_id": exercise_id,
            "seq": state.seq,
            "events": events_for(events, viewer=user_id, partners=state.partners, names=names),
            "view": ex.screen_view(state, viewer=user_id),
        }
        socketio.emit("events", message, to=room_for(exercise_id, user_id), namespace=NAMESPACE)
        if not PHASE_EVENTS.intersection(e.type for e in events):
            continue
        # The home screen hears about proposals, breaks and endings, not every message.
        socketio.emit("exercise", {"exercise_id": exercise_id, "phase": state.phase,
                                   "kind": state.kind}, to=f"user:{user_id}", namespace="/")
    notify(exercise_id, state, events, names)


def notify(exercise_id: int, state: ex.ExerciseState, events: list[ex.Event],
           names: Mapping[int, str]) -> None:
    """Record the notifications the events call for (the worker sends them when due), and
    update the bell of anyone with something new. The action itself is already stored, so a
    failure here is logged, never turned into the action's failure."""
    from app.services import notifications

    try:
        told = notifications.exercise_events(exercise_id, state, events, names)
    except Exception:
        db.session.rollback()
        log.exception("notifications for exercise %s not recorded", exercise_id)
        return
    for user_id in set(told):
        bell(user_id)


def bell(user_id: int) -> None:
    """Tell the person's open pages how many unread notifications they have."""
    from app.services.notifications import unread_count

    socketio.emit("inbox", {"unread": unread_count(user_id)}, to=f"user:{user_id}",
                  namespace="/")


def paired(couple: Any) -> None:
    """Tell both partners' open screens that they are now a couple (call after the commit)."""
    for user_id in couple.partner_ids():
        socketio.emit("paired", {"couple_id": couple.id}, to=f"user:{user_id}", namespace="/")
