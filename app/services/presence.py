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


def connected(*, sid: str, user_id: int, namespace: str = "/", session_key: str = "",
              viewing: str = "") -> None:
    """Record a new live socket (and the page its tab shows, if it said)."""
    db.session.merge(Presence(sid=sid, user_id=user_id, namespace=namespace,
                              session_key=session_key, seen_at=utcnow(), viewing=viewing))
    db.session.commit()


def heartbeat(*, sid: str, user_id: int, namespace: str = "/", session_key: str = "",
              viewing: str | None = None) -> None:
    """Refresh a live socket's time (re-adding it if a restart forgot it); ``viewing`` is the
    page its tab shows now ("" when the tab is hidden; None leaves it as it was)."""
    values: dict[str, object] = {"seen_at": utcnow()}
    if viewing is not None:
        values["viewing"] = viewing
    done = db.session.execute(sa.update(Presence).where(Presence.sid == sid).values(**values))
    if done.rowcount == 0:
        db.session.add(Presence(sid=sid, user_id=user_id, namespace=namespace,
                                session_key=session_key, seen_at=utcnow(),
                                viewing=viewing or ""))
    db.session.commit()


def set_viewing(*, sid: str, viewing: str) -> None:
    """A live socket's tab now shows ``viewing`` ("" when hidden). A socket already gone
    stays gone: a tab being closed says it is hidden after its socket closed."""
    db.session.execute(sa.update(Presence).where(Presence.sid == sid).values(viewing=viewing))
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


def clean_page(value: object) -> str:
    """A page path a client says it shows: a site path only (else "")."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//") \
            or len(value) > 200:
        return ""
    return value.split("?", 1)[0].split("#", 1)[0]


def looking_at(user_id: int, pages: Iterable[str]) -> bool:
    """Whether the user has one of ``pages`` open, in front, on a live socket right now."""
    wanted = [p for p in pages if p]
    if not wanted:
        return False
    found = db.session.scalar(sa.select(Presence.sid).where(
        Presence.user_id == user_id, Presence.viewing.in_(wanted),
        Presence.seen_at > utcnow() - timedelta(seconds=away_after_seconds())).limit(1))
    return found is not None
