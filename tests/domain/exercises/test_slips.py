"""Both partners teach the guard: the speaker marks a delivered message as a slip, the listener
says a held one was a reflection. Neither changes the turn; each is refused when it isn't theirs,
for the wrong message, or twice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.domain.errors import DomainError
from app.domain.exercises import (
    ClaimReflection,
    EndTurn,
    ExerciseState,
    MarkSlip,
    Share,
    available_actions,
    state_from_dict,
    state_to_dict,
    visible,
)
from tests.domain.exercises.test_turns import STRANGER, A, B, refused, say, shared, step

ADVICE = "You should just talk to your boss."


def delivered_and_held() -> tuple[ExerciseState, int, int]:
    """A shared; B's reflection reached A (seq ``ok``), B's advice was held (seq ``held``)."""
    state, events = step(shared(), B, say())
    ok = events[0].seq
    state, events = step(state, B, say(ADVICE, label="advice", action="block"))
    return state, ok, events[0].seq


def test_the_speaker_marks_a_delivered_message_and_the_turn_goes_on_unchanged() -> None:
    before, ok, _ = delivered_and_held()
    assert "mark_slip" in available_actions(before, actor=A)
    after, events = step(before, A, MarkSlip(of=ok, slip="fixing"))
    assert [e.type for e in events] == ["slip_marked"]
    mark = events[0]
    assert mark.actor == A and dict(mark.payload) == {"of": ok, "slip": "fixing", "listener": B,
                                                      "turn": 1}
    # The listener reads it (and the speaker who made it); nobody outside the couple does.
    assert visible(mark, B) and visible(mark, A)
    # The floor, the turn, the step and what waits for a confirmation: all as they were.
    assert replace(after, messages=before.messages, seq=before.seq) == before
    assert next(m for m in after.messages if m.seq == ok).feedback == "fixing"


def test_only_the_speaker_marks() -> None:
    state, ok, _ = delivered_and_held()
    refused(state, B, MarkSlip(of=ok, slip="judging"), "not_your_turn")
    with pytest.raises(Exception, match="not part of this exercise"):
        step(state, STRANGER, MarkSlip(of=ok, slip="judging"))


def test_a_message_that_did_not_reach_the_speaker_cannot_be_marked() -> None:
    state, _, held = delivered_and_held()
    refused(state, A, MarkSlip(of=held, slip="fixing"), "not_delivered")
    only_held, _ = step(shared(), B, say(ADVICE, label="advice", action="block"))
    refused(only_held, A, MarkSlip(of=only_held.seq, slip="fixing"), "nothing_to_mark")
    # A share of the speaker's own, or a number that is no message, is not one to mark either.
    refused(state, A, MarkSlip(of=1, slip="fixing"), "not_found")
    refused(state, A, MarkSlip(of=999, slip="fixing"), "not_found")


def test_a_message_is_marked_once() -> None:
    state, ok, _ = delivered_and_held()
    state, _ = step(state, A, MarkSlip(of=ok, slip="defending"))
    refused(state, A, MarkSlip(of=ok, slip="about_you"), "already_marked")
    # With a second delivered message the first is still refused, the second may be marked.
    state, events = step(state, B, say("So the meeting left you feeling invisible."))
    refused(state, A, MarkSlip(of=ok, slip="defending"), "already_marked")
    step(state, A, MarkSlip(of=events[0].seq, slip="brushing_off"))


def test_an_unknown_slip_is_invalid() -> None:
    _, ok, _ = delivered_and_held()
    with pytest.raises(DomainError) as err:
        MarkSlip(of=ok, slip="rude")  # type: ignore[arg-type]
    assert err.value.code == "invalid"


def test_the_listener_says_a_held_message_was_a_reflection_privately() -> None:
    before, _, held = delivered_and_held()
    assert "claim_reflection" in available_actions(before, actor=B)
    assert "claim_reflection" not in available_actions(before, actor=A)
    after, events = step(before, B, ClaimReflection(of=held))
    assert [e.type for e in events] == ["reflection_claimed"]
    claim = events[0]
    assert dict(claim.payload) == {"of": held, "turn": 1}
    assert visible(claim, B) and not visible(claim, A)
    # Still not sent: nothing waits for the speaker, nothing else moved.
    assert replace(after, messages=before.messages, seq=before.seq) == before
    assert next(m for m in after.messages if m.seq == held) == replace(
        next(m for m in before.messages if m.seq == held), feedback="reflection")


def test_a_reflection_claim_is_refused_on_a_delivered_message_for_the_speaker_and_twice() -> None:
    state, ok, held = delivered_and_held()
    refused(state, B, ClaimReflection(of=ok), "delivered")
    refused(state, A, ClaimReflection(of=held), "wrong_role")
    state, _ = step(state, B, ClaimReflection(of=held))
    refused(state, B, ClaimReflection(of=held), "already_marked")
    only_delivered, _ = step(shared(), B, say())
    refused(only_delivered, B, ClaimReflection(of=only_delivered.seq), "nothing_held")


def test_marks_belong_to_their_turn() -> None:
    state, ok, held = delivered_and_held()
    # The speaker ends the turn: B holds the floor, A listens, and last turn's messages are gone.
    state, _ = step(state, A, EndTurn())
    assert state.messages == ()
    refused(state, B, MarkSlip(of=ok, slip="fixing"), "nothing_to_mark")  # B speaks now
    state, _ = step(state, B, Share("My turn now."))
    refused(state, A, ClaimReflection(of=held), "nothing_held")


def test_the_turn_messages_survive_storage() -> None:
    state, ok, held = delivered_and_held()
    state, _ = step(state, A, MarkSlip(of=ok, slip="judging"))
    state, _ = step(state, B, ClaimReflection(of=held))
    assert state_from_dict(state_to_dict(state)) == state
    stored = state_to_dict(state)
    del stored["messages"]  # stored before slip marks existed: no messages to mark
    assert state_from_dict(stored).messages == ()
