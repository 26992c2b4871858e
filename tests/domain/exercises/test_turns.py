"""The turn state machine, one rule at a time."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from app.domain.errors import DomainError
from app.domain.exercises import (
    CATALOG,
    Accept,
    Action,
    AnotherRound,
    CallBreak,
    Cancel,
    Check,
    Confirm,
    CorruptStateError,
    Decline,
    EndEarly,
    EndTurn,
    Event,
    ExerciseState,
    ListenerMessage,
    Rate,
    Ready,
    Say,
    Schedule,
    Share,
    Start,
    apply,
    available_actions,
    event_to_dict,
    held_in_a_row,
    knows_guard_context,
    listener_of,
    new_exercise,
    public_view,
    resolve_first_speaker,
    resolve_say,
    role_of,
    state_from_dict,
    state_to_dict,
    visible,
)

A, B, STRANGER = 11, 22, 99
T0 = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)


def at(seconds: float = 0) -> datetime:
    """Return T0 plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


def proposed(
    kind: str = "speaker_listener", *, strictness: str = "gentle", first: int = A
) -> ExerciseState:
    """Return an exercise A proposed to B."""
    state, _ = new_exercise(
        kind=kind, proposer=A, partner=B, first_speaker=first,
        strictness=strictness, now=T0,  # type: ignore[arg-type]
    )
    return state


def active(kind: str = "speaker_listener", *, strictness: str = "gentle", first: int = A
           ) -> ExerciseState:
    """Return a started exercise where ``first`` holds the floor."""
    state, _ = apply(proposed(kind, strictness=strictness, first=first),
                     actor=B, action=Accept(), now=T0)
    return state


def shared(kind: str = "speaker_listener", *, strictness: str = "gentle", first: int = A
           ) -> ExerciseState:
    """Return a started exercise where ``first`` has shared a first piece (at T0)."""
    state, _ = apply(active(kind, strictness=strictness, first=first), actor=first,
                     action=Share("I felt alone this week."), now=T0)
    return state


def step(state: ExerciseState, actor: int, action: Action, seconds: float = 0
         ) -> tuple[ExerciseState, list[Event]]:
    """Apply one action at T0 + ``seconds``."""
    return apply(state, actor=actor, action=action, now=at(seconds))


def never_made(make: Callable[[], object]) -> DomainError:
    """Assert a bad value never makes an action (actions check their values as they are
    made), with a clear ``invalid`` error."""
    with pytest.raises(DomainError) as err:
        make()
    assert err.value.code == "invalid" and err.value.message
    return err.value


def refused(state: ExerciseState, actor: int, action: Action, code: str, seconds: float = 0
            ) -> DomainError:
    """Assert the action is refused with ``code`` and return the error."""
    with pytest.raises(DomainError) as err:
        step(state, actor, action, seconds)
    assert err.value.code == code, err.value.message
    assert err.value.message
    return err.value


def types(events: list[Event]) -> list[str]:
    """Return the event types in order."""
    return [e.type for e in events]


def say(text: str = "It sounds like you felt alone.", *, label: str = "reflection",
        action: str = "allow", anyway: bool = False) -> ListenerMessage:
    """Build a listener message with a guard verdict."""
    verdict: Any = action
    return ListenerMessage(text=text, verdict_label=label, verdict_action=verdict,
                           send_anyway=anyway)


def rating_phase() -> ExerciseState:
    """Return an exercise where both turns are done."""
    state = active()
    state, _ = step(state, A, EndTurn())
    state, _ = step(state, B, EndTurn())
    assert state.phase == "rating"
    return state


# --- proposing ---------------------------------------------------------------------------------


def test_new_exercise_emits_proposed_as_seq_1() -> None:
    state, events = new_exercise(kind="slow_down", proposer=A, partner=B, first_speaker=B,
                                 topic="  the holidays \n", strictness="strict", now=T0)
    assert state.phase == "proposed" and state.seq == 1 and state.turn == 0
    assert state.partners == (A, B) and state.speaker is None and listener_of(state) is None
    assert state.topic == "the holidays"
    [event] = events
    assert (event.seq, event.type, event.actor, event.visible_to, event.at) == (
        1, "proposed", A, None, T0)
    assert dict(event.payload) == {"kind": "slow_down", "topic": "the holidays",
                                   "first_speaker": B, "partner": B, "strictness": "strict"}


@pytest.mark.parametrize("kwargs, code", [
    ({"kind": "nope"}, "unknown_exercise"),
    ({"partner": A}, "invalid"),
    ({"first_speaker": STRANGER}, "invalid"),
    ({"topic": "x" * 201}, "invalid"),
    ({"topic": 5}, "invalid"),
    ({"strictness": "harsh"}, "invalid"),
])
def test_new_exercise_rejects_bad_proposals(kwargs: dict[str, Any], code: str) -> None:
    args: dict[str, Any] = {"kind": "speaker_listener", "proposer": A, "partner": B,
                            "first_speaker": A, "now": T0}
    with pytest.raises(DomainError) as err:
        new_exercise(**(args | kwargs))
    assert err.value.code == code


def test_topic_of_200_characters_is_fine() -> None:
    state, _ = new_exercise(kind="speaker_listener", proposer=A, partner=B, first_speaker=A,
                            topic="y" * 200, now=T0)
    assert len(state.topic) == 200


def test_naive_clock_is_a_caller_bug() -> None:
    with pytest.raises(ValueError):
        new_exercise(kind="speaker_listener", proposer=A, partner=B, first_speaker=A,
                     now=datetime(2025, 1, 1))
    with pytest.raises(ValueError):
        apply(proposed(), actor=B, action=Accept(), now=datetime(2025, 1, 1))


def test_times_are_normalised_to_utc() -> None:
    paris = timezone(timedelta(hours=2))
    state, _ = apply(proposed(), actor=B, action=Accept(), now=T0.astimezone(paris))
    assert state.started_at == T0 and state.started_at.tzinfo is UTC


@pytest.mark.parametrize("choice, coin, expected", [
    ("me", True, A), ("me", False, A), ("partner", True, B), ("partner", False, B),
    ("random", True, A), ("random", False, B),
])
def test_resolve_first_speaker(choice: Any, coin: bool, expected: int) -> None:
    assert resolve_first_speaker(choice, proposer=A, partner=B, coin=coin) == expected


def test_resolve_first_speaker_rejects_other_choices() -> None:
    with pytest.raises(DomainError) as err:
        resolve_first_speaker("both", proposer=A, partner=B, coin=True)  # type: ignore[arg-type]
    assert err.value.code == "invalid"


# --- accepting, scheduling, declining, cancelling ----------------------------------------------


@pytest.mark.parametrize("first", [A, B])
def test_accept_starts_now_with_the_chosen_speaker(first: int) -> None:
    state, events = step(proposed(first=first), B, Accept(), 5)
    assert types(events) == ["accepted", "started"]
    assert [e.seq for e in events] == [2, 3] and state.seq == 3
    assert state.phase == "active" and state.turn == 1
    assert state.speaker == first and listener_of(state) == (B if first == A else A)
    assert state.started_at == at(5)
    assert dict(events[1].payload) == {"speaker": first, "listener": listener_of(state),
                                       "turn": 1}


def test_proposer_cannot_accept_schedule_or_decline() -> None:
    state = proposed()
    for action in (Accept(), Schedule(at=at(3600)), Decline()):
        refused(state, A, action, "wrong_role")


def test_schedule_then_either_partner_starts() -> None:
    state, events = step(proposed(), B, Schedule(at=at(3600)))
    assert types(events) == ["scheduled"]
    assert events[0].payload["at"] == "2025-03-01T19:00:00+00:00"
    assert state.phase == "scheduled" and state.scheduled_for == at(3600)
    refused(state, B, Accept(), "wrong_phase")
    for starter in (A, B):
        started, events = step(state, starter, Start(), 3600)
        assert types(events) == ["started"] and started.speaker == A and started.turn == 1
        assert events[0].actor == starter


@pytest.mark.parametrize("when", [at(0), at(-1), at(7 * 86400 + 1)])
def test_schedule_must_be_in_the_future_within_seven_days(when: datetime) -> None:
    refused(proposed(), B, Schedule(at=when), "invalid")


def test_a_time_without_a_zone_never_makes_a_schedule() -> None:
    never_made(lambda: Schedule(at=datetime(2025, 3, 1, 19, 0)))


def test_schedule_exactly_seven_days_ahead_is_fine() -> None:
    state, _ = step(proposed(), B, Schedule(at=at(7 * 86400)))
    assert state.phase == "scheduled"


def test_start_needs_a_schedule() -> None:
    refused(proposed(), A, Start(), "wrong_phase")
    refused(active(), A, Start(), "wrong_phase")


def test_decline_ends_the_proposal() -> None:
    state, events = step(proposed(), B, Decline(), 9)
    assert types(events) == ["declined"]
    assert state.phase == "declined" and state.ended_by == B and state.ended_at == at(9)
    refused(state, B, Accept(), "finished")


@pytest.mark.parametrize("scheduled", [False, True])
def test_only_the_proposer_cancels_before_the_start(scheduled: bool) -> None:
    state = proposed()
    if scheduled:
        state, _ = step(state, B, Schedule(at=at(600)))
    refused(state, B, Cancel(), "wrong_role")
    state, events = step(state, A, Cancel())
    assert types(events) == ["cancelled"] and state.phase == "cancelled" and state.ended_by == A


def test_cannot_cancel_once_started() -> None:
    refused(active(), A, Cancel(), "wrong_phase")


# --- the floor ----------------------------------------------------------------------------------


def test_only_the_speaker_shares() -> None:
    state = active()
    refused(state, B, Share("me too"), "not_your_turn")
    state, events = step(state, A, Share("  I felt alone last night.  "), 2)
    assert types(events) == ["shared"]
    assert dict(events[0].payload) == {"text": "I felt alone last night.", "turn": 1}
    assert events[0].visible_to is None and state.last_share_at == at(2)


@pytest.mark.parametrize("text", ["", "   \n ", "x" * 2001, "a\x00b", "left\u202eright"])
def test_share_text_is_checked(text: str) -> None:
    never_made(lambda: Share(text))


def test_share_of_2000_characters_is_fine() -> None:
    _, events = step(active(), A, Share("z" * 2000))
    assert len(str(events[0].payload["text"])) == 2000


def test_speaker_cannot_send_listener_moves() -> None:
    state = active()
    refused(state, A, say(), "wrong_role")
    refused(state, A, Check(), "wrong_role")


def test_listener_cannot_confirm_or_end_the_turn() -> None:
    state, _ = step(shared(), B, Check())
    refused(state, B, Confirm("landed"), "wrong_role")
    refused(state, B, EndTurn(), "not_your_turn")


@pytest.mark.parametrize("strictness, verdict, anyway, delivered", [
    ("gentle", "allow", False, True),
    ("gentle", "allow", True, True),
    ("gentle", "nudge", False, False),
    ("gentle", "nudge", True, True),
    ("gentle", "block", False, False),
    ("gentle", "block", True, False),
    ("strict", "allow", False, True),
    ("strict", "nudge", False, False),
    ("strict", "nudge", True, False),
    ("strict", "block", True, False),
])
def test_delivery_follows_the_verdict_and_strictness(
    strictness: str, verdict: str, anyway: bool, delivered: bool
) -> None:
    state = shared(strictness=strictness)
    state, events = step(state, B, say("Was it the meeting?", label="closed_question",
                                       action=verdict, anyway=anyway))
    [event] = events
    assert event.type == "listener_message" and event.actor == B
    assert dict(event.payload) == {"text": "Was it the meeting?", "label": "closed_question",
                                   "action": verdict, "send_anyway": anyway,
                                   "delivered": delivered, "turn": 1}
    assert visible(event, B)
    assert visible(event, A) is delivered
    assert event.visible_to == (None if delivered else frozenset({B}))
    assert event.private_to == (None if delivered else B)


@pytest.mark.parametrize("make", [
    lambda: say(action="maybe"), lambda: say(label=""), lambda: say(text=""),
    lambda: say(text="q" * 2001),
    lambda: ListenerMessage(text="ok", verdict_label="reflection", verdict_action="allow",
                            send_anyway="yes"),  # type: ignore[arg-type]
])
def test_listener_message_values_are_checked(make: Callable[[], ListenerMessage]) -> None:
    never_made(make)


def test_resolve_say_guards_only_the_listener() -> None:
    state = shared()
    calls: list[str] = []

    def guard(text: str) -> tuple[str, Any]:
        calls.append(text)
        return "advice", "block"

    assert resolve_say(state, actor=A, say=Say("I was hurt"), classify=guard) == Share("I was hurt")
    assert calls == []
    message = resolve_say(state, actor=B, say=Say("  Just quit. ", send_anyway=True),
                          classify=guard)
    assert message == ListenerMessage(text="Just quit.", verdict_label="advice",
                                      verdict_action="block", send_anyway=True)
    assert calls == ["Just quit."]
    # Outside a turn the text becomes a Share that apply refuses with the right code.
    assert isinstance(resolve_say(proposed(), actor=B, say=Say("hi"), classify=guard), Share)
    refused(state, STRANGER, resolve_say(state, actor=STRANGER, say=Say("hi"), classify=guard),
            "not_participant")


def test_resolve_say_refuses_bad_listener_text_before_calling_the_guard() -> None:
    def explode(text: str) -> tuple[str, Any]:
        raise AssertionError("the guard must not see empty text")

    with pytest.raises(DomainError) as err:
        resolve_say(shared(), actor=B, say=Say(""), classify=explode)
    assert err.value.code == "invalid"


# --- slow it down -------------------------------------------------------------------------------


def test_slow_down_makes_the_listener_wait_after_each_share() -> None:
    state = active("slow_down")
    # Nothing shared yet: nothing to reflect or check, so the listener waits for the speaker.
    refused(state, B, say(), "nothing_shared", 100)
    refused(state, B, Check(), "nothing_shared", 100)
    assert not {"say", "listener_message", "check"} & available_actions(state, actor=B)
    state, _ = step(state, A, Share("It was a hard week."), 100)
    assert {"say", "listener_message", "check"} <= available_actions(state, actor=B)
    err = refused(state, B, say(), "too_soon", 103)
    assert "7 seconds" in err.message
    assert "1 second." in refused(state, B, Check(), "too_soon", 109.5).message
    refused(state, B, say(action="block"), "too_soon", 109.99)
    state, events = step(state, B, say(), 110)
    assert types(events) == ["listener_message"]
    # The speaker is never held back, and each share restarts the pause.
    state, _ = step(state, A, Share("And another thing."), 111)
    refused(state, B, Check(), "too_soon", 115)
    assert public_view(state, viewer=B)["listener_may_answer_at"] == at(121).isoformat()


def test_other_kinds_have_no_pause() -> None:
    state, _ = step(active(), A, Share("Hi."))
    state, events = step(state, B, say())
    assert types(events) == ["listener_message"]


# --- confirming ---------------------------------------------------------------------------------


def test_nothing_to_confirm_before_a_reflection() -> None:
    refused(active(), A, Confirm("landed"), "nothing_to_confirm")


@pytest.mark.parametrize("kind, label", [
    ("landed", "That's it"), ("not_quite", "Not quite…"), ("more", "There's more"),
])
def test_speaker_confirms_the_latest_delivered_reflection(kind: str, label: str) -> None:
    state = shared()
    state, _ = step(state, B, say("First try."))
    state, events = step(state, B, say("Second try."))
    latest = events[0].seq
    assert state.pending_confirmation == latest
    state, events = step(state, A, Confirm(kind))  # type: ignore[arg-type]
    assert types(events) == ["confirmed"]
    assert dict(events[0].payload) == {"kind": kind, "label": label, "of": latest, "turn": 1}
    assert state.pending_confirmation is None
    refused(state, A, Confirm("landed"), "nothing_to_confirm")


def test_the_check_can_be_confirmed() -> None:
    state, events = step(shared(), B, Check())
    assert dict(events[0].payload) == {"text": "Did I get that right? Is there more?", "turn": 1}
    assert state.pending_confirmation == events[0].seq
    state, events = step(state, A, Confirm("more"))
    assert events[0].payload["of"] == 5


@pytest.mark.parametrize("message", [
    say(label="reflection", action="block"),
    say(label="reflection", action="nudge", anyway=False),
    say(label="open_question"),
    say(label="closed_question", action="nudge", anyway=True),
])
def test_held_messages_and_questions_are_not_confirmable(message: ListenerMessage) -> None:
    state, _ = step(shared(), B, message)
    assert state.pending_confirmation is None
    refused(state, A, Confirm("landed"), "nothing_to_confirm")


def test_a_held_message_does_not_replace_a_pending_reflection() -> None:
    state, events = step(shared(), B, say())
    state, _ = step(state, B, say(label="advice", action="block"))
    assert state.pending_confirmation == events[0].seq


def test_confirm_kind_is_checked() -> None:
    state, _ = step(shared(), B, Check())
    never_made(lambda: Confirm("yes"))  # type: ignore[arg-type]
    state, events = step(state, A, Confirm("landed"))
    assert types(events) == ["confirmed"]


# --- turns --------------------------------------------------------------------------------------


def test_end_turn_swaps_roles_then_moves_to_rating() -> None:
    state, _ = step(active("slow_down"), A, Share("hello"))
    state, _ = step(state, B, Check(), 20)
    state, events = step(state, A, EndTurn(), 30)
    assert types(events) == ["turn_ended", "roles_swapped"]
    assert dict(events[0].payload) == {"turn": 1, "next": "swap"}
    assert dict(events[1].payload) == {"speaker": B, "listener": A, "turn": 2}
    assert (state.speaker, listener_of(state), state.turn) == (B, A, 2)
    assert state.pending_confirmation is None and state.last_share_at is None
    assert role_of(state, A) == "listener" and role_of(state, B) == "speaker"
    refused(state, A, EndTurn(), "not_your_turn")
    refused(state, A, Share("wait"), "not_your_turn")
    # The new listener waits for the new speaker's first piece, not the old speaker's pause.
    refused(state, A, say(), "nothing_shared", 31)
    state, _ = step(state, B, Share("my turn"), 31)
    state, _ = step(state, A, say(), 41)
    state, events = step(state, B, EndTurn(), 42)
    assert types(events) == ["turn_ended"]
    assert dict(events[0].payload) == {"turn": 2, "next": "rating"}
    assert state.phase == "rating" and state.speaker is None and role_of(state, A) is None
    refused(state, B, Share("more"), "wrong_phase")


# --- breaks -------------------------------------------------------------------------------------


def test_either_partner_calls_a_break_and_both_must_be_ready() -> None:
    state, _ = step(shared(), B, say())
    state, events = step(state, B, CallBreak(), 60)
    assert types(events) == ["break_called"]
    assert dict(events[0].payload) == {"minutes": 20, "ends_at": at(60 + 1200).isoformat(),
                                       "resume_at": at(60 + 1200).isoformat()}
    assert state.phase == "on_break" and state.break_by == B
    moves: list[tuple[int, Action]] = [
        (A, Share("x")), (B, say()), (B, Check()), (A, Confirm("landed")), (A, EndTurn()),
        (A, CallBreak()), (B, Accept()),
    ]
    for actor, action in moves:
        refused(state, actor, action, "on_break", 61)
    view = public_view(state, viewer=A)
    assert view["break"] == {"by": B, "by_me": False, "minutes": 20,
                             "started_at": at(60).isoformat(), "ends_at": at(1260).isoformat(),
                             "resume_at": at(1260).isoformat(), "me_ready": False,
                             "partner_ready": False}
    assert view["actions"] == ["end_early", "ready"]
    # Ready before the timer ends is fine: they both decided.
    state, events = step(state, A, Ready(), 120)
    assert types(events) == ["ready"] and state.phase == "on_break" and state.ready == (A,)
    refused(state, A, Ready(), "already_ready", 121)
    state, events = step(state, B, Ready(), 130)
    assert types(events) == ["ready", "resumed"]
    assert dict(events[1].payload) == {"speaker": A, "turn": 1}
    assert state.phase == "active" and state.speaker == A and state.ready == ()
    assert state.break_ends_at is None and state.pending_confirmation is not None
    refused(state, A, Ready(), "wrong_phase")


def test_break_with_own_length_and_return_time() -> None:
    state, events = step(active(), A, CallBreak(minutes=45, resume_at=at(3 * 3600)))
    assert events[0].payload["resume_at"] == at(3 * 3600).isoformat()
    assert state.break_ends_at == at(45 * 60) and state.resume_at == at(3 * 3600)


@pytest.mark.parametrize("make", [
    lambda: CallBreak(minutes=4), lambda: CallBreak(minutes=121),
    lambda: CallBreak(minutes=True),
    lambda: CallBreak(minutes=20.0),  # type: ignore[arg-type]
    lambda: CallBreak(resume_at=datetime(2025, 3, 1, 20)),
])
def test_break_values_are_checked(make: Callable[[], CallBreak]) -> None:
    never_made(make)


@pytest.mark.parametrize("seconds", [0, -60, 24 * 3600 + 1])
def test_the_time_to_come_back_is_ahead_within_a_day(seconds: int) -> None:
    refused(active(), A, CallBreak(resume_at=at(seconds)), "invalid")


@pytest.mark.parametrize("minutes", [5, 120])
def test_break_bounds_are_inclusive(minutes: int) -> None:
    state, _ = step(active(), A, CallBreak(minutes=minutes, resume_at=at(24 * 3600)))
    assert state.break_minutes == minutes


def test_no_break_outside_an_active_exercise() -> None:
    refused(proposed(), A, CallBreak(), "wrong_phase")
    refused(rating_phase(), A, CallBreak(), "wrong_phase")


# --- ending early -------------------------------------------------------------------------------


def _in_phase(phase: str) -> ExerciseState:
    if phase == "proposed":
        return proposed()
    if phase == "scheduled":
        return step(proposed(), B, Schedule(at=at(600)))[0]
    if phase == "active":
        return active()
    if phase == "on_break":
        return step(active(), B, CallBreak())[0]
    return rating_phase()


@pytest.mark.parametrize("phase", ["proposed", "scheduled", "active", "on_break", "rating"])
@pytest.mark.parametrize("who", [A, B])
def test_either_partner_may_end_early_before_completion(phase: str, who: int) -> None:
    state = _in_phase(phase)
    assert state.phase == phase
    ended, events = step(state, who, EndEarly(), 42)
    assert types(events) == ["ended_early"]
    assert dict(events[0].payload) == {"phase": phase, "turn": state.turn}
    assert ended.phase == "ended_early"
    assert (ended.ended_by, ended.ended_at, ended.ended_in) == (who, at(42), phase)
    assert ended.speaker is None and ended.break_by is None
    assert available_actions(ended, actor=A) == frozenset()
    refused(ended, who, EndEarly(), "finished")


# --- ratings ------------------------------------------------------------------------------------


def test_ratings_are_sealed_until_both_have_rated() -> None:
    state = rating_phase()
    state, events = step(state, A, Rate(seen=8, understood=6, note="  felt close  "), 5)
    [rated] = events
    assert rated.type == "rated" and rated.visible_to == frozenset({A})
    assert dict(rated.payload) == {"seen": 8, "understood": 6, "note": "felt close"}
    assert not visible(rated, B)
    refused(state, A, Rate(seen=1, understood=1), "already_rated")
    b_view = public_view(state, viewer=B)
    assert b_view["partner_rating_done"] is True and b_view["my_rating_done"] is False
    assert b_view["partner_rating"] is None and b_view["my_rating"] is None
    assert "felt close" not in json.dumps(b_view)
    a_view = public_view(state, viewer=A)
    assert a_view["my_rating"] == {"seen": 8, "understood": 6, "note": "felt close"}
    assert a_view["partner_rating"] is None

    state, events = step(state, B, Rate(seen=9, understood=7, note="secret"), 9)
    assert types(events) == ["rated", "ratings_revealed", "completed"]
    assert events[0].visible_to == frozenset({B})
    assert events[1].visible_to is None and events[2].visible_to is None
    assert dict(events[1].payload) == {"ratings": [{"user": A, "seen": 8, "understood": 6},
                                                   {"user": B, "seen": 9, "understood": 7}]}
    assert state.phase == "complete" and state.ended_at == at(9) and state.ended_by is None
    a_view = public_view(state, viewer=A)
    assert a_view["partner_rating"] == {"seen": 9, "understood": 7}
    assert "secret" not in json.dumps(a_view)
    refused(state, A, Rate(seen=1, understood=1), "finished")


@pytest.mark.parametrize("make", [
    lambda: Rate(seen=-1, understood=5), lambda: Rate(seen=11, understood=5),
    lambda: Rate(seen=5, understood=11), lambda: Rate(seen=True, understood=5),
    lambda: Rate(seen=5, understood=5.0),  # type: ignore[arg-type]
    lambda: Rate(seen=5, understood=5, note="n" * 1001),
])
def test_rating_values_are_checked(make: Callable[[], Rate]) -> None:
    never_made(make)


def test_rating_bounds_are_inclusive() -> None:
    state, _ = step(rating_phase(), A, Rate(seen=0, understood=10, note="n" * 1000))
    assert state.ratings[0].seen == 0


def test_no_rating_before_both_turns() -> None:
    refused(active(), A, Rate(seen=5, understood=5), "wrong_phase")


# --- who may act --------------------------------------------------------------------------------


ALL_ACTIONS: list[Action] = [
    Accept(), Schedule(at=at(600)), Decline(), Cancel(), Start(), Share("hi"), say(), Check(),
    Confirm("landed"), EndTurn(), CallBreak(), Ready(), EndEarly(), Rate(seen=5, understood=5),
]


@pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: type(a).__name__)
@pytest.mark.parametrize("phase", ["proposed", "scheduled", "active", "on_break", "rating"])
def test_strangers_are_refused(action: Action, phase: str) -> None:
    refused(_in_phase(phase), STRANGER, action, "not_participant")


@pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: type(a).__name__)
def test_nothing_happens_after_the_end(action: Action) -> None:
    state = step(proposed(), B, Decline())[0]
    refused(state, A, action, "finished")
    assert available_actions(state, actor=A) == available_actions(state, actor=B) == frozenset()


def test_unknown_actions_are_refused() -> None:
    refused(active(), A, Say("hi"), "invalid")  # type: ignore[arg-type]
    refused(active(), A, "share", "invalid")  # type: ignore[arg-type]


# --- persistence and views ----------------------------------------------------------------------


def full_run() -> tuple[ExerciseState, list[Event]]:
    """Play one whole exercise and return the final state and every event."""
    state, events = new_exercise(kind="slow_down", proposer=A, partner=B, first_speaker=B,
                                 topic="money", strictness="strict", now=T0)
    script: list[tuple[int, Action]] = [
        (B, Schedule(at=at(3600))), (A, Start()), (B, Share("I worry about rent.")),
        (A, say(label="advice", action="block")), (A, say()), (B, Confirm("not_quite")),
        (A, CallBreak(minutes=5)), (B, Ready()), (A, Ready()), (A, Check()), (B, Confirm("landed")),
        (B, EndTurn()), (A, Share("I feel judged.")), (B, say()), (A, EndTurn()),
        (A, Rate(seen=7, understood=8, note="mine")), (B, Rate(seen=9, understood=6)),
    ]
    seconds = 0
    for actor, action in script:
        seconds += 30
        state, new = step(state, actor, action, seconds)
        events += new
    return state, events


def test_a_whole_exercise_has_gapless_json_safe_events() -> None:
    state, events = full_run()
    assert state.phase == "complete"
    assert [e.seq for e in events] == list(range(1, state.seq + 1))
    for event in events:
        data = json.loads(json.dumps(event_to_dict(event)))
        assert data["seq"] == event.seq and data["type"] == event.type
    private = [(e.type, e.private_to) for e in events if e.visible_to is not None]
    assert private == [("listener_message", A), ("rated", A), ("rated", B)]


def test_event_payloads_are_read_only() -> None:
    _, events = full_run()
    with pytest.raises(TypeError):
        events[0].payload["kind"] = "x"  # type: ignore[index]


def test_state_round_trips_through_json_in_every_phase() -> None:
    states = [_in_phase(p) for p in ("proposed", "scheduled", "active", "on_break", "rating")]
    states.append(full_run()[0])
    states.append(step(rating_phase(), A, Rate(seen=1, understood=2, note="x"))[0])
    states.append(step(active(), B, EndEarly())[0])
    for state in states:
        data = json.loads(json.dumps(state_to_dict(state)))
        assert state_from_dict(data) == state


@pytest.mark.parametrize("change", [
    {"v": 2}, {"seq": True}, {"seq": "3"}, {"partners": [A]}, {"phase": "dancing"},
    {"created_at": "2025-03-01T18:00:00"}, {"created_at": "yesterday"}, {"ready": [True]},
    {"strictness": None}, {"ratings": [{"user": A}]}, {"ratings": ["x"]},
])
def test_corrupt_state_is_reported(change: dict[str, Any]) -> None:
    data = state_to_dict(active()) | change
    with pytest.raises(CorruptStateError):
        state_from_dict(data)
    with pytest.raises(CorruptStateError):
        state_from_dict({k: v for k, v in state_to_dict(active()).items() if k != "turn"})


def test_public_view_shows_roles_and_floor() -> None:
    state, _ = step(active(first=B), B, Share("hello"))
    view = public_view(state, viewer=A)
    assert json.loads(json.dumps(view)) == view
    assert view["my_role"] == "listener" and view["speaker"] == B and view["listener"] == A
    assert view["my_floor"] is False and view["proposed_by_me"] is True
    assert view["actions"] == ["call_break", "check", "end_early", "listener_message", "say"]
    assert view["listener_may_answer_at"] is None
    speaker_view = public_view(state, viewer=B)
    assert speaker_view["my_floor"] is True
    assert speaker_view["actions"] == ["call_break", "end_early", "end_turn", "say", "share"]
    with pytest.raises(DomainError) as err:
        public_view(state, viewer=STRANGER)
    assert err.value.code == "not_participant"


def test_available_actions_per_phase() -> None:
    assert available_actions(proposed(), actor=A) == {"cancel", "end_early"}
    assert available_actions(proposed(), actor=B) == {"accept", "schedule", "decline", "end_early"}
    scheduled = _in_phase("scheduled")
    assert available_actions(scheduled, actor=A) == {"start", "cancel", "end_early"}
    assert available_actions(scheduled, actor=B) == {"start", "end_early"}
    assert available_actions(rating_phase(), actor=B) == {"rate", "another_round", "end_early"}
    assert available_actions(active(), actor=STRANGER) == frozenset()


# --- another round ------------------------------------------------------------------------------


def test_another_round_starts_when_both_want_it_up_to_the_catalog_limit() -> None:
    state = rating_phase()
    assert "another_round" in available_actions(state, actor=A)
    state, events = step(state, A, AnotherRound())
    assert types(events) == ["round_wanted"] and state.phase == "rating"
    view = public_view(state, viewer=B)
    assert view["round_wanted_by_partner"] is True and view["round_wanted_by_me"] is False
    refused(state, A, AnotherRound(), "already_asked")
    state, events = step(state, B, AnotherRound())
    assert types(events) == ["round_wanted", "round_started"]
    assert dict(events[1].payload) == {"round": 2, "speaker": A, "listener": B, "turn": 1}
    assert (state.phase, state.round, state.turn, state.speaker) == ("active", 2, 1, A)
    refused(state, B, say(), "nothing_shared")  # a fresh turn: the listener waits again
    for _ in range(CATALOG["speaker_listener"].max_rounds - 2):
        state, _ = step(state, A, EndTurn())
        state, _ = step(state, B, EndTurn())
        state, _ = step(state, A, AnotherRound())
        state, _ = step(state, B, AnotherRound())
    state, _ = step(state, A, EndTurn())
    state, _ = step(state, B, EndTurn())
    assert state.round == CATALOG["speaker_listener"].max_rounds
    refused(state, A, AnotherRound(), "no_more_rounds")
    assert "another_round" not in available_actions(state, actor=A)


def test_once_someone_rates_there_is_no_other_round() -> None:
    state, _ = step(rating_phase(), A, AnotherRound())
    state, _ = step(state, B, Rate(seen=6, understood=6))
    assert state.round_wanted == ()
    refused(state, A, AnotherRound(), "already_rated")
    assert state_from_dict(state_to_dict(state)) == state


# --- what the guard judges against, kept in the state ------------------------------------------


def test_the_state_keeps_the_speakers_latest_share_for_the_guard() -> None:
    state = active()
    assert (state.last_share_seq, state.last_share_text) == (None, "")
    state, events = step(state, A, Share("I felt alone this week."))
    assert (state.last_share_seq, state.last_share_text) == (events[0].seq,
                                                             "I felt alone this week.")
    state, _ = step(state, B, say(), 1)
    state, events = step(state, A, Share("And tired."), 2)
    assert (state.last_share_seq, state.last_share_text) == (events[0].seq, "And tired.")


def test_the_state_counts_each_listeners_held_messages_in_a_row() -> None:
    state = shared()
    for n in range(1, 13):
        state, _ = step(state, B, say("You should just quit.", label="advice", action="block"))
        assert held_in_a_row(state, B) == min(n, 10)
    assert held_in_a_row(state, A) == 0
    state, _ = step(state, B, say())  # delivered: the streak starts again
    assert held_in_a_row(state, B) == 0
    state, _ = step(state, B, say("Calm down.", label="judgement", action="block"))
    assert held_in_a_row(state, B) == 1
    # Roles swap: each partner keeps their own count.
    state, _ = step(state, A, EndTurn())
    state, _ = step(state, B, Share("My turn now."))
    state, _ = step(state, A, say("You always do that.", label="judgement", action="block"))
    assert (held_in_a_row(state, A), held_in_a_row(state, B)) == (1, 1)
    assert state_from_dict(json.loads(json.dumps(state_to_dict(state)))) == state


def test_a_state_stored_before_the_guard_context_says_so() -> None:
    data = state_to_dict(shared())
    assert knows_guard_context(data)
    old = {k: v for k, v in data.items()
           if k not in ("last_share_seq", "last_share_text", "held_streak")}
    assert not knows_guard_context(old)
    restored = state_from_dict(old)
    assert (restored.last_share_seq, restored.last_share_text, restored.held_streak) == (
        None, "", (0, 0))
    with pytest.raises(CorruptStateError):
        state_from_dict(data | {"held_streak": [1]})
