"""Therapists: their profile, links to couples, consent history, homework and the access log."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class TherapistProfile(db.Model):  # type: ignore[name-defined,misc]
    """What a therapist account adds: the practice, and an optional licence note."""

    __tablename__ = "therapist_profiles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    practice_name: Mapped[str] = mapped_column(sa.String(120))
    licence_note: Mapped[str] = mapped_column(sa.String(200), default="")


class TherapistInvite(db.Model):  # type: ignore[name-defined,misc]
    """A therapist's invitation to a couple: a link token (hashed) and a code, single use."""

    __tablename__ = "therapist_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    link_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("therapy_links.id", ondelete="SET NULL"), default=None)


class TherapyLink(db.Model):  # type: ignore[name-defined,misc]
    """A therapist linked to a couple; visible only once both partners accepted, until ended."""

    __tablename__ = "therapy_links"
    __table_args__ = (sa.Index("ix_therapy_links_couple_id_therapist_id", "couple_id",
                               "therapist_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    end_reason: Mapped[str] = mapped_column(sa.String(40), default="")


class ConsentChange(db.Model):  # type: ignore[name-defined,misc]
    """One partner's choice for one link, kept forever: who granted what, when; a null level
    is a withdrawal. The latest row per partner is their current choice."""

    __tablename__ = "consent_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        sa.ForeignKey("therapy_links.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    level: Mapped[str | None] = mapped_column(sa.String(20), default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Homework(db.Model):  # type: ignore[name-defined,misc]
    """An exercise a therapist assigned to a couple, due once or on a repeat."""

    __tablename__ = "homework"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        sa.ForeignKey("therapy_links.id", ondelete="CASCADE"), index=True)
    couple_id: Mapped[int] = mapped_column(
        sa.ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    therapist_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    topic: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    strictness: Mapped[str] = mapped_column(sa.String(10), default="gentle")
    starts_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date | None] = mapped_column(sa.Date, default=None)
    per_week: Mapped[int | None] = mapped_column(default=None)
    weeks: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class HomeworkDone(db.Model):  # type: ignore[name-defined,misc]
    """One finished exercise that was started from a piece of homework."""

    __tablename__ = "homework_done"

    id: Mapped[int] = mapped_column(primary_key=True)
    homework_id: Mapped[int] = mapped_column(
        sa.ForeignKey("homework.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercises.id", ondelete="CASCADE"), unique=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AccessEntry(db.Model):  # type: ignore[name-defined,misc]
    """Each time a therapist opened a couple's data: what, and when (both partners see it)."""

    __tablename__ = "therapist_access_log"
    __table_args__ = (sa.Index("ix_therapist_access_log_couple_id_at", "couple_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        sa.ForeignKey("therapy_links.id", ondelete="CASCADE"), index=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id", ondelete="CASCADE"))
    therapist_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None)
    what: Mapped[str] = mapped_column(sa.String(120))
    level: Mapped[str] = mapped_column(sa.String(20), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TherapistWatch(db.Model):  # type: ignore[name-defined,misc]
    """A therapist's live socket following one couple, so withdrawing consent can close it on
    whichever process holds it."""

    __tablename__ = "therapist_watches"

    sid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    couple_id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
