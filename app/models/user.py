"""Accounts, their passkeys and pending WebAuthn challenges."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A person with an Attune account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(sa.String(60))
    password_hash: Mapped[str | None] = mapped_column(sa.String(256), default=None)
    webauthn_handle: Mapped[bytes] = mapped_column(
        sa.LargeBinary(64), unique=True, default=lambda: secrets.token_bytes(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # A deleted account keeps only this row (no email, name or way in), so the partner's
    # shared history still holds together; it reads as "a former partner".
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Whether this partner lets the couple's slip marks and "this was a reflection" teach the
    # guard (``flask guard slips --export``); only couples where both said yes are exported.
    teaches_guard: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # "partner" (pairs and does exercises) or "therapist" (assigns homework, sees what both
    # partners of a linked couple agreed to share); one account is never both.
    role: Mapped[str] = mapped_column(sa.String(12), default="partner", server_default="partner")

    passkeys: Mapped[list[Passkey]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Passkey.id")

    @property
    def sign_in_methods(self) -> int:
        """How many ways in the account has (password plus passkeys)."""
        return (1 if self.password_hash else 0) + len(self.passkeys)


class Passkey(db.Model):  # type: ignore[name-defined,misc]
    """A WebAuthn credential (a passkey) registered to a user."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(2048))
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    transports: Mapped[str] = mapped_column(sa.String(200), default="")
    name: Mapped[str] = mapped_column(sa.String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    user: Mapped[User] = relationship(back_populates="passkeys")


class WebAuthnChallenge(db.Model):  # type: ignore[name-defined,misc]
    """A ceremony's challenge, kept server-side: single use, short-lived, bound to a session."""

    __tablename__ = "webauthn_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    binding: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    challenge: Mapped[bytes] = mapped_column(sa.LargeBinary(64))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), default=None)
    # Sign-up with a passkey alone: the account is made only when the ceremony succeeds.
    pending_email: Mapped[str | None] = mapped_column(sa.String(254), default=None)
    pending_name: Mapped[str | None] = mapped_column(sa.String(60), default=None)
    pending_handle: Mapped[bytes | None] = mapped_column(sa.LargeBinary(64), default=None)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    """Who did what security-relevant thing, when (never message content)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str] = mapped_column(sa.String(200), default="")
    ip: Mapped[str] = mapped_column(sa.String(64), default="")


class EmailToken(db.Model):  # type: ignore[name-defined,misc]
    """A single-use, expiring link sent by email: finish sign-up, reset a password, confirm a
    new address. Only the token's hash is kept."""

    __tablename__ = "email_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True)
    # Sign-up: the account is made only when the link is used.
    pending_name: Mapped[str | None] = mapped_column(sa.String(60), default=None)
    # A therapist's sign-up: {"practice": ..., "licence": ...}; the account becomes one.
    pending_therapist: Mapped[dict[str, str] | None] = mapped_column(sa.JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
