"""The /exercise namespace: join with replay, and actions acknowledged once stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.errors import DomainError
from app.realtime.base import AuthedNamespace, enter_room, guarded
from app.realtime.publisher import room_for
from app.services import exercises
from app.services.sessions import SessionUser

JOIN_FIELDS = frozenset({"exercise_id", "after_seq"})
ACT_FIELDS = frozenset({"exercise_id", "client_id", "type", "payload"})


def _fields(data: Any, allowed: frozenset[str]) -> Mapping[str, Any]:
    """Schema check of the outer envelope: an object with known fields only."""
    if not isinstance(data, Mapping):
        raise DomainError("The message must be a JSON object.", code="invalid")
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise DomainError(f"Unknown field: {str(unknown[0])[:40]}.", code="invalid")
    return data


class ExerciseNamespace(AuthedNamespace):
    """Thin adapter: parse, call the exercise service, return the acknowledgement."""

    @guarded
    def on_join(self, who: SessionUser, data: Any = None) -> dict[str, Any]:
        """Subscribe to an exercise and get what was missed since ``after_seq``."""
        fields = _fields(data, JOIN_FIELDS)
        result = exercises.replay(who, exercise_id=fields.get("exercise_id"),
                                  after_seq=fields.get("after_seq", 0))
        enter_room(room_for(result["exercise_id"], who.id))
        return result

    @guarded(checks_session=True)
    def on_act(self, who: SessionUser, data: Any = None) -> dict[str, Any]:
        """Apply one action; a retry with the same client id gets the same answer."""
        fields = _fields(data, ACT_FIELDS)
        return exercises.act(who, exercise_id=fields.get("exercise_id"),
                             client_id=fields.get("client_id"), type_=fields.get("type"),
                             payload=fields.get("payload"), session=who)
