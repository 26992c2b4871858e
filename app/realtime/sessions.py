"""Ending live sockets when their HTTP session ends, on whichever process holds them."""

from __future__ import annotations

from app.extensions import socketio
from app.services.presence import disconnected, sockets_of


def disconnect_user(user_id: int, *, session_key: str | None = None) -> int:
    """Disconnect the user's sockets (of one session, or all); returns how many were asked."""
    targets = sockets_of(user_id, session_key=session_key)
    for sid, namespace in targets:
        try:
            # With a message queue this reaches the process that holds the socket.
            socketio.server.disconnect(sid, namespace=namespace)
        except (KeyError, ValueError):
            pass
        disconnected(sid=sid)
    return len(targets)
