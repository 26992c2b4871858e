"""Exercises and their ordered event log: the shared history is built from these rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Exercise(db.Model):  # type: ignore[name-defined,misc]
    """One exercise of one couple. ``state`` is the domain state as JSON; ``version`` guards it."""

    __tablename__ = "exercises"
    __table_args__ = (sa.Index("ix_exercises_couple_id_created_at", "couple_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(
        sa.ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    phase: Mapped[str] = mapped_column(sa.String(20), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    seq: Mapped[int] = mapped_column(default=0)
    # Optimistic concurrency: an update names the version it read; only one writer wins.
    version: Mapped[int] = mapped_column(default=1)
    # The therapists' homework table comes later; the column is already here for it.
    homework_id: Mapped[int | None] = mapped_column(default=None)
    # The prompt it was proposed with (a deck prompt's id or own:<id>), to mark used prompts.
    prompt_ref: Mapped[str | None] = mapped_column(sa.String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Copied from the state on every write, so the history list never parses the JSON.
    topic: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    first_speaker_id: Mapped[int | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The numbers of a finished exercise (domain/exercises/metrics.py), computed once.
    stats: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, default=None)


class ExerciseEvent(db.Model):  # type: ignore[name-defined,misc]
    """One numbered event of an exercise: messages, confirmations, breaks, guard verdicts."""

    __tablename__ = "exercise_events"
    __table_args__ = (sa.UniqueConstraint("exercise_id", "seq", name="uq_event_seq"),
                      sa.Index("ix_exercise_events_exercise_id_type", "exercise_id", "type"))

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(sa.String(30))
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # None: both partners see it; otherwise only this user (held messages, sealed ratings).
    visible_to_id: Mapped[int | None] = mapped_column(default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Listener messages, typed for the insights: the guard's label and action, whether the
    # speaker got it, the model that judged it, and the share it answered (checks too).
    guard_label: Mapped[str | None] = mapped_column(sa.String(40), default=None)
    guard_action: Mapped[str | None] = mapped_column(sa.String(10), default=None)
    delivered: Mapped[bool | None] = mapped_column(default=None)
    model_version: Mapped[str | None] = mapped_column(sa.String(40), default=None)
    answers_seq: Mapped[int | None] = mapped_column(default=None)


class ExerciseRating(db.Model):  # type: ignore[name-defined,misc]
    """One partner's rating of one exercise; ``revealed_at`` is set once both have rated."""

    __tablename__ = "exercise_ratings"
    __table_args__ = (sa.UniqueConstraint("exercise_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    seen: Mapped[int]
    understood: Mapped[int]
    # Private to the rater, always.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class PartnerStats(db.Model):  # type: ignore[name-defined,misc]
    """One partner's numbers in one started, finished exercise (domain/exercises/metrics.py),
    typed, so the insights page reads a thousand exercises without parsing any JSON."""

    __tablename__ = "exercise_partner_stats"
    __table_args__ = (sa.Index("ix_exercise_partner_stats_user_id_at", "user_id", "at"),)

    exercise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    seen: Mapped[int | None]
    understood: Mapped[int | None]
    gap: Mapped[int | None]
    messages: Mapped[int]
    questions: Mapped[int]
    held: Mapped[int]
    landed: Mapped[int]
    first_tries: Mapped[int]
    first_try_landed: Mapped[int]
    # Seconds from each share to this partner's first answer, comma-separated.
    answer_seconds: Mapped[str] = mapped_column(sa.Text, default="")
    # Step into my shoes: the mean of the marks this partner's guesses got (0-10), if any.
    accuracy: Mapped[float | None]


class ClientAction(db.Model):  # type: ignore[name-defined,misc]
    """A client-made action id, so a retried action is answered, not applied twice."""

    __tablename__ = "client_actions"
    __table_args__ = (sa.UniqueConstraint("exercise_id", "client_id", name="uq_client_action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    ack: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
