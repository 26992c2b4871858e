"""Properties of the turn machine under random sequences of actions, legal and not."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

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
    Decline,
    EndEarly,
    EndTurn,
    Event,
    ExerciseState,
    Guess,
    ListenerMessage,
    MarkAccuracy,
    NameMoment,
    Rate,
    Ready,
    Reveal,
    Schedule,
    Share,
    Start,
    apply,
    available_actions,
    event_to_dict,
    listener_of,
    new_exercise,
    project,
    public_view,
    state_from_dict,
    state_to_dict,
    visible,
)

A, B, STRANGER = 1, 2, 3
NAMES = {A: "Alex", B: "Blair"}
T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)

KNOWN_CODES = {
    "not_participant", "not_your_turn", "wrong_role", "wrong_phase", "on_break", "too_soon",
    "invalid", "nothing_to_confirm", "already_rated", "already_ready", "finished",
    "wrong_step", "already_guessed", "already_revealed", "already_marked", "nothing_shared",
    "no_more_rounds", "already_asked",
}

TEXTS = st.sampled_from([
    "I felt alone.", "  It sounds like you were scared.  ", "", "   ", "x" * 2001, "a\x00b",
]) | st.text(max_size=20)
LABELS = st.sampled_from(["reflection", "open_question", "check", "closed_question",
                          "sympathy", "advice", "judgement", ""])
VERDICTS = st.sampled_from(["allow", "nudge", "block", "maybe"])
ACTORS = st.sampled_from([A, B, STRANGER])
# Minutes from now; negatives and far futures exercise the time checks.
OFFSETS = st.integers(min_value=-120, max_value=8 * 24 * 60)


# Refusals of a value or of timing, which the offered actions cannot foresee.
VALUE_CODES = frozenset({"invalid", "too_soon"})

# The move each Step-into-my-shoes step waits for, and whose it is.
STEP_MOVES = {"name": ("speaker", "name_moment"), "guess": ("listener", "guess"),
              "mark": ("speaker", "mark_accuracy"), "reflect_miss": ("listener", "say")}


def _other(user: int) -> int:
    return B if user == A else A


class ExerciseMachine(RuleBasedStateMachine):
    """Drive one exercise with random actors, actions and clock ticks."""

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.state: ExerciseState
        self.events: list[Event] = []
        self.guesses = 0

    def new_guess(self) -> Guess:
        """A guess whose words appear nowhere else, so any leak of them can be traced."""
        self.guesses += 1
        return Guess(felt=f"⟨guess {self.guesses}⟩ lonely", needed=f"⟨need {self.guesses}⟩ a hug")

    @initialize(
        kind=st.sampled_from(sorted(CATALOG)),
        strictness=st.sampled_from(["gentle", "strict"]),
        first=st.sampled_from([A, B]),
        topic=st.sampled_from(["", "money", "  the kids  "]),
    )
    def propose(self, kind: str, strictness: Any, first: int, topic: str) -> None:
        self.state, events = new_exercise(kind=kind, proposer=A, partner=B, first_speaker=first,
                                          topic=topic, strictness=strictness, now=self.now)
        self.events = list(events)

    # --- moves -----------------------------------------------------------------------------

    def attempt(self, actor: int, make: Action | Callable[[], Action]) -> None:
        """Make the action (a bad value never makes one) and apply it. A refusal says why in
        words; one for who-may-do-what-when is never of an action the screen offered."""
        allowed = available_actions(self.state, actor=actor)
        action: Action | None = None
        try:
            action = make() if callable(make) else make
            new, events = apply(self.state, actor=actor, action=action, now=self.now)
        except DomainError as err:
            assert err.code in KNOWN_CODES, err.code
            assert err.message
            if action is not None and err.code not in VALUE_CODES:
                assert action.name not in allowed, (action, err.code, allowed)
            return
        assert action.name in allowed, (action, allowed)
        assert events, "every accepted action leaves a trace"
        assert [e.seq for e in events] == list(range(self.state.seq + 1, new.seq + 1))
        for event in events:
            assert event.at == self.now and event.actor == actor
            self.check_event(self.state, event)
        self.state = new
        self.events += events

    def check_event(self, old: ExerciseState, event: Event) -> None:
        """Per-event safety rules, judged against the state the action was applied to."""
        assert event.visible_to is None or len(event.visible_to) == 1
        json.dumps(event_to_dict(event))
        if event.type == "listener_message":
            speaker = _other(event.actor)
            assert old.speaker == speaker
            delivered = event.payload["delivered"]
            assert delivered is (event.visible_to is None)
            assert visible(event, event.actor)
            if event.payload["action"] == "block":
                assert not visible(event, speaker)
            if event.payload["action"] == "nudge" and old.strictness == "strict":
                assert not visible(event, speaker)
        if event.type in ("shared", "confirmed", "turn_ended"):
            assert event.actor == old.speaker
        if event.type == "check":
            assert event.actor == listener_of(old)
        if event.type == "rated":
            assert event.visible_to == frozenset({event.actor})
        if event.type == "ratings_revealed":
            assert len(old.ratings) == 1
            ratings: Any = event.payload["ratings"]
            assert ratings and all("note" not in r for r in ratings)
        if event.type == "guess_sealed":
            assert event.actor == listener_of(old)
            assert event.visible_to == frozenset({event.actor})
        if event.type in ("moment_named", "guess_revealed", "accuracy_marked"):
            assert event.actor == old.speaker and event.visible_to is None
        if event.type == "guess_revealed":
            assert old.guess is not None
            assert (event.payload["felt"], event.payload["needed"]) == (
                old.guess.felt, old.guess.needed)
            assert event.payload["of"] == old.guess.seq
        if event.type == "accuracy_marked":
            assert event.payload["guesser"] == listener_of(old)
            assert event.payload["speaker"] == old.speaker
            assert isinstance(event.payload["score"], int)

    @rule(seconds=st.sampled_from([1, 5, 11, 60, 1800]))
    def tick(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @rule(actor=ACTORS, offset=OFFSETS)
    def schedule(self, actor: int, offset: int) -> None:
        self.attempt(actor, lambda: Schedule(at=self.now + timedelta(minutes=offset)))

    @rule(actor=ACTORS, action=st.sampled_from([Accept(), Decline(), Cancel(), Start(), Check(),
                                                EndTurn(), Ready(), AnotherRound()]))
    def simple(self, actor: int, action: Action) -> None:
        self.attempt(actor, action)

    @rule(actor=ACTORS, sure=st.integers(0, 9))
    def end_early(self, actor: int, sure: int) -> None:
        # Rarely, so that most runs get deep into the exercise.
        if sure == 9:
            self.attempt(actor, EndEarly())

    @rule(actor=ACTORS, text=TEXTS)
    def share(self, actor: int, text: str) -> None:
        self.attempt(actor, lambda: Share(text))

    @rule(actor=ACTORS, text=TEXTS, label=LABELS, verdict=VERDICTS, anyway=st.booleans())
    def listener_message(self, actor: int, text: str, label: str, verdict: Any,
                         anyway: bool) -> None:
        self.attempt(actor, lambda: ListenerMessage(text=text, verdict_label=label,
                                                    verdict_action=verdict, send_anyway=anyway))

    @rule(actor=ACTORS, kind=st.sampled_from(["landed", "not_quite", "more", "nope"]))
    def confirm(self, actor: int, kind: Any) -> None:
        self.attempt(actor, lambda: Confirm(kind))

    @rule(actor=ACTORS, minutes=st.integers(0, 130), resume=st.none() | OFFSETS)
    def call_break(self, actor: int, minutes: int, resume: int | None) -> None:
        resume_at = None if resume is None else self.now + timedelta(minutes=resume)
        self.attempt(actor, lambda: CallBreak(minutes=minutes, resume_at=resume_at))

    @rule(actor=ACTORS, seen=st.integers(-1, 11), understood=st.integers(-1, 11),
          note=st.sampled_from(["", "private words", "n" * 1001]))
    def rate(self, actor: int, seen: int, understood: int, note: str) -> None:
        self.attempt(actor, lambda: Rate(seen=seen, understood=understood, note=note))

    @rule(actor=ACTORS, text=TEXTS)
    def name_moment(self, actor: int, text: str) -> None:
        self.attempt(actor, lambda: NameMoment(text))

    @rule(actor=ACTORS, broken=st.sampled_from(["", "felt", "needed", "long"]))
    def guess(self, actor: int, broken: str) -> None:
        guess = self.new_guess()
        felt, needed = {"felt": ("  ", guess.needed), "needed": (guess.felt, ""),
                        "long": (guess.felt, "n" * 501)}.get(broken, (guess.felt, guess.needed))
        self.attempt(actor, lambda: Guess(felt=felt, needed=needed))

    @rule(actor=ACTORS)
    def reveal(self, actor: int) -> None:
        self.attempt(actor, Reveal())

    @rule(actor=ACTORS, score=st.integers(-1, 11),
          missed=st.sampled_from(["", "how tired I was", "m" * 1001]))
    def mark_accuracy(self, actor: int, score: int, missed: str) -> None:
        self.attempt(actor, lambda: MarkAccuracy(score=score, missed=missed))

    @rule(data=st.data())
    def natural_steps(self, data: st.DataObject) -> None:
        """Take a few sensible next steps, so runs reach the late phases often."""
        for _ in range(data.draw(st.integers(1, 4))):
            self.natural_step(data)

    def natural_step(self, data: st.DataObject) -> None:
        """Take one sensible next step for whoever should move."""
        s = self.state
        speaker, listener = s.speaker, listener_of(s)
        if s.phase == "proposed":
            self.attempt(B, Accept())
        elif s.phase == "scheduled":
            self.attempt(data.draw(st.sampled_from([A, B])), Start())
        elif s.phase == "on_break":
            self.attempt(next(p for p in (A, B) if p not in s.ready), Ready())
        elif s.phase == "rating" and not s.ratings and data.draw(st.booleans()):
            # Another round (both must ask): new guesses with the same turn numbers.
            self.attempt(next(p for p in (A, B) if p not in s.round_wanted), AnotherRound())
        elif s.phase == "rating":
            rater = next(p for p in (A, B) if all(r.user != p for r in s.ratings))
            self.attempt(rater, Rate(seen=data.draw(st.integers(0, 10)),
                                     understood=data.draw(st.integers(0, 10)),
                                     note=f"note of {rater}"))
        elif s.phase == "active" and s.step in ("name", "guess", "mark", "reflect_miss"):
            assert speaker is not None and listener is not None
            if s.step == "name":
                self.attempt(speaker, NameMoment("the call from the school"))
            elif s.step == "guess":
                self.attempt(listener, self.new_guess())
            elif s.step == "mark":
                self.attempt(speaker, MarkAccuracy(score=data.draw(st.integers(0, 10)),
                                                   missed=data.draw(st.sampled_from(["", "x"]))))
            else:
                self.attempt(listener, ListenerMessage(
                    text="So I thought you were angry, and you felt alone.",
                    verdict_label="reflection",
                    verdict_action=data.draw(st.sampled_from(["allow", "allow", "block"]))))
        elif s.phase == "active" and speaker is not None and listener is not None:
            moves = ["share", "reflect", "check", "confirm", "end"]
            if s.step == "tell":  # open the guess once something has been told
                moves = ["share", "reflect", "confirm"] if s.last_share_at is None else [
                    "reflect", "reveal", "reveal"]
            move = data.draw(st.sampled_from(moves))
            if move == "share":
                self.attempt(speaker, Share("Here is how it was for me."))
            elif move == "reflect":
                self.now += timedelta(seconds=11)
                self.attempt(listener, ListenerMessage(
                    text="So you felt left out.", verdict_label=data.draw(LABELS) or "reflection",
                    verdict_action=data.draw(st.sampled_from(["allow", "nudge", "block"])),
                    send_anyway=data.draw(st.booleans())))
            elif move == "check":
                self.now += timedelta(seconds=11)
                self.attempt(listener, Check())
            elif move == "confirm":
                self.attempt(speaker, Confirm("landed"))
            elif move == "reveal":
                self.attempt(speaker, Reveal())
            else:
                self.attempt(speaker, EndTurn())

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def one_speaker_who_is_not_the_listener(self) -> None:
        s = self.state
        if s.phase in ("active", "on_break"):
            assert s.speaker in s.partners
            assert listener_of(s) in s.partners and listener_of(s) != s.speaker
            assert s.turn in (1, 2)
        else:
            assert s.speaker is None and listener_of(s) is None
        if s.phase in ("proposed", "scheduled"):
            assert s.turn == 0

    @invariant()
    def sequence_is_gapless(self) -> None:
        assert [e.seq for e in self.events] == list(range(1, self.state.seq + 1))

    @invariant()
    def state_round_trips_through_json(self) -> None:
        data = json.loads(json.dumps(state_to_dict(self.state)))
        assert state_from_dict(data) == self.state

    @invariant()
    def ratings_stay_sealed_until_both_rated(self) -> None:
        s = self.state
        both = len(s.ratings) == 2
        revealed = [e for e in self.events if e.type == "ratings_revealed"]
        assert len(revealed) == (1 if both else 0)
        for viewer in (A, B):
            partner = _other(viewer)
            view = public_view(s, viewer=viewer)
            json.dumps(view)
            assert (view["partner_rating"] is not None) is both
            partner_note = next((r.note for r in s.ratings if r.user == partner), None)
            own_note = next((r.note for r in s.ratings if r.user == viewer), None)
            if partner_note == own_note:
                partner_note = None  # identical words prove nothing about who sees whose note
            seen_events = [e for e in self.events if visible(e, viewer)]
            for event in seen_events:
                if event.type == "rated":
                    assert event.actor == viewer
                if partner_note:
                    assert partner_note not in json.dumps(event_to_dict(event))
            if partner_note:
                assert partner_note not in json.dumps(view)

    @invariant()
    def held_messages_never_reach_the_speaker(self) -> None:
        for event in self.events:
            if event.type == "listener_message" and not event.payload["delivered"]:
                assert not visible(event, _other(event.actor))

    @invariant()
    def pending_confirmation_points_at_a_delivered_reflection(self) -> None:
        seq = self.state.pending_confirmation
        if seq is not None:
            event = self.events[seq - 1]
            assert event.type in ("listener_message", "check") and event.visible_to is None


    @invariant()
    def a_guess_stays_sealed_from_the_speaker_until_it_is_revealed(self) -> None:
        revealed_of = {e.payload["of"] for e in self.events if e.type == "guess_revealed"}
        for sealed in (e for e in self.events if e.type == "guess_sealed"):
            speaker = _other(sealed.actor)
            words = (str(sealed.payload["felt"]), str(sealed.payload["needed"]))
            for event in self.events:
                if not visible(event, speaker):
                    continue
                if any(w in json.dumps(event_to_dict(event), ensure_ascii=False) for w in words):
                    # The only way the speaker ever reads the guess is its one reveal.
                    assert event.type == "guess_revealed" and event.payload["of"] == sealed.seq
            if sealed.seq not in revealed_of:
                view = json.dumps(public_view(self.state, viewer=speaker), ensure_ascii=False)
                assert not any(w in view for w in words)
            # The one projection (live screen, replay, transcript, history, export) agrees.
            for event in self.events:
                shown = project(event, viewer=speaker, partners=(A, B), names=NAMES)
                assert shown is not None
                text = json.dumps(shown.as_dict(), ensure_ascii=False, default=str)
                if any(w in text for w in words):
                    assert event.type == "guess_revealed" and event.payload["of"] == sealed.seq
            # The guesser always sees their own sealed words.
            assert visible(sealed, sealed.actor)

    @invariant()
    def each_step_offers_its_move_so_nobody_is_stuck(self) -> None:
        s = self.state
        if s.phase != "active" or s.step not in STEP_MOVES:
            return
        who, move = STEP_MOVES[s.step]
        mover = s.speaker if who == "speaker" else listener_of(s)
        assert mover is not None and move in available_actions(s, actor=mover), (s.step, s.round)

    @invariant()
    def each_guess_is_revealed_at_most_once_and_marked_once_by_the_speaker(self) -> None:
        reveals = [e for e in self.events if e.type == "guess_revealed"]
        marks = [e for e in self.events if e.type == "accuracy_marked"]

        def when(e: Event) -> tuple[object, object]:
            return e.payload["round"], e.payload["turn"]

        assert len({e.payload["of"] for e in reveals}) == len(reveals)
        assert len({when(e) for e in reveals}) == len(reveals)  # once per round and turn
        assert len({when(e) for e in marks}) == len(marks)
        for mark in marks:
            reveal = next(e for e in reveals if when(e) == when(mark))
            assert reveal.seq < mark.seq and reveal.actor == mark.actor
            guesser = next(e for e in self.events if e.seq == reveal.payload["of"]).actor
            assert mark.actor != guesser and mark.payload["guesser"] == guesser
        assert [(m.round, m.turn, m.speaker, m.score) for m in self.state.marks] == [
            (*when(e), e.actor, e.payload["score"]) for e in marks]
        if self.state.kind != "step_into_my_shoes":
            assert not reveals and not marks and self.state.step is None


ExerciseMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None
)
TestExerciseMachine = ExerciseMachine.TestCase


class PerspectiveMachine(ExerciseMachine):
    """The same rules and invariants, always on Step into my shoes, so runs reach every step."""

    @initialize(
        strictness=st.sampled_from(["gentle", "strict"]),
        first=st.sampled_from([A, B]),
    )
    def propose(self, strictness: Any, first: int) -> None:  # type: ignore[override]
        self.state, events = new_exercise(
            kind="step_into_my_shoes", proposer=A, partner=B, first_speaker=first,
            topic="a hard moment", strictness=strictness, now=self.now)
        self.events = list(events)

    @rule(data=st.data())
    def natural_steps(self, data: st.DataObject) -> None:
        """Longer runs of sensible steps: a whole turn takes about ten, and another round
        (new guesses, the same turn numbers) comes after two."""
        for _ in range(data.draw(st.integers(1, 12))):
            if self.state.phase in ("complete", "ended_early", "declined", "cancelled"):
                return
            self.natural_step(data)


PerspectiveMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=50, deadline=None
)
TestPerspectiveMachine = PerspectiveMachine.TestCase
