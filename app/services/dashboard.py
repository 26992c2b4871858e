"""What a therapist reads of their couples: every read asks ``therapy.access`` first, and
shows only what the couple's ``Visibility`` allows (the narrower of the two choices).

The numbers are the couple's own insights (``history.partner_insights``), never a second
computation; each read is written to the access log both partners can see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from app.domain import exercises as ex
from app.domain.errors import DomainError
from app.domain.exercises.metrics import Insights
from app.domain.exercises.projection import OBSERVER
from app.domain.therapy.consent import Visibility
from app.extensions import db
from app.models import (
    Couple,
    Exercise,
    ExerciseEvent,
    ExerciseRating,
    HomeworkDone,
    User,
)
from app.services import homework, therapy
from app.services.exercises import names_of, row_to_event, state_of
from app.services.history import ensure_couple_stats, partner_insights
from app.services.therapy import Access


@dataclass(frozen=True)
class Counts:
    """Homework counts over every live assignment of this therapist's link."""

    done: int
    due: int
    overdue: int


@dataclass(frozen=True)
class DoneItem:
    """One finished homework exercise, as far as the couple shares it."""

    exercise_id: int
    title: str
    done_at: datetime
    ratings: list[tuple[str, int, int]] | None  # (name, seen, understood) when shared
    topic: str | None  # when conversations are shared


@dataclass(frozen=True)
class CoupleView:
    """One couple as the therapist may see them now."""

    couple_id: int
    names: tuple[str, str]
    sees: Visibility
    counts: Counts
    last_exercise: datetime | None
    items: list[homework.Item]
    done: list[DoneItem]
    insights: list[tuple[str, Insights]] | None  # per partner, when ratings are shared
    time_zone: str


@dataclass(frozen=True)
class Pending:
    """A link one partner accepted; nothing is visible until the other does too."""

    link_id: int
    since: datetime


def _counts(items: list[homework.Item]) -> Counts:
    return Counts(done=sum(i.progress.done for i in items),
                  due=sum(i.progress.due for i in items),
                  overdue=sum(i.progress.overdue for i in items))


def couple_view(acc: Access, *, since: date | None = None) -> CoupleView:
    """Build what ``acc`` allows: counts and dates always; ratings and trends with the ratings
    level; topics with the conversations level."""
    couple, sees = acc.couple, acc.sees
    names = names_of(couple.partner_ids())
    pair = _pair(names, couple)
    items = homework.items_of(couple, link_ids=[acc.link.id])
    last = db.session.scalar(sa.select(sa.func.max(Exercise.ended_at)).where(
        Exercise.couple_id == couple.id, Exercise.phase == "complete"))
    done_rows = db.session.execute(sa.select(
        HomeworkDone.exercise_id, HomeworkDone.done_at, Exercise.kind, Exercise.topic).join(
        Exercise, Exercise.id == HomeworkDone.exercise_id).where(
        HomeworkDone.homework_id.in_([i.homework.id for i in items] or [0]))
        .order_by(HomeworkDone.done_at.desc())).all()
    if since is not None:
        done_rows = [r for r in done_rows
                     if homework.local(r.done_at, couple).date() >= since]
    ratings: dict[int, list[tuple[str, int, int]]] = {}
    if sees.ratings and done_rows:
        for r in db.session.execute(sa.select(
                ExerciseRating.exercise_id, ExerciseRating.user_id, ExerciseRating.seen,
                ExerciseRating.understood).where(
                ExerciseRating.exercise_id.in_([d.exercise_id for d in done_rows]),
                ExerciseRating.revealed_at.is_not(None)).order_by(ExerciseRating.user_id)):
            ratings.setdefault(r.exercise_id, []).append(
                (names.get(r.user_id, ex.FORMER_PARTNER), r.seen, r.understood))
    done = [DoneItem(exercise_id=r.exercise_id, title=ex.get_kind(r.kind).title,
                     done_at=r.done_at,
                     ratings=ratings.get(r.exercise_id, []) if sees.ratings else None,
                     topic=r.topic if sees.conversations else None) for r in done_rows]
    insights = None
    if sees.ratings:
        insights = [(pair[0], partner_insights([couple.id], couple.partner_a_id)),
                    (pair[1], partner_insights([couple.id], couple.partner_b_id))]
    return CoupleView(couple_id=couple.id, names=pair, sees=sees, counts=_counts(items),
                      last_exercise=last, items=items, done=done, insights=insights,
                      time_zone=couple.time_zone)


def dashboard(therapist: User) -> tuple[list[CoupleView], list[Pending]]:
    """Every linked couple as the therapist may see them (a card each: counts, last exercise,
    and felt-seen averages where shared), and links still waiting. Reads every couple at once;
    only the shared insights are read couple by couple."""
    therapy.require_therapist(therapist)
    pairs = therapy.links_of_therapist(therapist)
    changes = therapy.histories([link.id for link, _c in pairs])
    shown: list[Access] = []
    pending = []
    for link, couple in pairs:
        sees = therapy.visibility_of(link, couple, changes[link.id])
        if sees.any:
            shown.append(Access(link=link, couple=couple, sees=sees))
        else:
            pending.append(Pending(link_id=link.id, since=link.created_at))
    if not shown:
        return [], pending
    couples = [acc.couple for acc in shown]
    names = names_of(tuple(p for c in couples for p in c.partner_ids()))
    items = homework.items_by_couple(couples, link_ids=[acc.link.id for acc in shown])
    last = {couple_id: at for couple_id, at in db.session.execute(
        sa.select(Exercise.couple_id, sa.func.max(Exercise.ended_at)).where(
            Exercise.couple_id.in_([c.id for c in couples]), Exercise.phase == "complete")
        .group_by(Exercise.couple_id))}
    rated = [acc.couple.id for acc in shown if acc.sees.ratings]
    if rated:
        ensure_couple_stats(rated)
    views = []
    for acc in shown:
        couple, pair = acc.couple, _pair(names, acc.couple)
        mine = items.get(couple.id, [])
        views.append(CoupleView(
            couple_id=couple.id, names=pair, sees=acc.sees, counts=_counts(mine),
            last_exercise=last.get(couple.id), items=mine, done=[],
            insights=[(pair[0], partner_insights([couple.id], couple.partner_a_id, ensured=True)),
                      (pair[1], partner_insights([couple.id], couple.partner_b_id, ensured=True))]
            if acc.sees.ratings else None, time_zone=couple.time_zone))
        therapy.log_access(acc, "Dashboard: homework counts" +
                           (", ratings and insights" if acc.sees.ratings else ""), commit=False)
    db.session.commit()  # one write for the whole page's access log
    return views, pending


def _pair(names: dict[int, str], couple: Couple) -> tuple[str, str]:
    return (names.get(couple.partner_a_id, ex.FORMER_PARTNER),
            names.get(couple.partner_b_id, ex.FORMER_PARTNER))


def couple_page(therapist: User, couple_id: object, *, since: date | None = None,
                what: str = "Couple page") -> CoupleView:
    """One couple's page (or its print page), checked and logged."""
    acc = therapy.access(therapist, couple_id)
    view = couple_view(acc, since=since)
    therapy.log_access(acc, what)
    return view


def couple_summary_json(therapist: User, acc: Access) -> dict[str, Any]:
    """What a live socket gets of a couple: the same view, as JSON (logged)."""
    view = couple_view(acc)
    therapy.log_access(acc, "Live updates on the dashboard")
    data: dict[str, Any] = {
        "couple_id": view.couple_id, "level": view.sees.level,
        "counts": {"done": view.counts.done, "due": view.counts.due,
                   "overdue": view.counts.overdue},
        "last_exercise": None if view.last_exercise is None else view.last_exercise.isoformat(),
    }
    if view.sees.ratings:
        data["ratings"] = [{"exercise_id": d.exercise_id,
                            "ratings": [{"name": n, "seen": s, "understood": u}
                                        for n, s, u in d.ratings or []]} for d in view.done]
        data["insights"] = {name: {m.key: m.overall for m in ins.metrics}
                            for name, ins in view.insights or []}
    if view.sees.conversations:
        data["topics"] = [{"exercise_id": d.exercise_id, "topic": d.topic} for d in view.done]
    return data


@dataclass(frozen=True)
class TranscriptView:
    """One exercise's shared conversation, for a therapist both partners let read it."""

    exercise: Exercise
    title: str
    names: tuple[str, str]
    events: list[ex.Shown]


def transcript(therapist: User, couple_id: object, exercise_id: object) -> TranscriptView:
    """A transcript of one of the couple's exercises, only while both share conversations;
    held-back words and private notes are never part of it."""
    acc = therapy.access(therapist, couple_id, need="conversations")
    exercise = db.session.get(Exercise, exercise_id) if isinstance(exercise_id, int) else None
    if exercise is None or exercise.couple_id != acc.couple.id:
        raise DomainError("We couldn't find that exercise.", code="not_found")
    state = state_of(exercise)
    names = names_of(state.partners)
    rows = db.session.scalars(sa.select(ExerciseEvent).where(
        ExerciseEvent.exercise_id == exercise.id).order_by(ExerciseEvent.seq)).all()
    shown = [s for s in (ex.project(row_to_event(r), viewer=OBSERVER,
                                    partners=state.partners, names=names) for r in rows)
             if s is not None and s.form != "hidden"]
    therapy.log_access(acc, f"Transcript: {ex.get_kind(exercise.kind).title}, "
                            f"{exercise.created_at:%-d %b %Y}")
    pair = (names.get(state.partners[0], ex.FORMER_PARTNER),
            names.get(state.partners[1], ex.FORMER_PARTNER))
    return TranscriptView(exercise=exercise, title=ex.get_kind(exercise.kind).title,
                          names=pair, events=shown)


def therapist_name(user_id: int) -> str:
    """A therapist's display name."""
    user = db.session.get(User, user_id)
    return user.display_name if user is not None else "A therapist"
