"""The Socket.IO implementation of the services' publisher (``app/services/publisher.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain import exercises as ex
from app.extensions import socketio
from app.services import publisher as seam

NAMESPACE = "/exercise"
THERAPIST_NAMESPACE = "/therapist"
PHASE_EVENTS = frozenset({"proposed", "scheduled", "declined", "cancelled", "started",
                          "break_called", "resumed", "turn_ended", "ended_early", "completed"})
# Events after which a therapist may see less: their sockets on that couple are closed.
NARROWING = frozenset({seam.SHARING_CHANGED, seam.LINK_ENDED})


def room_for(exercise_id: int, user_id: int) -> str:
    """Each partner's sockets on one exercise share a room: views differ per partner."""
    return f"ex:{exercise_id}:u:{user_id}"


def therapist_room(therapist_id: int, couple_id: int) -> str:
    """A therapist's sockets following one couple."""
    return f"th:{therapist_id}:c:{couple_id}"


class SocketIOPublisher:
    """Turns what services publish into Socket.IO messages (through the message queue when
    scaled out, so the process holding a socket delivers it)."""

    def exercise(self, exercise_id: int, state: ex.ExerciseState, events: list[ex.Event],
                 names: Mapping[int, str]) -> None:
        """Send the new events and view to both partners."""
        for user_id in state.partners:
            message: dict[str, Any] = {
                "exercise_id": exercise_id,
                "seq": state.seq,
                "events": seam.events_for(events, viewer=user_id, partners=state.partners,
                                          names=names),
                "view": ex.screen_view(state, viewer=user_id),
            }
            socketio.emit("events", message, to=room_for(exercise_id, user_id),
                          namespace=NAMESPACE)
            if not PHASE_EVENTS.intersection(e.type for e in events):
                continue
            # The home screen hears about proposals, breaks and endings, not every message.
            socketio.emit("exercise", {"exercise_id": exercise_id, "phase": state.phase,
                                       "kind": state.kind}, to=f"user:{user_id}", namespace="/")

    def paired(self, couple_id: int, partner_ids: tuple[int, int]) -> None:
        """Tell both partners' open screens that they are now a couple."""
        for user_id in partner_ids:
            socketio.emit("paired", {"couple_id": couple_id}, to=f"user:{user_id}",
                          namespace="/")

    def close_sessions(self, key_hashes: list[str]) -> None:
        """Disconnect every socket opened from these sessions."""
        from app.realtime.sessions import close_sessions

        close_sessions(key_hashes)

    def domain_event(self, event: seam.DomainEvent) -> None:
        """Tell the therapist's open pages on the couple (and the partners' home screens) to
        refresh; after a narrowing, close the therapist's sockets on that couple."""
        from app.services.therapy import forget_watches

        room = therapist_room(event.therapist_id, event.couple_id)
        socketio.emit("couple", {"event": event.name, "couple_id": event.couple_id},
                      to=room, namespace=THERAPIST_NAMESPACE)
        for user_id in event.partner_ids:
            socketio.emit("therapy", {"event": event.name}, to=f"user:{user_id}",
                          namespace="/")
        if event.name in NARROWING:
            for sid in forget_watches(therapist_id=event.therapist_id,
                                      couple_id=event.couple_id):
                try:
                    socketio.server.disconnect(sid, namespace=THERAPIST_NAMESPACE)
                except (KeyError, ValueError):
                    pass
