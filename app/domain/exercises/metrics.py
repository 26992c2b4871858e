"""Every insight number, computed from events: per exercise, then per partner over time.

``exercise_stats`` reads one exercise's events once (services keep the result on the row, so
the history and the insights never re-read 40,000 events); ``insights`` turns a partner's
exercises into overall numbers and weekly trends. Templates and scripts only display these.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from app.domain.exercises.state import Event

# Fewer started exercises than this and the insights say so instead of drawing a trend.
TREND_MIN_EXERCISES = 3


@dataclass(frozen=True, slots=True)
class PartnerStats:
    """One partner in one exercise: as the speaker (how seen) and as the listener."""

    seen: int | None = None  # their revealed rating: how seen they felt
    understood: int | None = None  # their own estimate of how well they understood
    gap: int | None = None  # understood minus how seen the partner felt
    messages: int = 0  # listener messages they wrote (held ones too)
    questions: int = 0  # of which curious (open) questions
    held: int = 0  # held back by the guard
    landed: int = 0  # their reflections and checks the speaker said landed
    first_tries: int = 0  # shares of the partner they answered and got an answer on
    first_try_landed: int = 0  # of which the first answer was "That's it"
    answer_seconds: tuple[float, ...] = ()  # share → their first answer to it
    # Step into my shoes: how close their guesses came (0-10) as the speaker marked them,
    # averaged over this exercise's marks; None when none of their guesses was marked.
    accuracy: float | None = None
    slips: int = 0  # their delivered messages the partner marked ("felt like fixing"…)
    claims: int = 0  # their held messages they said were reflections (private to them)


@dataclass(frozen=True, slots=True)
class ExerciseStats:
    """The numbers of one exercise, per partner, and which reflections landed."""

    partners: Mapping[int, PartnerStats]
    landed_seqs: tuple[int, ...] = ()
    started: bool = False

    @property
    def landed(self) -> int:
        """How many reflections or checks landed, both partners together."""
        return len(self.landed_seqs)


def exercise_stats(events: Sequence[Event], *, partners: tuple[int, int]) -> ExerciseStats:
    """Compute one exercise's numbers from its events (in any order)."""
    ordered = sorted(events, key=lambda e: e.seq)
    counts: dict[int, dict[str, int]] = {p: {"messages": 0, "questions": 0, "held": 0,
                                             "landed": 0, "first_tries": 0,
                                             "first_try_landed": 0, "slips": 0, "claims": 0}
                                         for p in partners}
    waits: dict[int, list[float]] = {p: [] for p in partners}
    last_share: Event | None = None
    answered: set[int] = set()  # shares already answered (the first answer counts)
    answers_share: dict[int, tuple[int, int]] = {}  # reflection seq -> (share seq, writer)
    first_confirm: set[int] = set()  # shares whose first confirmation has been seen
    landed_seqs: list[int] = []
    ratings: dict[int, tuple[int, int]] = {}
    marks: dict[int, list[int]] = {p: [] for p in partners}
    started = False
    for e in ordered:
        p = e.payload
        if e.type == "started":
            started = True
        elif e.type == "shared":
            last_share = e
        elif e.type in ("listener_message", "check") and e.actor in counts:
            if e.type == "listener_message":
                counts[e.actor]["messages"] += 1
                if p.get("label") == "open_question":
                    counts[e.actor]["questions"] += 1
                if not p.get("delivered"):
                    counts[e.actor]["held"] += 1
            if last_share is not None:
                answers_share[e.seq] = (last_share.seq, e.actor)
                if last_share.seq not in answered:
                    answered.add(last_share.seq)
                    waits[e.actor].append((e.at - last_share.at).total_seconds())
        elif e.type == "confirmed":
            of = p.get("of")
            if not isinstance(of, int) or of not in answers_share:
                continue
            share, writer = answers_share[of]
            landed = p.get("kind") == "landed"
            if landed:
                counts[writer]["landed"] += 1
                landed_seqs.append(of)
            if share not in first_confirm:
                first_confirm.add(share)
                counts[writer]["first_tries"] += 1
                counts[writer]["first_try_landed"] += int(landed)
        elif e.type == "accuracy_marked":
            guesser, score = p.get("guesser"), p.get("score")
            if type(guesser) is int and guesser in marks and type(score) is int:
                marks[guesser].append(score)
        elif e.type == "slip_marked":
            listener = p.get("listener")
            if isinstance(listener, int) and listener in counts:
                counts[listener]["slips"] += 1
        elif e.type == "reflection_claimed" and e.actor in counts:
            counts[e.actor]["claims"] += 1
        elif e.type == "ratings_revealed":
            for r in _items(p.get("ratings")):
                user, seen, understood = r.get("user"), r.get("seen"), r.get("understood")
                if isinstance(user, int) and isinstance(seen, int) and isinstance(understood,
                                                                                  int):
                    ratings[user] = (seen, understood)
    a, b = partners
    result = {}
    for me, other in ((a, b), (b, a)):
        mine, theirs = ratings.get(me), ratings.get(other)
        result[me] = PartnerStats(
            seen=None if mine is None else mine[0],
            understood=None if mine is None else mine[1],
            gap=None if mine is None or theirs is None else mine[1] - theirs[0],
            answer_seconds=tuple(waits[me]),
            accuracy=statistics.fmean(marks[me]) if marks[me] else None, **counts[me])
    return ExerciseStats(partners=result, landed_seqs=tuple(landed_seqs), started=started)


def _items(value: object) -> list[Mapping[str, object]]:
    return [v for v in _list(value) if isinstance(v, Mapping)]


# --- stored form ------------------------------------------------------------------------------


_FIELDS = ("seen", "understood", "gap", "messages", "questions", "held", "landed",
           "first_tries", "first_try_landed", "slips", "claims")
STATS_VERSION = 4  # a stored form of another version is recomputed from the events


def stats_to_dict(stats: ExerciseStats) -> dict[str, object]:
    """A compact JSON-safe form kept on the exercise row; ``stats_from_dict`` reads it back."""
    return {
        "v": STATS_VERSION,
        "started": stats.started,
        "landed_seqs": list(stats.landed_seqs),
        # One short list per partner: the insights page reads a thousand of these at once.
        "partners": {str(uid): [*(getattr(s, f) for f in _FIELDS), list(s.answer_seconds),
                                s.accuracy] for uid, s in stats.partners.items()},
    }


def stats_from_dict(data: object) -> ExerciseStats | None:
    """The stored stats, or None when they are missing or of another shape (recompute)."""
    if not isinstance(data, Mapping) or data.get("v") != STATS_VERSION:
        return None
    raw = data.get("partners")
    if not isinstance(raw, Mapping):
        return None
    partners = {}
    for uid, values in raw.items():
        if not isinstance(values, list) or len(values) != len(_FIELDS) + 2:
            return None
        *numbers, waits, accuracy = values
        if not all(v is None or type(v) is int for v in numbers) or not isinstance(waits, list):
            return None
        if accuracy is not None and type(accuracy) not in (int, float):
            return None
        seen, understood, gap, messages, questions, held, landed, tries, first, slips, claims = (
            numbers)
        partners[int(uid)] = PartnerStats(
            seen=seen, understood=understood, gap=gap, messages=messages or 0,
            questions=questions or 0, held=held or 0, landed=landed or 0,
            first_tries=tries or 0, first_try_landed=first or 0, slips=slips or 0,
            claims=claims or 0,
            answer_seconds=tuple(float(w) for w in waits),
            accuracy=None if accuracy is None else float(accuracy))
    seqs = tuple(x for x in _list(data.get("landed_seqs")) if isinstance(x, int))
    return ExerciseStats(partners=partners, landed_seqs=seqs, started=bool(data.get("started")))


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


# --- over time --------------------------------------------------------------------------------

MetricKey = Literal["seen", "landing", "gap", "questions", "holds", "answer_time", "accuracy"]
_Compute = Callable[[Sequence["PartnerStats"]], float | None]


@dataclass(frozen=True, slots=True)
class Metric:
    """One insight: its overall value and one point per week that has data."""

    key: MetricKey
    title: str
    unit: str  # "/10", "%", "s", "" …
    overall: float | None
    weeks: tuple[tuple[date, float], ...]


@dataclass(frozen=True, slots=True)
class Insights:
    """One partner's skill over time."""

    exercises: int  # exercises that started (completed or ended early)
    metrics: tuple[Metric, ...] = field(default_factory=tuple)

    @property
    def trend_ready(self) -> bool:
        """Enough exercises to draw a trend honestly."""
        return self.exercises >= TREND_MIN_EXERCISES

    def metric(self, key: MetricKey) -> Metric | None:
        """The insight called ``key``."""
        return next((m for m in self.metrics if m.key == key), None)

    @property
    def exercises_to_trend(self) -> int:
        """How many more exercises before a trend is drawn."""
        return max(TREND_MIN_EXERCISES - self.exercises, 0)


def week_of(when: datetime) -> date:
    """The Monday of ``when``'s week (UTC)."""
    day = when.date()
    return day - timedelta(days=day.weekday())


def insights(history: Iterable[tuple[datetime, ExerciseStats]], *, user: int) -> Insights:
    """``user``'s numbers over their exercises (when each took place, its stats)."""
    return insights_of((when, s.partners[user]) for when, s in history
                       if s.started and user in s.partners)


def insights_of(items: Iterable[tuple[datetime, PartnerStats]]) -> Insights:
    """One partner's numbers over the exercises they took part in (when, their stats)."""
    rows = sorted(items, key=lambda r: r[0])
    by_week: dict[date, list[PartnerStats]] = {}
    for when, s in rows:
        by_week.setdefault(week_of(when), []).append(s)
    all_stats = [s for _w, s in rows]

    def series(compute: _Compute) -> tuple[float | None, tuple[tuple[date, float], ...]]:
        weeks = tuple((w, v) for w, group in sorted(by_week.items())
                      if (v := compute(group)) is not None)
        return compute(all_stats), weeks

    metrics = []
    for key, title, unit, compute in _METRICS:
        overall, weeks = series(compute)
        metrics.append(Metric(key=key, title=title, unit=unit, overall=overall, weeks=weeks))
    return Insights(exercises=len(rows), metrics=tuple(metrics))


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def _felt_seen(group: Sequence[PartnerStats]) -> float | None:
    return _mean([s.seen for s in group if s.seen is not None])


def _landing(group: Sequence[PartnerStats]) -> float | None:
    tries = sum(s.first_tries for s in group)
    return round(100 * sum(s.first_try_landed for s in group) / tries) if tries else None


def _gap(group: Sequence[PartnerStats]) -> float | None:
    return _mean([s.gap for s in group if s.gap is not None])


def _questions(group: Sequence[PartnerStats]) -> float | None:
    messages = sum(s.messages for s in group)
    return round(100 * sum(s.questions for s in group) / messages) if messages else None


def _holds(group: Sequence[PartnerStats]) -> float | None:
    return round(sum(s.held for s in group) / len(group), 1) if group else None


def _answer_time(group: Sequence[PartnerStats]) -> float | None:
    waits = [w for s in group for w in s.answer_seconds]
    return round(statistics.median(waits)) if waits else None


def _accuracy(group: Sequence[PartnerStats]) -> float | None:
    return _mean([s.accuracy for s in group if s.accuracy is not None])


_METRICS: tuple[tuple[MetricKey, str, str, _Compute], ...] = (
    ("seen", "How seen you felt", "/10", _felt_seen),
    ("landing", "Reflections that landed on the first try", "%", _landing),
    ("gap", "Understanding gap: your own estimate minus how seen your partner felt", "", _gap),
    ("questions", "Curious questions among your replies", "%", _questions),
    ("holds", "Replies the guard held back, per exercise", "", _holds),
    ("answer_time", "Time taken before answering (median)", " s", _answer_time),
    ("accuracy", "How close your guesses came (Step into my shoes)", "/10", _accuracy),
)
