"""Failed password sign-ins per email address (hashed), shared by every process."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class SignInThrottle(db.Model):  # type: ignore[name-defined,misc]
    """One address's recent failed passwords; known and unknown addresses alike."""

    __tablename__ = "sign_in_throttle"

    email_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
