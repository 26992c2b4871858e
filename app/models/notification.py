"""Notifications: each person's choices, their push subscriptions, and the notifications
themselves (the bell's list and the worker's queue in one table)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class NotificationSettings(db.Model):  # type: ignore[name-defined,misc]
    """What a person wants to hear about, how, and when not to be disturbed."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # Switches turned off, comma-separated (domain/notifications/kinds.py: SWITCHES).
    off: Mapped[str] = mapped_column(sa.String(200), default="")
    push: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)
    # Quiet hours as minutes after local midnight; None means no quiet hours.
    quiet_start: Mapped[int | None] = mapped_column(default=22 * 60)
    quiet_end: Mapped[int | None] = mapped_column(default=7 * 60)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")


class PushSubscription(db.Model):  # type: ignore[name-defined,misc]
    """One browser's Web Push subscription (removed when the push service says it expired)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(200))
    auth: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(db.Model):  # type: ignore[name-defined,misc]
    """One thing to tell one person. ``status``: pending until due and handled; then sent
    (by push or email), kept (in the bell only: looking, switched off, quiet, no channel) or
    withdrawn (a planned time changed). The worker locks a pending row while sending it."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "key", name="uq_notifications_user_id_key"),
        sa.Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    key: Mapped[str] = mapped_column(sa.String(120))
    exercise_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("exercises.id", ondelete="CASCADE"), default=None)
    title: Mapped[str] = mapped_column(sa.String(160))
    body: Mapped[str] = mapped_column(sa.String(300))
    path: Mapped[str] = mapped_column(sa.String(200))
    # Pages that also show it (space-separated): someone looking at one is not interrupted.
    shown_on: Mapped[str] = mapped_column(sa.String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # How it went out ("push", "email") or why it stayed in the bell ("looking", "quiet", …).
    outcome: Mapped[str] = mapped_column(sa.String(20), default="")
    # Push subscriptions already reached, so a retry after a partial failure skips them.
    reached: Mapped[Any] = mapped_column(sa.JSON, default=list)
    last_error: Mapped[str] = mapped_column(sa.String(200), default="")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
