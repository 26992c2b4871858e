"""Couples, active memberships and pairing invites."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class Couple(db.Model):  # type: ignore[name-defined,misc]
    """Two partners. An unpaired couple keeps its row: its history stays readable to both."""

    __tablename__ = "couples"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_a_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    partner_b_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # The couple's time zone (IANA), for when homework is due; set from their phones.
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC", server_default="UTC")

    partner_a: Mapped[User] = relationship(foreign_keys=[partner_a_id])
    partner_b: Mapped[User] = relationship(foreign_keys=[partner_b_id])

    @property
    def active(self) -> bool:
        """Whether the two are still paired."""
        return self.ended_at is None

    def partner_ids(self) -> tuple[int, int]:
        """Both partners' user ids."""
        return (self.partner_a_id, self.partner_b_id)

    def other(self, user_id: int) -> User:
        """The partner of ``user_id``."""
        return self.partner_b if user_id == self.partner_a_id else self.partner_a


class Membership(db.Model):  # type: ignore[name-defined,misc]
    """A person's one active couple; the primary key on user_id makes 'one couple each' hold."""

    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    couple_id: Mapped[int] = mapped_column(
        sa.ForeignKey("couples.id", ondelete="CASCADE"), index=True)


class Invite(db.Model):  # type: ignore[name-defined,misc]
    """An invitation to pair: a link token (stored hashed) and a short code, single use."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    inviter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    used_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    inviter: Mapped[User] = relationship(foreign_keys=[inviter_id])
