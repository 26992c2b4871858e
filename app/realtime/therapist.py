"""The /therapist namespace: a therapist's open pages follow their linked couples live.

Each ``watch`` is checked against both partners' consent like a page request, and logged.
When a partner narrows what they share or ends the link, the publisher tells the page to
refresh and closes the sockets following that couple; the page reconnects and watches again,
seeing only what is still shared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from flask_login import current_user

from app.domain.errors import DomainError
from app.realtime.base import AuthedNamespace, enter_room, guarded
from app.realtime.publisher import therapist_room
from app.services import therapy
from app.services.dashboard import couple_summary_json
from app.services.sessions import SessionUser

WATCH_FIELDS = frozenset({"couple_id"})


class TherapistNamespace(AuthedNamespace):
    """Thin adapter: check access, join the couple's room, answer with what may be seen."""

    roles = frozenset({"therapist"})

    def on_disconnect(self, reason: Any = None) -> None:
        """Forget the socket and what it followed."""
        super().on_disconnect(reason)
        therapy.socket_closed(request.sid)

    @guarded
    def on_watch(self, who: SessionUser, data: Any = None) -> dict[str, Any]:
        """Follow one linked couple; the answer holds what the therapist may see now (a rare
        event: the therapist's account is loaded for it)."""
        if not isinstance(data, Mapping) or set(data) - WATCH_FIELDS:
            raise DomainError("Send {couple_id}.", code="invalid")
        acc = therapy.watch(current_user, data.get("couple_id"), request.sid)
        enter_room(therapist_room(current_user.id, acc.couple.id))
        return {"ok": True, **couple_summary_json(current_user, acc)}
