"""Live connections, so any process can tell who is online."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Presence(db.Model):  # type: ignore[name-defined,misc]
    """One live socket of a user, refreshed by heartbeats; stale rows mean offline."""

    __tablename__ = "presence"

    sid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    namespace: Mapped[str] = mapped_column(sa.String(40), default="/")
    # The session record's key hash the socket was opened from: ending it closes exactly these.
    session_key: Mapped[str] = mapped_column(sa.String(64), default="", index=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The page this socket's tab shows while it is in front ("" when hidden or unknown):
    # someone already looking at what happened is not sent a notification about it.
    viewing: Mapped[str] = mapped_column(sa.String(200), default="")
