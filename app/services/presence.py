"""Who is online: live sockets recorded in the database, so every process agrees."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Presence
from app.models.types import utcnow

# Clients beat as often as the server tells them (PRESENCE_HEARTBEAT_SECONDS, 25 s by default);
# after three missed beats a socket counts as gone, here and on the partner's screen.
HEARTBEAT_SECONDS = 25
MISSED_BEATS = 3


def heartbeat_seconds() -> int:
    """How often a client should send its heartbeat."""
    return int(current_app.config.get("PRESENCE_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))


def away_after_seconds() -> int:
    """How long after its last heartbeat a user counts as away."""
    return heartbeat_seconds() * MISSED_BEATS


def connected(*, sid: str, user_id: int, namespace: str = "/", session_key: str = "") -> None:
    """Record a new live socket."""
    db.session.merge(Presence(sid=sid, user_id=user_id, namespace=namespace,
                              session_key=session_key, seen_at=utcnow()))
    db.session.commit()


def heartbeat(*, sid: str, user_id: int, namespace: str = "/", session_key: str = "") -> None:
    """Refresh a live socket's time (re-adding it if a restart forgot it)."""
    done = db.session.execute(sa.update(Presence).where(Presence.sid == sid)
                              .values(seen_at=utcnow()))
    if done.rowcount == 0:
        db.session.add(Presence(sid=sid, user_id=user_id, namespace=namespace,
                                session_key=session_key, seen_at=utcnow()))
    db.session.commit()


def sockets_of_sessions(session_keys: list[str]) -> list[tuple[str, str]]:
    """The (sid, namespace) pairs of the live sockets opened from these sessions."""
    if not session_keys:
        return []
    query = sa.select(Presence.sid, Presence.namespace).where(
        Presence.session_key.in_(session_keys))
    return [(sid, ns) for sid, ns in db.session.execute(query).all()]


def disconnected(*, sid: str) -> None:
    """Forget a socket that closed."""
    db.session.execute(sa.delete(Presence).where(Presence.sid == sid))
    db.session.commit()


def online_user_ids(user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` have a live socket."""
    ids = list(user_ids)
    if not ids:
        return set()
    rows = db.session.scalars(sa.select(Presence.user_id).where(
        Presence.user_id.in_(ids),
        Presence.seen_at > utcnow() - timedelta(seconds=away_after_seconds()))).all()
    return set(rows)
