"""The insight numbers against examples worked out by hand."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from app.domain import exercises as ex
from app.domain.exercises.metrics import (
    ExerciseStats,
    PartnerStats,
    exercise_stats,
    insights,
    stats_from_dict,
    stats_to_dict,
)
from app.domain.exercises.state import Event, EventType

A, B = 1, 2
T0 = datetime(2025, 3, 5, 19, 0, tzinfo=UTC)  # a Wednesday


def ev(seq: int, type_: EventType, actor: int, seconds: float = 0, private: int | None = None,
       **payload: Any) -> Event:
    """One event ``seconds`` after T0."""
    return Event(seq=seq, type=type_, actor=actor, payload=MappingProxyType(payload),
                 visible_to=None if private is None else frozenset({private}),
                 at=T0 + timedelta(seconds=seconds))


def lm(seq: int, actor: int, seconds: float, label: str, delivered: bool = True) -> Event:
    """A listener message with the guard's label."""
    return ev(seq, "listener_message", actor, seconds, None if delivered else actor,
              text=f"message {seq}", label=label, action="allow" if delivered else "block",
              delivered=delivered, send_anyway=False, turn=1)


# A whole exercise: B listens first, A second.
EXERCISE = [
    ev(1, "proposed", A), ev(2, "accepted", B), ev(3, "started", B, speaker=A, listener=B),
    ev(4, "shared", A, 0, text="one"),
    lm(5, B, 20, "advice", delivered=False),  # held; still B's first answer: 20 s
    lm(6, B, 50, "reflection"),
    ev(7, "confirmed", A, 60, kind="not_quite", of=6),  # first answer to share 4: not landed
    lm(8, B, 80, "reflection"),
    ev(9, "confirmed", A, 90, kind="landed", of=8),  # landed, but not on the first try
    ev(10, "shared", A, 120, text="two"),
    lm(11, B, 130, "open_question"),  # 10 s
    ev(12, "shared", A, 150, text="three"),
    ev(13, "check", B, 190, text="Did I get that right?"),  # 40 s
    ev(14, "confirmed", A, 200, kind="landed", of=13),  # first try, landed
    ev(15, "turn_ended", A, 210), ev(16, "roles_swapped", A, 210, speaker=B, listener=A),
    ev(17, "shared", B, 300, text="four"),
    lm(18, A, 310, "reflection"),  # 10 s
    ev(19, "confirmed", B, 320, kind="landed", of=18),  # first try, landed
    ev(20, "turn_ended", B, 330),
    ev(21, "rated", A, 400, A, seen=7, understood=8, note="a"),
    ev(22, "rated", B, 410, B, seen=9, understood=6, note="b"),
    ev(23, "ratings_revealed", B, 410, ratings=[{"user": A, "seen": 7, "understood": 8},
                                                {"user": B, "seen": 9, "understood": 6}]),
    ev(24, "completed", B, 410),
]


def test_one_exercise_by_hand() -> None:
    stats = exercise_stats(list(reversed(EXERCISE)), partners=(A, B))  # order does not matter
    assert stats.started and stats.landed_seqs == (8, 13, 18) and stats.landed == 3
    assert stats.partners[B] == PartnerStats(
        seen=9, understood=6, gap=6 - 7, messages=4, questions=1, held=1, landed=2,
        first_tries=2, first_try_landed=1, answer_seconds=(20.0, 10.0, 40.0))
    assert stats.partners[A] == PartnerStats(
        seen=7, understood=8, gap=8 - 9, messages=1, questions=0, held=0, landed=1,
        first_tries=1, first_try_landed=1, answer_seconds=(10.0,))


def test_an_exercise_declined_before_it_started_has_no_numbers() -> None:
    stats = exercise_stats([ev(1, "proposed", A), ev(2, "declined", B)], partners=(A, B))
    assert not stats.started
    assert stats.partners[A] == PartnerStats() and stats.partners[B] == PartnerStats()
    assert insights([(T0, stats)], user=A).exercises == 0


def test_ratings_that_were_never_revealed_are_not_counted() -> None:
    sealed = [*EXERCISE[:21]]  # A rated, B never did
    stats = exercise_stats(sealed, partners=(A, B))
    assert stats.partners[A].seen is None and stats.partners[A].gap is None


def test_empty_history() -> None:
    result = insights([], user=A)
    assert result.exercises == 0 and not result.trend_ready
    assert all(m.overall is None and m.weeks == () for m in result.metrics)
    assert [m.key for m in result.metrics] == ["seen", "landing", "gap", "questions", "holds",
                                               "answer_time", "accuracy"]


def test_one_exercise_history_has_numbers_but_no_trend() -> None:
    result = insights([(T0, exercise_stats(EXERCISE, partners=(A, B)))], user=B)
    assert result.exercises == 1 and not result.trend_ready
    overall = {m.key: m.overall for m in result.metrics}
    # seen 9; 1 of 2 first tries landed; gap 6-7; 1 question of 4 replies; 1 hold;
    # median of 20, 10, 40 seconds.
    assert overall == {"seen": 9.0, "landing": 50, "gap": -1.0, "questions": 25, "holds": 1.0,
                       "answer_time": 20, "accuracy": None}
    monday = date(2025, 3, 3)
    assert {m.key: m.weeks for m in result.metrics}["seen"] == ((monday, 9.0),)


def _stats(seen: int | None, tries: int, landed: int, held: int = 0) -> ExerciseStats:
    return ExerciseStats(partners={A: PartnerStats(seen=seen, first_tries=tries,
                                                   first_try_landed=landed, held=held),
                                   B: PartnerStats()}, started=True)


def test_three_exercises_over_two_weeks() -> None:
    week1, week2 = date(2025, 3, 3), date(2025, 3, 10)
    history = [
        (datetime(2025, 3, 11, 9, tzinfo=UTC), _stats(9, 0, 0)),  # week 2, no reflections
        (datetime(2025, 3, 3, 9, tzinfo=UTC), _stats(6, 2, 1, held=3)),
        (datetime(2025, 3, 9, 23, tzinfo=UTC), _stats(8, 2, 2, held=1)),  # Sunday: week 1
        (datetime(2025, 3, 12, 9, tzinfo=UTC), ExerciseStats(partners={}, started=False)),
    ]
    result = insights(history, user=A)
    assert result.exercises == 3 and result.trend_ready
    metric = {m.key: m for m in result.metrics}
    assert metric["seen"].overall == 7.7  # (6 + 8 + 9) / 3
    assert metric["seen"].weeks == ((week1, 7.0), (week2, 9.0))
    assert metric["landing"].overall == 75  # 3 of 4 first tries
    assert metric["landing"].weeks == ((week1, 75),)  # week 2 had nothing to land
    assert metric["holds"].overall == 1.3  # 4 holds over 3 exercises
    assert metric["holds"].weeks == ((week1, 2.0), (week2, 0.0))
    assert metric["gap"].overall is None  # never both revealed


def test_stats_survive_their_stored_form() -> None:
    stats = exercise_stats(EXERCISE, partners=(A, B))
    stored = json.loads(json.dumps(stats_to_dict(stats)))
    assert stats_from_dict(stored) == stats
    assert stats_from_dict({"v": 0}) is None


def _shoes_turn(state: Any, speaker: int, listener: int, score: int, clock: list[int]
                ) -> tuple[Any, list[Event]]:
    """One Step-into-my-shoes turn through the real rules, ending with ``score``."""
    events: list[Event] = []
    for actor, action in (
            (speaker, ex.NameMoment("The call from the school")),
            (listener, ex.Guess(felt="worried", needed="company")),
            (speaker, ex.Share("I was scared something had happened.")),
            (listener, ex.ListenerMessage(text="So you were frightened.",
                                          verdict_label="reflection", verdict_action="allow")),
            (speaker, ex.Reveal()),
            (speaker, ex.MarkAccuracy(score=score)),
            (listener, ex.ListenerMessage(text="I thought worry; it was fear.",
                                          verdict_label="reflection", verdict_action="allow")),
            (speaker, ex.EndTurn())):
        clock[0] += 60
        state, new = ex.apply(state, actor=actor, action=action,
                              now=T0 + timedelta(seconds=clock[0]))
        events += new
    return state, events


def test_accuracy_is_the_mean_mark_each_guesser_got() -> None:
    state, events = ex.new_exercise(kind="step_into_my_shoes", proposer=A, partner=B,
                                    first_speaker=A, now=T0)
    clock = [0]
    state, new = ex.apply(state, actor=B, action=ex.Accept(), now=T0)
    events += new
    for speaker, listener, score in ((A, B, 6), (B, A, 3)):
        state, new = _shoes_turn(state, speaker, listener, score, clock)
        events += new
    for who in (A, B):  # another round: B guesses once more, and comes closer
        state, new = ex.apply(state, actor=who, action=ex.AnotherRound(), now=T0)
        events += new
    state, new = _shoes_turn(state, A, B, 9, clock)
    events += new
    stats = exercise_stats(events, partners=(A, B))
    assert stats.partners[B].accuracy == 7.5  # (6 + 9) / 2: B's guesses, marked by A
    assert stats.partners[A].accuracy == 3.0  # A's one guess, marked by B
    assert stats_from_dict(json.loads(json.dumps(stats_to_dict(stats)))) == stats
    # A listener exercise has no guesses, so no accuracy (not a zero).
    assert exercise_stats(EXERCISE, partners=(A, B)).partners[B].accuracy is None


def test_accuracy_over_time_averages_the_exercises_week_by_week() -> None:
    week1, week2 = date(2025, 3, 3), date(2025, 3, 10)

    def shoes(accuracy: float | None) -> ExerciseStats:
        return ExerciseStats(partners={A: PartnerStats(accuracy=accuracy), B: PartnerStats()},
                             started=True)

    history = [(datetime(2025, 3, 4, 9, tzinfo=UTC), shoes(4.0)),
               (datetime(2025, 3, 6, 9, tzinfo=UTC), shoes(7.0)),
               (datetime(2025, 3, 7, 9, tzinfo=UTC), shoes(None)),  # another exercise
               (datetime(2025, 3, 11, 9, tzinfo=UTC), shoes(8.0))]
    accuracy = insights(history, user=A).metric("accuracy")
    assert accuracy is not None and accuracy.unit == "/10"
    assert accuracy.overall == 6.3  # (4 + 7 + 8) / 3
    assert accuracy.weeks == ((week1, 5.5), (week2, 8.0))
    assert insights(history, user=B).metric("accuracy").overall is None  # type: ignore[union-attr]


def test_slip_marks_and_reflection_claims_are_counted_for_the_listener() -> None:
    events = [
        ev(1, "proposed", A), ev(2, "accepted", B), ev(3, "started", B, speaker=A, listener=B),
        ev(4, "shared", A, 0, text="one"),
        lm(5, B, 20, "advice", delivered=False),
        ev(6, "reflection_claimed", B, 25, B, of=5, turn=1),  # B: "this was a reflection"
        lm(7, B, 40, "reflection"),
        ev(8, "slip_marked", A, 50, of=7, slip="fixing", listener=B, turn=1),
        lm(9, B, 60, "reflection"),
        ev(10, "slip_marked", A, 70, of=9, slip="judging", listener=B, turn=1),
        ev(11, "turn_ended", A, 80), ev(12, "roles_swapped", A, 80, speaker=B, listener=A),
        ev(13, "shared", B, 90, text="two"), lm(14, A, 100, "reflection"),
        ev(15, "slip_marked", B, 110, of=14, slip="about_you", listener=A, turn=2),
    ]
    stats = exercise_stats(events, partners=(A, B))
    assert (stats.partners[B].slips, stats.partners[B].claims) == (2, 1)
    assert (stats.partners[A].slips, stats.partners[A].claims) == (1, 0)
    assert stats_from_dict(json.loads(json.dumps(stats_to_dict(stats)))) == stats
    # Stored before marks were counted: recomputed from the events, not read as zero.
    assert stats_from_dict({**stats_to_dict(stats), "v": 2}) is None
