"""Step into my shoes: name a moment, seal a guess, tell it, reveal, mark, say what was missed."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from app.domain.errors import DomainError
from app.domain.exercises import (
    CATALOG,
    Accept,
    AnotherRound,
    CallBreak,
    Check,
    Confirm,
    EndTurn,
    ExerciseState,
    Guess,
    ListenerMessage,
    MarkAccuracy,
    NameMoment,
    Rate,
    Ready,
    Reveal,
    Say,
    Share,
    apply,
    available_actions,
    event_to_dict,
    get_kind,
    new_exercise,
    public_view,
    resolve_say,
    state_from_dict,
    state_to_dict,
    visible,
)
from tests.domain.exercises.test_turns import (
    T0,
    A,
    B,
    active,
    never_made,
    refused,
    step,
    types,
)

SHOES = "step_into_my_shoes"
GUESS = Guess(felt="embarrassed in front of your mum", needed="me to back you up")


def reflect(text: str = "So you felt small at that table.", *, action: str = "allow",
            label: str = "reflection") -> ListenerMessage:
    """A listener message with the guard's verdict already made."""
    verdict: Any = action
    return ListenerMessage(text=text, verdict_label=label, verdict_action=verdict)


def named() -> ExerciseState:
    """A started exercise where A has named the moment and B is to guess."""
    state, _ = step(active(SHOES), A, NameMoment("Tuesday's dinner with my parents"))
    return state


def guessed() -> ExerciseState:
    """B has sealed a guess; A is to tell it."""
    state, _ = step(named(), B, GUESS)
    return state


def told() -> ExerciseState:
    """A has told the moment and B has reflected it."""
    state, _ = step(guessed(), A, Share("My dad made a joke about my job again."))
    state, _ = step(state, B, reflect())
    return state


def revealed() -> ExerciseState:
    """A has opened B's guess."""
    state, _ = step(told(), A, Reveal())
    return state


def marked() -> ExerciseState:
    """A has marked the guess 6/10."""
    state, _ = step(revealed(), A, MarkAccuracy(score=6, missed="It was more lonely than angry"))
    return state


def wrapped() -> ExerciseState:
    """B has said back what the guess missed."""
    state, _ = step(marked(), B, reflect("So I thought you were angry; it was more alone."))
    return state


def dump(value: object) -> str:
    """JSON text with the words as they are (no escapes), to search for leaks."""
    return json.dumps(value, ensure_ascii=False)


# --- the catalog --------------------------------------------------------------------------------


def test_the_exercise_is_catalog_data_with_words_for_each_step() -> None:
    kind = get_kind(SHOES)
    assert kind.title == "Step into my shoes" and kind.flow == "perspective"
    texts = kind.perspective
    assert texts is not None
    for name in texts.__slots__:
        value = getattr(texts, name)
        assert value, name
        assert all(isinstance(v, str) and v for v in value) if isinstance(value, tuple) else True
    others = [k for slug, k in CATALOG.items() if slug != SHOES]
    assert all(k.flow == "conversation" and k.perspective is None for k in others)


# --- the happy path ---------------------------------------------------------------------------


def test_a_turn_starts_by_naming_the_moment() -> None:
    state = active(SHOES)
    assert state.step == "name" and state.speaker == A
    assert available_actions(state, actor=A) == {"name_moment", "call_break", "end_early"}
    assert available_actions(state, actor=B) == {"call_break", "end_early"}
    state, events = step(state, A, NameMoment("  Tuesday's dinner with my parents \n"))
    assert types(events) == ["moment_named"]
    assert events[0].payload == {"text": "Tuesday's dinner with my parents", "turn": 1}
    assert events[0].visible_to is None
    assert state.step == "guess" and state.moment == "Tuesday's dinner with my parents"
    assert available_actions(state, actor=B) == {"guess", "call_break", "end_early"}
    assert available_actions(state, actor=A) == {"call_break", "end_early"}


def test_the_guess_is_sealed_to_its_author() -> None:
    state, events = step(named(), B, GUESS)
    (event,) = events
    assert event.type == "guess_sealed" and event.actor == B
    assert visible(event, B) and not visible(event, A)
    assert event.payload == {"felt": GUESS.felt, "needed": GUESS.needed, "turn": 1}
    assert state.step == "tell" and state.guess is not None and state.guess.seq == event.seq
    speaker_view, guesser_view = public_view(state, viewer=A), public_view(state, viewer=B)
    assert GUESS.felt not in dump(speaker_view) and GUESS.needed not in dump(speaker_view)
    assert speaker_view["perspective"] == {
        "step": "tell", "moment": "Tuesday's dinner with my parents", "guess_sealed": True,
        "guess_revealed": False, "guess": None, "mark": None, "marks": [],
    }
    perspective: Any = guesser_view["perspective"]
    assert perspective["guess"] == {"by": B, "felt": GUESS.felt, "needed": GUESS.needed}


def test_telling_is_speaker_listener_with_confirmations() -> None:
    state = guessed()
    assert available_actions(state, actor=A) == {"share", "say", "call_break", "end_early"}
    # The listener waits for the first piece of the telling before reflecting it.
    assert available_actions(state, actor=B) == {"call_break", "end_early"}
    state, _ = step(state, A, Share("My dad made a joke about my job again."))
    assert "reveal" in available_actions(state, actor=A)
    assert available_actions(state, actor=B) == {
        "say", "listener_message", "check", "call_break", "end_early"}
    state, events = step(state, B, reflect())
    assert state.pending_confirmation == events[0].seq
    state, events = step(state, A, Confirm("not_quite"))
    assert types(events) == ["confirmed"]
    state, _ = step(state, B, Check())
    state, events = step(state, A, Confirm("landed"))
    assert state.step == "tell"


def test_the_guard_still_holds_the_listener_back_while_telling() -> None:
    state = guessed()
    state, _ = step(state, A, Share("My dad made a joke about my job again."))
    state, events = step(state, B, reflect("You should tell him off.", action="block",
                                           label="advice"))
    assert not visible(events[0], A) and state.pending_confirmation is None


def test_reveal_opens_the_guess_to_both_once() -> None:
    state, events = step(told(), A, Reveal())
    (event,) = events
    assert event.type == "guess_revealed" and event.visible_to is None
    sealed = told().guess
    assert sealed is not None
    assert event.payload == {"felt": GUESS.felt, "needed": GUESS.needed, "by": B,
                             "of": sealed.seq, "turn": 1, "round": 1}
    assert state.step == "mark" and state.pending_confirmation is None
    for viewer in (A, B):
        perspective: Any = public_view(state, viewer=viewer)["perspective"]
        assert perspective["guess_revealed"] is True
        assert perspective["guess"] == {"by": B, "felt": GUESS.felt, "needed": GUESS.needed}
    # The listener's reflection during the telling reached the speaker: it may still be marked.
    assert available_actions(state, actor=A) == {"mark_accuracy", "mark_slip", "call_break",
                                                 "end_early"}
    assert available_actions(state, actor=B) == {"call_break", "end_early"}
    refused(state, A, Reveal(), "already_revealed")


def test_the_speaker_marks_how_close_it_came_once() -> None:
    state, events = step(revealed(), A, MarkAccuracy(score=6, missed=" more lonely than angry "))
    (event,) = events
    assert event.type == "accuracy_marked" and event.visible_to is None and event.actor == A
    assert event.payload == {"score": 6, "missed": "more lonely than angry", "speaker": A,
                             "guesser": B, "turn": 1, "round": 1}
    assert state.step == "reflect_miss"
    assert [(m.turn, m.speaker, m.guesser, m.score) for m in state.marks] == [(1, A, B, 6)]
    perspective: Any = public_view(state, viewer=B)["perspective"]
    assert perspective["mark"] == {"score": 6, "missed": "more lonely than angry"}
    refused(state, A, MarkAccuracy(score=9), "already_marked")
    refused(state, B, MarkAccuracy(score=9), "wrong_role")


@pytest.mark.parametrize("score", [0, 10])
def test_accuracy_accepts_the_whole_scale_and_an_empty_missed(score: int) -> None:
    _state, events = step(revealed(), A, MarkAccuracy(score=score))
    assert events[0].payload["score"] == score and events[0].payload["missed"] == ""


def test_the_listener_says_back_what_the_guess_missed() -> None:
    state = marked()
    assert available_actions(state, actor=B) == {
        "say", "listener_message", "call_break", "end_early"}
    assert available_actions(state, actor=A) == {"mark_slip", "call_break", "end_early"}
    held, events = step(state, B, reflect("Well, you could have said so.", action="block",
                                          label="defending"))
    assert held.step == "reflect_miss" and not visible(events[0], A)
    state, events = step(state, B, reflect("So I thought you were angry; it was more alone."))
    assert events[0].payload["miss"] is True and events[0].visible_to is None
    assert state.step == "wrap" and state.pending_confirmation == events[0].seq
    assert available_actions(state, actor=A) == {
        "share", "say", "confirm", "end_turn", "call_break", "end_early", "mark_slip"}


def test_roles_swap_to_a_fresh_moment_and_then_both_rate() -> None:
    state, events = step(wrapped(), A, EndTurn())
    assert types(events) == ["turn_ended", "roles_swapped"]
    assert state.speaker == B and state.turn == 2 and state.step == "name"
    assert state.moment == "" and state.guess is None and len(state.marks) == 1
    state, _ = step(state, B, NameMoment("the call from the school"))
    state, _ = step(state, A, Guess(felt="worried", needed="to know it wasn't your fault"))
    state, _ = step(state, B, Share("They said Sam hit another child."))
    state, _ = step(state, B, Reveal())
    state, _ = step(state, B, MarkAccuracy(score=9))
    state, _ = step(state, A, reflect("So I got the worry; you also felt judged."))
    state, events = step(state, B, EndTurn())
    assert state.phase == "rating" and state.step is None and state.speaker is None
    assert [(m.turn, m.speaker, m.guesser, m.score) for m in state.marks] == [
        (1, A, B, 6), (2, B, A, 9)]
    state, _ = step(state, A, Rate(seen=8, understood=7))
    state, events = step(state, B, Rate(seen=9, understood=6))
    assert state.phase == "complete" and types(events)[-1] == "completed"
    assert public_view(state, viewer=A)["perspective"] == {
        "step": None, "moment": "", "guess_sealed": False, "guess_revealed": False,
        "guess": None, "mark": None,
        "marks": [{"round": 1, "turn": 1, "speaker": A, "guesser": B, "score": 6,
                   "missed": "It was more lonely than angry"},
                  {"round": 1, "turn": 2, "speaker": B, "guesser": A, "score": 9,
                   "missed": ""}],
    }


def test_another_round_brings_new_guesses_to_mark() -> None:
    state, _ = step(wrapped(), A, EndTurn())
    for actor, action in ((B, NameMoment("the call from the school")), (A, GUESS),
                          (B, Share("They said Sam hit another child.")), (B, Reveal()),
                          (B, MarkAccuracy(score=9)), (A, reflect("So it was the judging.")),
                          (B, EndTurn()), (A, AnotherRound()), (B, AnotherRound())):
        state, _ = step(state, actor, action)
    assert state.round == 2 and state.turn == 1 and state.step == "name"
    # Last round's mark of turn 1 is not this round's: nothing shows as marked yet.
    assert public_view(state, viewer=A)["perspective"]["mark"] is None  # type: ignore[index]
    for actor, action in ((A, NameMoment("Sunday's long walk")), (B, GUESS),
                          (A, Share("I finally felt calm.")), (A, Reveal())):
        state, _ = step(state, actor, action)
    state, events = step(state, A, MarkAccuracy(score=8))
    assert types(events) == ["accuracy_marked"]
    assert [(m.round, m.turn, m.guesser, m.score) for m in state.marks] == [
        (1, 1, B, 6), (1, 2, A, 9), (2, 1, B, 8)]
    assert public_view(state, viewer=B)["perspective"]["mark"] == {  # type: ignore[index]
        "score": 8, "missed": ""}
    assert state_from_dict(json.loads(json.dumps(state_to_dict(state)))) == state
    refused(state, A, MarkAccuracy(score=3), "already_marked")


def test_a_break_keeps_the_step_and_the_sealed_guess() -> None:
    state, _ = step(guessed(), A, CallBreak(minutes=10))
    refused(state, A, Reveal(), "on_break")
    state, _ = step(state, A, Ready())
    state, _ = step(state, B, Ready())
    assert state.phase == "active" and state.step == "tell" and state.guess == guessed().guess
    assert GUESS.felt not in dump(public_view(state, viewer=A))


# --- every illegal step has its code and is never offered -------------------------------------


@pytest.mark.parametrize("make", [
    lambda: NameMoment(""), lambda: NameMoment("x" * 201), lambda: Guess(felt="", needed="x"),
    lambda: Guess(felt="x", needed="  "), lambda: Guess(felt="x", needed="n" * 501),
    lambda: MarkAccuracy(score=11), lambda: MarkAccuracy(score=-1),
    lambda: MarkAccuracy(score=True), lambda: MarkAccuracy(score=5, missed="m" * 1001),
])
def test_bad_values_never_make_a_step(make: Any) -> None:
    never_made(make)


@pytest.mark.parametrize("make, actor, action, code", [
    (lambda: active(SHOES), A, Share("It was awful."), "wrong_step"),
    (lambda: active(SHOES), B, NameMoment("my moment"), "wrong_role"),
    (lambda: active(SHOES), B, GUESS, "wrong_step"),
    (lambda: active(SHOES), A, EndTurn(), "wrong_step"),
    (lambda: active(SHOES), A, Reveal(), "wrong_step"),
    (named, A, GUESS, "wrong_role"),
    (named, A, Share("It was awful."), "wrong_step"),
    (named, A, NameMoment("another one"), "wrong_step"),
    (named, B, reflect(), "wrong_step"),
    (named, B, Check(), "wrong_step"),
    (guessed, B, GUESS, "already_guessed"),
    (guessed, A, Reveal(), "wrong_step"),  # nothing told yet
    (guessed, B, Reveal(), "wrong_role"),
    (guessed, A, MarkAccuracy(score=5), "wrong_step"),
    (guessed, A, EndTurn(), "wrong_step"),
    (told, B, Reveal(), "wrong_role"),
    (revealed, A, Share("One more thing."), "wrong_step"),
    (revealed, B, reflect(), "wrong_step"),
    (revealed, A, EndTurn(), "wrong_step"),
    (revealed, A, Confirm("landed"), "nothing_to_confirm"),
    (marked, A, Reveal(), "already_revealed"),
    (marked, A, EndTurn(), "wrong_step"),
    (marked, A, Share("One more thing."), "wrong_step"),
    (marked, B, Check(), "wrong_step"),
    (wrapped, A, MarkAccuracy(score=3), "already_marked"),
    (wrapped, B, GUESS, "already_guessed"),
    (wrapped, B, EndTurn(), "not_your_turn"),
])
def test_illegal_steps_are_refused_with_their_code(make: Any, actor: int, action: Any,
                                                   code: str) -> None:
    # The state is frozen, so a refusal cannot change it here; that nothing is stored or sent
    # is tested through the socket (tests/realtime/test_exercise_socket.py).
    state = make()
    refused(state, actor, action, code)
    if code not in ("invalid", "too_soon"):  # the screen never offers what is refused
        assert action.name not in available_actions(state, actor=actor)


@pytest.mark.parametrize("action", [NameMoment("x"), GUESS, Reveal(), MarkAccuracy(score=5)])
def test_the_steps_belong_to_step_into_my_shoes_only(action: Any) -> None:
    for kind in ("speaker_listener", "slow_down", "curious_questions", "share_a_joy"):
        for actor in (A, B):
            refused(active(kind), actor, action, "wrong_step")


def test_the_listener_is_refused_before_the_guard_is_asked() -> None:
    asked: list[str] = []

    def classify(text: str) -> tuple[str, Any]:
        asked.append(text)
        return "reflection", "allow"

    with pytest.raises(DomainError) as err:
        resolve_say(named(), actor=B, say=Say("So you felt…"), classify=classify)
    assert err.value.code == "wrong_step" and asked == []
    with pytest.raises(DomainError) as err:
        resolve_say(guessed(), actor=B, say=Say("So you felt…"), classify=classify)
    assert err.value.code == "nothing_shared" and asked == []
    telling, _ = step(guessed(), A, Share("My dad made a joke about my job again."))
    message = resolve_say(telling, actor=B, say=Say("So you felt small?"), classify=classify)
    assert isinstance(message, ListenerMessage) and asked == ["So you felt small?"]


def test_each_role_hears_what_the_step_waits_for() -> None:
    assert "name the moment" in refused(active(SHOES), A, Share("x"), "wrong_step").message
    assert "guess" in refused(named(), B, Check(), "wrong_step").message
    assert "Mark" in refused(revealed(), A, EndTurn(), "wrong_step").message
    assert "missed" in refused(marked(), B, Check(), "wrong_step").message


# --- storage ------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [named, guessed, revealed, marked, wrapped])
def test_state_round_trips_with_the_guess_and_marks(make: Any) -> None:
    state = make()
    assert state_from_dict(json.loads(json.dumps(state_to_dict(state)))) == state


def test_a_state_stored_before_the_perspective_fields_still_loads() -> None:
    state, _ = apply(new_exercise(kind="speaker_listener", proposer=A, partner=B,
                                  first_speaker=A, now=T0)[0], actor=B, action=Accept(), now=T0)
    data = state_to_dict(state)
    for key in ("step", "moment", "guess", "marks"):
        del data[key]
    assert state_from_dict(data) == replace(state)


def test_events_of_a_whole_turn_serialize() -> None:
    state = active(SHOES)
    events = []
    for actor, action in [(A, NameMoment("x")), (B, GUESS), (A, Share("y")), (A, Reveal()),
                          (A, MarkAccuracy(score=4))]:
        state, new = step(state, actor, action)
        events += new
    assert [e.type for e in events] == ["moment_named", "guess_sealed", "shared",
                                        "guess_revealed", "accuracy_marked"]
    for event in events:
        json.dumps(event_to_dict(event))
