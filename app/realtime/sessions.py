"""Closing live sockets when their HTTP session ends, on whichever process holds them."""

from __future__ import annotations

from app.extensions import socketio
from app.services.presence import disconnected, sockets_of_sessions


def close_sessions(key_hashes: list[str]) -> int:
    """Disconnect every socket opened from these sessions; returns how many were asked."""
    targets = sockets_of_sessions(key_hashes)
    for sid, namespace in targets:
        try:
            # With a message queue this reaches the process that holds the socket.
            socketio.server.disconnect(sid, namespace=namespace)
        except (KeyError, ValueError):
            pass
        disconnected(sid=sid)
    return len(targets)
