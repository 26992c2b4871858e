"""One table says who may do what, when: apply enforces it and available_actions reads it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from app.domain.errors import DomainError
from app.domain.exercises import (
    RULES,
    Accept,
    AnotherRound,
    CallBreak,
    Cancel,
    Check,
    ClaimReflection,
    Confirm,
    Decline,
    EndEarly,
    EndTurn,
    ExerciseState,
    Guess,
    MarkAccuracy,
    MarkSlip,
    NameMoment,
    Rate,
    Ready,
    Reveal,
    Schedule,
    Share,
    Start,
    available_actions,
    delivered,
    may_send_anyway,
)
from app.domain.exercises.rules import refusal
from tests.domain.exercises.test_perspective import guessed, marked, named, revealed, told
from tests.domain.exercises.test_turns import T0, A, B, active, proposed, rating_phase, say, step

# One well-formed action per table entry, so only the table can refuse it.
SAMPLES: dict[str, Any] = {
    "accept": Accept(), "schedule": Schedule(at=T0 + timedelta(days=1)), "decline": Decline(),
    "cancel": Cancel(), "start": Start(), "share": Share("A small piece."),
    "listener_message": say(), "check": Check(), "confirm": Confirm(kind="landed"),
    "end_turn": EndTurn(), "call_break": CallBreak(minutes=10), "ready": Ready(),
    "end_early": EndEarly(), "rate": Rate(seen=7, understood=6), "another_round": AnotherRound(),
    "name_moment": NameMoment("Sunday lunch"), "guess": Guess(felt="left out", needed="a sign"),
    "reveal": Reveal(), "mark_accuracy": MarkAccuracy(score=5),
    # These answer one message of the turn: the latest the actor may answer, when there is one.
    "mark_slip": lambda s: MarkSlip(of=max((m.seq for m in s.messages if m.delivered),
                                           default=1), slip="fixing"),
    "claim_reflection": lambda s: ClaimReflection(
        of=max((m.seq for m in s.messages if not m.delivered), default=1)),
}


def sample(name: str, state: ExerciseState) -> Any:
    """The sample action of ``name`` for ``state``."""
    made = SAMPLES[name]
    return made(state) if callable(made) else made


def _states() -> list[ExerciseState]:
    scheduled, _ = step(proposed(), B, Schedule(at=T0 + timedelta(hours=2)))
    shared, _ = step(active(), A, Share("I felt alone."))
    reflected, _ = step(shared, B, say())
    held, _ = step(shared, B, say("You should quit.", label="advice", action="block"))
    marked_slip, _ = step(reflected, A, MarkSlip(of=reflected.seq, slip="judging"))
    on_break, _ = step(shared, B, CallBreak(minutes=10))
    half_ready, _ = step(on_break, A, Ready())
    rated, _ = step(rating_phase(), A, Rate(seen=5, understood=5))
    return [proposed(), scheduled, active(), shared, reflected, held, marked_slip, on_break,
            half_ready,
            rating_phase(), rated, active("step_into_my_shoes"), named(), guessed(), told(),
            revealed(), marked()]


def test_every_action_of_the_machine_has_a_row() -> None:
    assert set(SAMPLES) == set(RULES)


@pytest.mark.parametrize("state", _states(), ids=lambda s: f"{s.kind}-{s.phase}-{s.step}")
def test_what_is_offered_is_exactly_what_apply_lets_through(state: ExerciseState) -> None:
    for actor in (A, B):
        offered = available_actions(state, actor=actor)
        for name in SAMPLES:
            action = sample(name, state)
            problem = refusal(state, actor, name)
            if state.phase == "on_break" and name not in ("ready", "end_early"):
                problem = DomainError("on a break", code="on_break")  # apply says so first
            try:
                step(state, actor, action, seconds=60)
            except DomainError as err:
                assert problem is not None, (name, actor, err.code, err.message)
                assert err.code == problem.code, (name, actor)
                assert name not in offered
            else:
                assert problem is None, (name, actor, problem)
                assert name in offered, (name, actor)


@pytest.mark.parametrize(("strictness", "verdict", "anyway", "reaches", "may"), [
    ("gentle", "allow", False, True, False), ("gentle", "nudge", False, False, True),
    ("gentle", "nudge", True, True, True), ("gentle", "block", True, False, False),
    ("strict", "nudge", True, False, False), ("strict", "allow", False, True, False),
])
def test_a_nudge_reaches_the_speaker_only_when_gentle_and_sent_anyway(
        strictness: str, verdict: str, anyway: bool, reaches: bool, may: bool) -> None:
    assert delivered(strictness, verdict, send_anyway=anyway) is reaches
    assert may_send_anyway(strictness, verdict) is may
