"""The shared history: past exercises as each partner may see them, read through the projection.

Every page here answers in a fixed number of queries, however long the history: the list
reads typed columns and each finished exercise's stored numbers, never the events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.domain import exercises as ex
from app.domain.errors import DomainError
from app.domain.exercises.metrics import (
    ExerciseStats,
    Insights,
    PartnerStats,
    exercise_stats,
    insights_of,
    stats_from_dict,
    stats_to_dict,
)
from app.domain.exercises.projection import name_of
from app.domain.exercises.state import TERMINAL_PHASES, rating_of
from app.extensions import db
from app.models import Couple, Exercise, ExerciseEvent, ExerciseRating, User
from app.models import PartnerStats as PartnerStatsRow
from app.models.types import utcnow
from app.services.exercises import load_for, names_of, row_to_event, state_of
from app.services.pairing import couple_ids_of

PAGE_SIZE = 20
PERIODS: Mapping[str, tuple[str, int | None]] = {
    "": ("Any time", None), "30d": ("Last 30 days", 30), "90d": ("Last 3 months", 90),
    "365d": ("Last year", 365)}
STATUS = {"complete": "Completed", "ended_early": "Ended early", "declined": "Declined",
          "cancelled": "Cancelled"}
SEARCH_MAX = 100
SAID_TYPES = ("shared", "listener_message", "check")


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


@dataclass(frozen=True)
class Row:
    """What the list and the insights read of an exercise: typed columns, never its state."""

    id: int
    kind: str
    phase: str
    topic: str
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    first_speaker_id: int | None
    stats: dict[str, Any] | None
    partners: tuple[int, int]


def select_rows() -> sa.Select[Any]:
    """Typed columns of exercises with both partners (the couple's), for ``rows_of``."""
    return sa.select(
        Exercise.id, Exercise.kind, Exercise.phase, Exercise.topic, Exercise.created_at,
        Exercise.started_at, Exercise.ended_at, Exercise.first_speaker_id, Exercise.stats,
        Couple.partner_a_id, Couple.partner_b_id).join(Couple, Couple.id == Exercise.couple_id)


def rows_of(query: sa.Select[Any]) -> list[Row]:
    """Run a ``select_rows`` query."""
    return [Row(id=r.id, kind=r.kind, phase=r.phase, topic=r.topic, created_at=r.created_at,
                started_at=r.started_at, ended_at=r.ended_at,
                first_speaker_id=r.first_speaker_id, stats=r.stats,
                partners=(r.partner_a_id, r.partner_b_id))
            for r in db.session.execute(query).all()]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def history_page(user: User, filters: Filters, *, now: datetime | None = None) -> HistoryPage:
    """The couple's exercises, newest first, narrowed by ``filters``."""
    couples = couple_ids_of(user.id)
    if not couples:
        return HistoryPage(items=[], filters=filters, has_more=False)
    query = select_rows().where(Exercise.couple_id.in_(couples))
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
    rows = rows_of(query.order_by(Exercise.created_at.desc(), Exercise.id.desc())
                 .offset(offset).limit(PAGE_SIZE + 1))
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    stats = ensure_stats(rows)
    ratings = _revealed_ratings([r.id for r in rows])
    names = names_for(rows)
    items = []
    for row in rows:
        partner = row.partners[1] if row.partners[0] == user.id else row.partners[0]
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


def names_for(rows: Sequence[Row]) -> dict[int, str]:
    """The display names of everyone who took part in ``rows``."""
    ids = sorted({p for r in rows for p in r.partners})
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


def ensure_stats(rows: Sequence[Row]) -> dict[int, ExerciseStats]:
    """The numbers of each finished exercise; computed from its events once, then kept (with
    each partner's typed row, which the insights read)."""
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
        db.session.execute(sa.delete(PartnerStatsRow).where(
            PartnerStatsRow.exercise_id.in_(list(events))))
        for row in missing:
            stats = exercise_stats(events[row.id], partners=row.partners)
            db.session.execute(sa.update(Exercise).where(Exercise.id == row.id)
                               .values(stats=stats_to_dict(stats)))
            if stats.started:
                db.session.add_all(_partner_rows(row, stats))
            result[row.id] = stats
        db.session.commit()
    return result


def _partner_rows(row: Row, stats: ExerciseStats) -> list[PartnerStatsRow]:
    return [PartnerStatsRow(
        exercise_id=row.id, user_id=uid, at=row.started_at or row.created_at, seen=s.seen,
        understood=s.understood, gap=s.gap, messages=s.messages, questions=s.questions,
        held=s.held, landed=s.landed, first_tries=s.first_tries,
        first_try_landed=s.first_try_landed,
        answer_seconds=",".join(f"{w:g}" for w in s.answer_seconds), accuracy=s.accuracy)
        for uid, s in stats.partners.items()]


def _partner_history(couples: list[int], user_id: int, *, shared_only: bool = False
                     ) -> list[tuple[datetime, PartnerStats]]:
    """One partner's typed numbers in these couples' exercises (columns, not models: a long
    history is a thousand rows)."""
    t = PartnerStatsRow
    where = (t.exercise_id == Exercise.id, Exercise.couple_id.in_(couples), t.user_id == user_id)
    if shared_only:
        # All the page shows of the partner, and what both already saw in the exercise: how
        # seen they felt (revealed ratings) and how close their guesses came (public marks).
        return [(r.at, PartnerStats(seen=r.seen, accuracy=r.accuracy))
                for r in db.session.execute(sa.select(t.at, t.seen, t.accuracy).where(*where))]
    rows = db.session.execute(sa.select(
        t.at, t.seen, t.understood, t.gap, t.messages, t.questions, t.held, t.landed,
        t.first_tries, t.first_try_landed, t.answer_seconds, t.accuracy).where(*where))
    return [(r.at, PartnerStats(
        seen=r.seen, understood=r.understood, gap=r.gap, messages=r.messages,
        questions=r.questions, held=r.held, landed=r.landed, first_tries=r.first_tries,
        first_try_landed=r.first_try_landed,
        answer_seconds=tuple(float(w) for w in r.answer_seconds.split(",") if w),
        accuracy=r.accuracy))
        for r in rows]


# --- one exercise -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Debrief:
    """How a finished exercise went, for one partner."""

    mine: tuple[int, int] | None  # (seen, understood)
    partner: tuple[int, int] | None
    my_gap: int | None  # my estimate of understanding minus how seen my partner felt
    partner_gap: int | None
    went_well: ex.Shown | None  # a reflection that landed, quoted
    # Teaching the guard: the viewer's messages the partner marked as slips, the partner's
    # the viewer marked, and the viewer's own "this was a reflection" (private to them).
    slips_on_mine: int = 0
    slips_i_marked: int = 0
    my_claims: int = 0


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
        stats = ensure_stats([Row(
            id=exercise.id, kind=exercise.kind, phase=exercise.phase, topic=exercise.topic,
            created_at=exercise.created_at, started_at=exercise.started_at,
            ended_at=exercise.ended_at, first_speaker_id=exercise.first_speaker_id,
            stats=exercise.stats, partners=state.partners)])[exercise.id]
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
            partner_gap=None if them is None else them.gap, went_well=went_well,
            slips_on_mine=0 if me is None else me.slips,
            slips_i_marked=0 if them is None else them.slips,
            my_claims=0 if me is None else me.claims)
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
    """Your numbers over every exercise you have done, and your partner's felt-seen and
    accuracy trends."""
    couples = couple_ids_of(user.id)
    if not couples:
        return InsightsPage(mine=insights_of([]), partner=None, partner_name=ex.FORMER_PARTNER)
    mine = partner_insights(couples, user.id)
    # The current (or last) partner: only what both already see (revealed ratings).
    latest = db.session.execute(sa.select(Couple.partner_a_id, Couple.partner_b_id).where(
        Couple.id.in_(couples)).order_by(Couple.created_at.desc(), Couple.id.desc())
        .limit(1)).one()
    partner_id = latest.partner_b_id if latest.partner_a_id == user.id else latest.partner_a_id
    partner = insights_of(_partner_history(couples, partner_id, shared_only=True))
    name = names_of((partner_id,)).get(partner_id, ex.FORMER_PARTNER)
    return InsightsPage(mine=mine, partner=partner, partner_name=name)


def partner_insights(couples: list[int], user_id: int, *, ensured: bool = False) -> Insights:
    """One partner's numbers over these couples' exercises: what their insights page shows,
    and what a therapist they share ratings with sees (one computation for both).
    ``ensured``: the caller already ran ``ensure_couple_stats`` for these couples."""
    if not ensured:
        ensure_couple_stats(couples)
    return insights_of(_partner_history(couples, user_id))


def ensure_couple_stats(couples: list[int]) -> None:
    """Finished exercises whose numbers were never worked out get them now (once)."""
    ensure_stats(rows_of(select_rows().where(
        Exercise.couple_id.in_(couples), Exercise.phase.in_(TERMINAL_PHASES),
        Exercise.stats.is_(None))))


def week_label(day: date) -> str:
    """A week's short label, e.g. '3 Mar'."""
    return f"{day.day} {day.strftime('%b')}"
