"""Single-use, expiring email links: made, looked up, and used exactly once."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.domain.accounts.digest import stored_form
from app.extensions import db
from app.models import EmailToken
from app.models.types import utcnow

LIFETIMES = {
    "reset": timedelta(hours=1),
    "signup": timedelta(hours=24),
    "email_change": timedelta(hours=24),
}


def issue(purpose: str, *, email: str, user_id: int | None = None, **pending: Any) -> str:
    """Make a link token (in the current transaction); earlier unused ones of the same purpose
    for the same account or address stop working. Returns the token for the link."""
    same = EmailToken.user_id == user_id if user_id is not None else EmailToken.email == email
    db.session.execute(sa.delete(EmailToken).where(
        EmailToken.purpose == purpose, same, EmailToken.used_at.is_(None)))
    db.session.execute(sa.delete(EmailToken).where(EmailToken.expires_at < utcnow()))
    token = secrets.token_urlsafe(32)
    db.session.add(EmailToken(purpose=purpose, token_hash=stored_form(token), email=email,
                              user_id=user_id, expires_at=utcnow() + LIFETIMES[purpose],
                              **pending))
    return token


def find(purpose: str, token: object) -> EmailToken | None:
    """The live (unused, unexpired) token of ``purpose``, or None."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    row = db.session.scalar(sa.select(EmailToken).where(
        EmailToken.token_hash == stored_form(token), EmailToken.purpose == purpose))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def use(row: EmailToken) -> bool:
    """Mark the token used, atomically (in the current transaction): False if it was already
    used or expired meanwhile, so two clicks can never both succeed."""
    done = db.session.execute(sa.update(EmailToken).where(
        EmailToken.id == row.id, EmailToken.used_at.is_(None),
        EmailToken.expires_at > utcnow()).values(used_at=utcnow()))
    return done.rowcount == 1
