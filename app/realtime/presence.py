"""The default namespace: presence of the two partners."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import emit

from app.realtime.base import AuthedNamespace, enter_room, guarded, viewing
from app.services import presence
from app.services.pairing import active_couple
from app.services.sessions import SessionUser


class PresenceNamespace(AuthedNamespace):
    """Tells each partner when the other comes and goes (a therapist's pages use it only for
    their connection state and updates to their own room)."""

    roles = frozenset({"partner", "therapist"})

    def joined(self, user_id: int) -> None:
        """Join the user's and the couple's rooms, and tell the partner we're here."""
        if not enter_room(f"user:{user_id}"):
            return
        couple = active_couple(user_id)
        if couple is not None and enter_room(f"couple:{couple.id}"):
            partner = couple.other(user_id)
            online = presence.online_user_ids([partner.id])
            emit("presence", _presence(partner.id, online=partner.id in online))
            emit("presence", _presence(user_id, online=True), to=f"couple:{couple.id}",
                 include_self=False)

    def on_disconnect(self, reason: Any = None) -> None:
        """Forget the socket; tell the partner if this was the user's last one."""
        who = self.socket_user()
        super().on_disconnect(reason)
        if who is None:
            return
        couple = active_couple(who.id)
        if couple is not None and who.id not in presence.online_user_ids([who.id]):
            emit("presence", _presence(who.id, online=False),
                 to=f"couple:{couple.id}", include_self=False)

    @guarded
    def on_heartbeat(self, who: SessionUser, data: Any = None) -> dict[str, Any]:
        """Keep this socket counted as online, and renew the partner's view of it.

        The answer tells the client when to beat next, so the interval is the server's. The
        beat says which page the tab shows and whether it is in front (for notifications).
        """
        presence.heartbeat(sid=request.sid, user_id=who.id, namespace=self.namespace,
                           session_key=who.key_hash,
                           viewing=viewing(data) if isinstance(data, dict) and data else None)
        couple = active_couple(who.id)
        if couple is not None:
            emit("presence", _presence(who.id, online=True), to=f"couple:{couple.id}",
                 include_self=False)
        return {"ok": True, "every": presence.heartbeat_seconds(),
                "away_after": presence.away_after_seconds()}


    @guarded
    def on_viewing(self, who: SessionUser, data: Any = None) -> dict[str, Any]:
        """The tab came to the front or went to the back (or changed page): no beat, no
        presence message, only what it shows now."""
        presence.set_viewing(sid=request.sid, viewing=viewing(data))
        return {"ok": True}


def _presence(user_id: int, *, online: bool) -> dict[str, Any]:
    """A presence message: an ``online`` one holds for ``away_after`` seconds unless renewed."""
    return {"user_id": user_id, "online": online, "away_after": presence.away_after_seconds()}
