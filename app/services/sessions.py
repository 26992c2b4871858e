"""Signed-in sessions: a row per device, made at sign-in, checked on every request and socket
event, deleted at sign-out. Ending one closes exactly its live sockets, through a closer the
publisher seam (services know no transport)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.domain.accounts import devices
from app.domain.accounts.digest import stored_form
from app.extensions import db
from app.models import User, UserSession
from app.models.types import utcnow
from app.services import audit, publisher

# Last-seen is written at most this often per session, so requests are not all writes.
TOUCH_EVERY = timedelta(seconds=60)


def start(user: User, *, user_agent: str) -> str:
    """Record a new session for ``user`` and return its key (for the signed cookie only)."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=stored_form(key),
                               device=devices.describe(user_agent)[:80]))
    db.session.commit()
    return key


def _cutoffs() -> tuple[datetime, datetime]:
    """A session last used before the first, or started before the second, has expired."""
    now = utcnow()
    idle: timedelta = current_app.config["SESSION_IDLE_TIMEOUT"]
    absolute: timedelta = current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    return now - idle, now - absolute


def _expired(record: UserSession) -> bool:
    idle_cutoff, absolute_cutoff = _cutoffs()
    return record.last_seen_at < idle_cutoff or record.created_at < absolute_cutoff


# What a socket is told when the session it was opened from has ended.
ENDED = "Your session has ended. Please sign in again."


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who a live socket belongs to, fixed at its connect: the user and the session record it
    was opened from. Each event still checks that record is live (``live`` or ``LIVE`` folded
    into the event's own query), so ending the session ends the socket's rights at once."""

    id: int
    key_hash: str
    role: str = "partner"


# The same rule as ``_expired``, as SQL an event's query can carry (parameters: live_params):
# the account's role if the session is live, else NULL. The role is read afresh with it, so a
# socket's rights follow the account even while the socket stays open.
_S = UserSession.__table__
_U = User.__table__
LIVE_ROLE = sa.select(_U.c.role).select_from(_S.join(_U, _U.c.id == _S.c.user_id)).where(
    _S.c.user_id == sa.bindparam("live_user_id"), _S.c.key_hash == sa.bindparam("live_key_hash"),
    _S.c.last_seen_at >= sa.bindparam("live_idle_cutoff", type_=_S.c.last_seen_at.type),
    _S.c.created_at >= sa.bindparam("live_absolute_cutoff", type_=_S.c.created_at.type),
).scalar_subquery()
_LIVE_QUERY = sa.select(LIVE_ROLE)


def live_params(who: SessionUser) -> dict[str, Any]:
    """The parameters of ``LIVE_ROLE`` for one socket's session."""
    idle_cutoff, absolute_cutoff = _cutoffs()
    return {"live_user_id": who.id, "live_key_hash": who.key_hash,
            "live_idle_cutoff": idle_cutoff, "live_absolute_cutoff": absolute_cutoff}


def live_role(who: SessionUser) -> str | None:
    """The account's role if the session a socket was opened from is still live, else None
    (one small query)."""
    role = db.session.execute(_LIVE_QUERY, live_params(who)).scalar()
    return None if role is None else str(role)


def live(who: SessionUser) -> bool:
    """Whether the session a socket was opened from is still live (one small query)."""
    return live_role(who) is not None


def lookup(user_id: int, key: object) -> tuple[User, UserSession] | None:
    """The user and session a cookie names, if that session is still live (else None)."""
    if not isinstance(key, str) or not key:
        return None
    row = db.session.execute(
        sa.select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.key_hash == stored_form(key), User.id == user_id)).first()
    if row is None:
        return None
    user, record = row
    if _expired(record):
        _delete([record.key_hash])
        audit.record("session_expired", user_id=user.id)
        return None
    return user, record


def touch(record: UserSession) -> None:
    """Note that the session was used now (at most once a minute)."""
    now = utcnow()
    if now - record.last_seen_at < TOUCH_EVERY:
        return
    db.session.execute(sa.update(UserSession).where(UserSession.id == record.id)
                       .values(last_seen_at=now))
    db.session.commit()


def of_user(user: User) -> list[UserSession]:
    """``user``'s live sessions, most recently used first."""
    return list(db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def _delete(key_hashes: list[str]) -> None:
    if key_hashes:
        db.session.execute(sa.delete(UserSession).where(UserSession.key_hash.in_(key_hashes)))
    db.session.commit()
    publisher.close_sessions(key_hashes)


def end_key(key: object) -> None:
    """End the session a cookie names (signing out on this device)."""
    if isinstance(key, str) and key:
        _delete([stored_form(key)])


def end_one(user: User, session_id: object) -> str | None:
    """End one of ``user``'s sessions by its id; returns its device, None if not theirs."""
    record = db.session.get(UserSession, session_id) if isinstance(session_id, int) else None
    if record is None or record.user_id != user.id:
        return None
    device = record.device
    audit.record("session_ended", user_id=user.id, detail=device, commit=False)
    _delete([record.key_hash])
    return device


def end_all(user: User, *, keep_key: str | None = None, reason: str = "sign_out_all") -> int:
    """End every session of ``user`` except the one ``keep_key`` names; returns how many."""
    keep = stored_form(keep_key) if keep_key else None
    hashes = [h for h in db.session.scalars(
        sa.select(UserSession.key_hash).where(UserSession.user_id == user.id)) if h != keep]
    audit.record(reason, user_id=user.id, commit=False)
    _delete(hashes)
    return len(hashes)
