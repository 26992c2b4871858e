"""A couple's own prompts: private to the two of them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class CouplePrompt(db.Model):  # type: ignore[name-defined,misc]
    """One prompt a couple wrote for themselves; only that couple can see or use it."""

    __tablename__ = "couple_prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(
        sa.ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    text: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
