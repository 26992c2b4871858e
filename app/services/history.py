"""The shared history: past exercises as each partner may see them, read through the projection.

Every page here answers in a fixed number of queries, however long the history: the list
reads typed columns and each finished exercise's stored numbers, never the events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.domain import exercises as ex
from app.domain.errors import DomainError
from app.domain.exercises.metrics import (
    ExerciseStats,
    Insights,
    exercise_stats,
    insights,
    stats_from_dict,
    stats_to_dict,
)
from app.domain.exercises.projection import name_of
from app.domain.exercises.state import TERMINAL_PHASES, rating_of
from app.extensions import db
from app.models import Couple, Exercise, ExerciseEvent, ExerciseRating, User
from app.models.types import utcnow
from app.services.exercises import load_for, names_of, row_to_event, state_of

PAGE_SIZE = 20
PERIODS: Mapping[str, tuple[str, int | None]] = {
    "": ("Any time", None), "30d": ("Last 30 days", 30), "90d": ("Last 3 months", 90),
    "365d": ("Last year", 365)}
STATUS = {"complete": "Completed", "ended_early": "Ended early", "declined": "Declined",
          "cancelled": "Cancelled"}
SEARCH_MAX = 100
SAID_TYPES = ("shared", "listener_message", "check")


def couple_ids_of(user_id: int) -> list[int]:
    """Every couple the user has been part of (an unpaired couple's history stays theirs)."""
    return list(db.session.scalars(sa.select(Couple.id).where(sa.or_(
        Couple.partner_a_id == user_id, Couple.partner_b_id == user_id))).all())


# --- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the history list is narrowed to; ``parse_filters`` checks it."""

    kind: str = ""
    period: str = ""
    q: str = ""
    page: int = 1

    @property
    def active(self) -> bool:
        """Whether anything narrows the list."""
        return bool(self.kind or self.period or self.q)


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Check the list's query string; bad values get a clear error."""
    kind = args.get("kind", "").strip()
    if kind and kind not in ex.CATALOG:
        raise DomainError("We don't know that kind of exercise.", code="invalid")
    period = args.get("period", "").strip()
    if period not in PERIODS:
        raise DomainError("Pick a period from the list.", code="invalid")
    q = " ".join(args.get("q", "").split())
    if len(q) > SEARCH_MAX:
        raise DomainError(f"Search for at most {SEARCH_MAX} characters.", code="invalid")
    raw_page = args.get("page", "1").strip() or "1"
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= 100_000:
        raise DomainError("The page must be a whole number from 1.", code="invalid")
    return Filters(kind=kind, period=period, q=q, page=int(raw_page))


@dataclass(frozen=True)
class Item:
    """One exercise in the list, as the viewer may see it."""

    id: int
    kind: str
    title: str
    topic: str
    created_at: datetime
    minutes: int | None
    first_speaker: str
    status: str
    live: bool
    my_rating: tuple[int, int] | None  # (seen, understood), revealed only
    partner_rating: tuple[int, int] | None
    partner: str
    landed: int | None


@dataclass(frozen=True)
class HistoryPage:
    """One page of the list, newest first."""

    items: list[Item]
    filters: Filters
    has_more: bool


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def history_page(user: User, filters: Filters, *, now: datetime | None = None) -> HistoryPage:
    """The couple's exercises, newest first, narrowed by ``filters``."""
    couples = couple_ids_of(user.id)
    if not couples:
        return HistoryPage(items=[], filters=filters, has_more=False)
    query = sa.select(Exercise).where(Exercise.couple_id.in_(couples))
    if filters.kind:
        query = query.where(Exercise.kind == filters.kind)
    days = PERIODS[filters.period][1]
    if days is not None:
        query = query.where(Exercise.created_at >= (now or utcnow()) - timedelta(days=days))
    if filters.q:
        pattern = f"%{_escape_like(filters.q.lower())}%"
        # Topics, and only the words this person wrote themselves.
        own_words = sa.select(ExerciseEvent.id).where(
            ExerciseEvent.exercise_id == Exercise.id, ExerciseEvent.actor_id == user.id,
            ExerciseEvent.type.in_(SAID_TYPES),
            sa.func.lower(ExerciseEvent.payload["text"].as_string()).like(pattern, escape="\\"))
        query = query.where(sa.or_(sa.func.lower(Exercise.topic).like(pattern, escape="\\"),
                                   own_words.exists()))
    offset = (filters.page - 1) * PAGE_SIZE
    rows = list(db.session.scalars(query.order_by(Exercise.created_at.desc(), Exercise.id.desc())
                                   .offset(offset).limit(PAGE_SIZE + 1)).all())
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    stats = ensure_stats(rows)
    ratings = _revealed_ratings([r.id for r in rows])
    names = _names_for(rows)
    items = []
    for row in rows:
        partners = _partners(row)
        partner = partners[1] if partners[0] == user.id else partners[0]
        st = stats.get(row.id)
        minutes = None
        if row.started_at is not None and row.ended_at is not None:
            minutes = max(1, round((row.ended_at - row.started_at).total_seconds() / 60))
        first = row.first_speaker_id
        items.append(Item(
            id=row.id, kind=row.kind, title=ex.get_kind(row.kind).title, topic=row.topic,
            created_at=row.created_at, minutes=minutes,
            first_speaker="" if first is None or row.started_at is None else
            name_of(first, viewer=user.id, names=names),
            status=STATUS.get(row.phase, "In progress"), live=row.phase not in TERMINAL_PHASES,
            my_rating=ratings.get((row.id, user.id)),
            partner_rating=ratings.get((row.id, partner)),
            partner=names.get(partner, ex.FORMER_PARTNER),
            landed=None if st is None or not st.started else st.landed))
    return HistoryPage(items=items, filters=filters, has_more=has_more)


def _partners(row: Exercise) -> tuple[int, int]:
    partners = row.state.get("partners", [0, 0])
    return int(partners[0]), int(partners[1])


def _names_for(rows: Sequence[Exercise]) -> dict[int, str]:
    ids = sorted({p for r in rows for p in _partners(r)})
    return names_of(tuple(ids)) if ids else {}


def _revealed_ratings(exercise_ids: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    if not exercise_ids:
        return {}
    rows = db.session.execute(sa.select(
        ExerciseRating.exercise_id, ExerciseRating.user_id, ExerciseRating.seen,
        ExerciseRating.understood).where(ExerciseRating.exercise_id.in_(exercise_ids),
                                         ExerciseRating.revealed_at.is_not(None))).all()
    return {(r.exercise_id, r.user_id): (r.seen, r.understood) for r in rows}


# --- stored numbers ---------------------------------------------------------------------------


def ensure_stats(rows: Sequence[Exercise]) -> dict[int, ExerciseStats]:
    """The numbers of each finished exercise; computed from its events once, then kept."""
    result: dict[int, ExerciseStats] = {}
    missing = []
    for row in rows:
        if row.phase not in TERMINAL_PHASES:
            continue
        stored = stats_from_dict(row.stats) if row.stats else None
        if stored is None:
            missing.append(row)
        else:
            result[row.id] = stored
    if missing:
        events: dict[int, list[ex.Event]] = {r.id: [] for r in missing}
        for e in db.session.scalars(sa.select(ExerciseEvent).where(
                ExerciseEvent.exercise_id.in_(list(events))).order_by(
                ExerciseEvent.exercise_id, ExerciseEvent.seq)):
            events[e.exercise_id].append(row_to_event(e))
        for row in missing:
            stats = exercise_stats(events[row.id], partners=_partners(row))
            row.stats = stats_to_dict(stats)
            result[row.id] = stats
        db.session.commit()
    return result


# --- one exercise -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Debrief:
    """How a finished exercise went, for one partner."""

    mine: tuple[int, int] | None  # (seen, understood)
    partner: tuple[int, int] | None
    my_gap: int | None  # my estimate of understanding minus how seen my partner felt
    partner_gap: int | None
    went_well: ex.Shown | None  # a reflection that landed, quoted


@dataclass(frozen=True)
class ExercisePage:
    """One exercise as one partner may see it."""

    exercise: Exercise
    state: ex.ExerciseState
    partner_name: str
    events: list[ex.Shown]
    break_minutes: dict[int, int]  # break_called seq -> how long it really lasted
    debrief: Debrief | None
    my_note: str


def exercise_page(user: User, exercise_id: object) -> ExercisePage:
    """The whole conversation in order, as ``user`` may see it (others get 'not found')."""
    exercise = load_for(user, exercise_id)
    state = state_of(exercise)
    names = names_of(state.partners)
    rows = db.session.scalars(sa.select(ExerciseEvent).where(
        ExerciseEvent.exercise_id == exercise.id).order_by(ExerciseEvent.seq)).all()
    domain_events = [row_to_event(r) for r in rows]
    shown = [s for s in (ex.project(e, viewer=user.id, partners=state.partners, names=names)
                         for e in domain_events) if s is not None]
    partner = state.partners[1] if state.partners[0] == user.id else state.partners[0]
    debrief = None
    if state.phase == "complete":
        stats = ensure_stats([exercise])[exercise.id]
        by_seq = {s.seq: s for s in shown}
        went_well = next((by_seq[q] for q in stats.landed_seqs
                          if q in by_seq and by_seq[q].form == "bubble"), None)
        me, them = stats.partners.get(user.id), stats.partners.get(partner)
        debrief = Debrief(
            mine=None if me is None or me.seen is None or me.understood is None
            else (me.seen, me.understood),
            partner=None if them is None or them.seen is None or them.understood is None
            else (them.seen, them.understood),
            my_gap=None if me is None else me.gap,
            partner_gap=None if them is None else them.gap, went_well=went_well)
    mine = rating_of(state, user.id)
    return ExercisePage(exercise=exercise, state=state,
                        partner_name=names.get(partner, ex.FORMER_PARTNER), events=shown,
                        break_minutes=break_minutes(domain_events), debrief=debrief,
                        my_note="" if mine is None else mine.note)


def break_minutes(events: Sequence[ex.Event]) -> dict[int, int]:
    """How long each break really lasted, in whole minutes (at least 1), by its seq."""
    lengths: dict[int, int] = {}
    open_break: ex.Event | None = None
    for e in sorted(events, key=lambda e: e.seq):
        if e.type == "break_called":
            open_break = e
        elif e.type in ("resumed", "ended_early") and open_break is not None:
            seconds = (e.at - open_break.at).total_seconds()
            lengths[open_break.seq] = max(1, round(seconds / 60))
            open_break = None
    return lengths


# --- insights ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InsightsPage:
    """One partner's insights, and how seen each of the two felt, over time."""

    mine: Insights
    partner: Insights | None
    partner_name: str


def insights_for(user: User) -> InsightsPage:
    """Your numbers over every exercise you have done, and your partner's felt-seen trend."""
    couples = couple_ids_of(user.id)
    rows = list(db.session.scalars(sa.select(Exercise).where(
        Exercise.couple_id.in_(couples), Exercise.phase.in_(("complete", "ended_early")))
        .order_by(Exercise.created_at)).all()) if couples else []
    stats = ensure_stats(rows)
    history = [(r.started_at or r.created_at, stats[r.id]) for r in rows if r.id in stats]
    mine = insights(history, user=user.id)
    # The current (or last) partner: only what both already see (revealed ratings).
    latest = rows[-1] if rows else None
    partner_id = None
    if latest is not None:
        a, b = _partners(latest)
        partner_id = b if a == user.id else a
    partner = None
    name = ex.FORMER_PARTNER
    if partner_id is not None:
        theirs = [(when, s) for when, s in history if partner_id in s.partners]
        partner = insights(theirs, user=partner_id)
        name = names_of((partner_id,)).get(partner_id, ex.FORMER_PARTNER)
    return InsightsPage(mine=mine, partner=partner, partner_name=name)


def week_label(day: date) -> str:
    """A week's short label, e.g. '3 Mar'."""
    return f"{day.day} {day.strftime('%b')}"
