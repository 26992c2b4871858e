"""Homework: a therapist assigns an exercise to a linked couple, once or on a repeat; the
couple starts it from Home and finishing it marks it done. When each one is due is worked
out by ``app/domain/therapy/schedule.py`` in the couple's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from app.domain import exercises as ex
from app.domain.errors import DomainError
from app.domain.exercises.actions import STRICTNESS_LEVELS, TOPIC_MAX
from app.domain.therapy import schedule
from app.domain.therapy.schedule import Progress, Schedule
from app.extensions import db
from app.models import Couple, Exercise, Homework, HomeworkDone, TherapyLink, User
from app.models.types import utcnow
from app.services import publisher, therapy
from app.services.publisher import DomainEvent

NOTE_MAX = 1000


class HomeworkError(DomainError):
    """Homework that cannot be assigned or started as asked; the message says why."""


@dataclass(frozen=True)
class Assignment:
    """A checked assignment form."""

    kind: str
    topic: str
    note: str
    strictness: str
    schedule: Schedule


def _date(raw: object, label: str) -> date:
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else date.min
    except ValueError:
        pass
    raise HomeworkError(f"{label}: please pick a date.", code="invalid")


def _whole(raw: object, label: str) -> int:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text.isdigit() or len(text) > 3:
        raise HomeworkError(f"{label} must be a whole number.", code="invalid")
    return int(text)


def today_in(couple: Couple, now: datetime | None = None) -> date:
    """Today's date where the couple lives."""
    return (now or utcnow()).astimezone(schedule.zone(couple.time_zone)).date()


def parse_assignment(form: Mapping[str, object], *, today: date) -> Assignment:
    """Check an assignment form: exercise, optional topic and note, strictness, and either a
    due date or a repeat (times a week, for how many weeks)."""
    kind = form.get("kind")
    if not isinstance(kind, str) or kind not in ex.CATALOG:
        raise HomeworkError("Pick an exercise.", code="invalid")
    topic = " ".join(str(form.get("topic") or "").split())
    if len(topic) > TOPIC_MAX:
        raise HomeworkError(f"Keep the topic to {TOPIC_MAX} characters.", code="invalid")
    note = str(form.get("note") or "").strip()
    if len(note) > NOTE_MAX:
        raise HomeworkError(f"Keep the note to {NOTE_MAX} characters.", code="invalid")
    strictness = form.get("strictness") or "gentle"
    if strictness not in STRICTNESS_LEVELS:
        raise HomeworkError("The guard is either gentle or strict.", code="invalid")
    mode = form.get("when")
    if mode == "due":
        due = _date(form.get("due_on"), "Due date")
        if due < today:
            raise HomeworkError("The due date has already passed. Pick today or later.",
                                code="invalid")
        plan = Schedule(start=today, due=due)
    elif mode == "repeat":
        start = _date(form.get("starts_on") or today.isoformat(), "Start")
        if start < today:
            raise HomeworkError("A repeat can't start in the past.", code="invalid")
        plan = Schedule(start=start, per_week=_whole(form.get("per_week"), "Times a week"),
                        weeks=_whole(form.get("weeks"), "Weeks"))
    else:
        raise HomeworkError("Choose a due date or a repeat.", code="invalid")
    return Assignment(kind=kind, topic=topic, note=note, strictness=str(strictness),
                      schedule=schedule.check(plan))


def _event(name: str, hw: Homework, couple: Couple) -> DomainEvent:
    return DomainEvent(name=name, couple_id=couple.id, therapist_id=hw.therapist_id,
                       link_id=hw.link_id, partner_ids=couple.partner_ids(),
                       data={"homework_id": hw.id, "kind": hw.kind})


def assign(therapist: User, couple_id: object, form: Mapping[str, object]) -> Homework:
    """Assign homework to a linked couple (both partners accepted the link)."""
    acc = therapy.access(therapist, couple_id)
    plan = parse_assignment(form, today=today_in(acc.couple))
    hw = Homework(link_id=acc.link.id, couple_id=acc.couple.id, therapist_id=therapist.id)
    _apply(hw, plan)
    db.session.add(hw)
    db.session.commit()
    publisher.announce(_event(publisher.HOMEWORK_ASSIGNED, hw, acc.couple))
    return hw


def _apply(hw: Homework, plan: Assignment) -> None:
    hw.kind, hw.topic, hw.note, hw.strictness = plan.kind, plan.topic, plan.note, plan.strictness
    hw.starts_on = plan.schedule.start
    hw.due_on, hw.per_week, hw.weeks = plan.schedule.due, plan.schedule.per_week, \
        plan.schedule.weeks
    hw.updated_at = utcnow()


def owned(therapist: User, homework_id: object) -> tuple[Homework, therapy.Access]:
    """A live assignment of the therapist's, made over the link they still have with its
    couple, with their access to it (else 'not found': an ended link's homework stays closed,
    even once linked again)."""
    missing = HomeworkError("We couldn't find that homework.", code="not_found")
    hw = db.session.get(Homework, homework_id) if isinstance(homework_id, int) else None
    if hw is None or hw.therapist_id != therapist.id or hw.withdrawn_at is not None:
        therapy.require_therapist(therapist)
        raise missing
    acc = therapy.access(therapist, hw.couple_id)
    if acc.link.id != hw.link_id:
        raise missing
    return hw, acc


def edit(therapist: User, homework_id: object, form: Mapping[str, object]) -> Homework:
    """Change an assignment (what is done stays done)."""
    hw, acc = owned(therapist, homework_id)
    _apply(hw, parse_assignment(form, today=min(today_in(acc.couple), hw.starts_on)))
    db.session.commit()
    publisher.announce(_event(publisher.HOMEWORK_CHANGED, hw, acc.couple))
    return hw


def withdraw(therapist: User, homework_id: object) -> None:
    """Withdraw an assignment: it leaves the couple's Home card."""
    hw, acc = owned(therapist, homework_id)
    hw.withdrawn_at = utcnow()
    db.session.commit()
    publisher.announce(_event(publisher.HOMEWORK_CHANGED, hw, acc.couple))


def schedule_of(hw: Homework) -> Schedule:
    """The homework's schedule for the domain module."""
    return Schedule(start=hw.starts_on, due=hw.due_on, per_week=hw.per_week, weeks=hw.weeks)


@dataclass(frozen=True)
class Item:
    """One assignment with how it stands."""

    homework: Homework
    progress: Progress
    deadlines: list[datetime]
    done_at: list[datetime]
    therapist_name: str

    @property
    def title(self) -> str:
        """The exercise's name."""
        return ex.get_kind(self.homework.kind).title


def items_of(couple: Couple, *, link_ids: list[int] | None = None,
             now: datetime | None = None, include_finished: bool = True) -> list[Item]:
    """The couple's live assignments (of live links), with progress, newest first."""
    return items_by_couple([couple], link_ids=link_ids, now=now,
                           include_finished=include_finished).get(couple.id, [])


def items_by_couple(couples: Sequence[Couple], *, link_ids: list[int] | None = None,
                    now: datetime | None = None, include_finished: bool = True
                    ) -> dict[int, list[Item]]:
    """``items_of`` for many couples at once (two queries), by couple id."""
    if not couples:
        return {}
    zones = {c.id: c.time_zone for c in couples}
    query = sa.select(Homework, TherapyLink, User.display_name).join(
        TherapyLink, TherapyLink.id == Homework.link_id).join(
        User, User.id == Homework.therapist_id).where(
        Homework.couple_id.in_(list(zones)), Homework.withdrawn_at.is_(None),
        TherapyLink.ended_at.is_(None))
    if link_ids is not None:
        query = query.where(Homework.link_id.in_(link_ids))
    rows = db.session.execute(query.order_by(Homework.id.desc())).all()
    done: dict[int, list[datetime]] = {}
    if rows:
        for hid, at in db.session.execute(sa.select(HomeworkDone.homework_id,
                                                    HomeworkDone.done_at).where(
                HomeworkDone.homework_id.in_([r[0].id for r in rows]))
                .order_by(HomeworkDone.done_at)):
            done.setdefault(hid, []).append(at)
    moment = now or utcnow()
    items: dict[int, list[Item]] = {}
    for hw, _link, name in rows:
        deadlines = schedule.occurrences(schedule_of(hw), zones[hw.couple_id])
        finished = done.get(hw.id, [])
        item = Item(homework=hw, progress=schedule.progress(deadlines, len(finished), moment),
                    deadlines=deadlines, done_at=finished, therapist_name=name)
        if include_finished or not item.progress.finished:
            items.setdefault(hw.couple_id, []).append(item)
    return items


def for_start(couple: Couple, homework_id: object) -> Homework:
    """Homework the couple may start an exercise from (theirs, live, not finished)."""
    for item in items_of(couple, include_finished=False):
        if item.homework.id == homework_id:
            return item.homework
    raise HomeworkError("That homework isn't open any more.", code="not_found")


def record_done(exercise: Exercise) -> DomainEvent | None:
    """A finished exercise that was started from homework counts for it (in the caller's
    transaction); returns the event to announce after the commit."""
    if exercise.homework_id is None:
        return None
    hw = db.session.get(Homework, exercise.homework_id)
    couple = db.session.get(Couple, exercise.couple_id)
    if hw is None or couple is None:
        return None
    db.session.add(HomeworkDone(homework_id=hw.id, exercise_id=exercise.id, done_at=utcnow()))
    return _event(publisher.HOMEWORK_DONE, hw, couple)


def local(when: datetime, couple: Couple) -> datetime:
    """A UTC instant in the couple's time zone."""
    return when.astimezone(schedule.zone(couple.time_zone))
