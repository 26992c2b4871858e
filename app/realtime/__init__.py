"""Socket.IO wiring: origin check, size caps, optional Redis queue, and the namespaces."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.extensions import socketio

MAX_PACKET = 32 * 1024


def origin_check(allowed: list[str]) -> Any:
    """Engine.IO's handshake check: only the configured origins may open a browser socket.

    It runs before Flask sees the request, so it closes over the app's list.
    """
    origins = frozenset(o.rstrip("/") for o in allowed)

    def origin_allowed(origin: str | None, environ: dict[str, Any] | None = None) -> bool:
        return origin is not None and origin.rstrip("/") in origins

    return origin_allowed


def init_realtime(app: Flask) -> None:
    """Bind Socket.IO to the app and register the namespaces."""
    from app.realtime.base import init_event_limits
    from app.realtime.exercise import ExerciseNamespace
    from app.realtime.presence import PresenceNamespace
    from app.realtime.publisher import SocketIOPublisher
    from app.realtime.therapist import TherapistNamespace
    from app.services import publisher

    socketio.init_app(
        app,
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE"),
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        channel=app.config.get("SOCKETIO_CHANNEL", "attune"),
        cors_allowed_origins=origin_check(app.config["ALLOWED_ORIGINS"]),
        max_http_buffer_size=MAX_PACKET,
        ping_interval=20,
        ping_timeout=20,
        manage_session=True,
        logger=False,
        engineio_logger=False,
    )
    init_event_limits(app)
    socketio.on_namespace(PresenceNamespace("/"))
    socketio.on_namespace(ExerciseNamespace("/exercise"))
    socketio.on_namespace(TherapistNamespace("/therapist"))
    publisher.install(app, SocketIOPublisher())
