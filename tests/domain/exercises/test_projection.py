"""The one projection: for every event type and each viewer, exactly what is shown.

Adding an event type without a row here fails ``test_every_event_type_has_a_row``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest

from app.domain.exercises import EventType, project
from app.domain.exercises.projection import OBSERVER, Shown
from app.domain.exercises.state import EVENT_TYPES, Event

A, B, OTHER = 11, 22, 77  # A speaks first, B listens first; OTHER is from another couple
NAMES = {A: "Alex", B: "Blair"}
PARTNERS = (A, B)
AT = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)

# (form, label, text) as seen; None for "nothing at all"
Seen = tuple[str, str, str]
HIDDEN: Seen = ("hidden", "", "")


@dataclass(frozen=True)
class Row:
    """One event and what the speaker (A) and the listener (B) see of it."""

    case: str
    type: EventType
    actor: int
    speaker_sees: Seen
    listener_sees: Seen
    payload: dict[str, Any] = field(default_factory=dict)
    private_to: int | None = None


def note(text: str) -> Seen:
    """A one-line note with no caption."""
    return ("note", "", text)


HELD = "You should just quit."
REFLECTION = "It sounds like work takes everything you have."

ROWS = [
    Row("proposed", "proposed", A, note("You asked Blair: is now OK?"),
        note("Alex asked: is now OK?"), {"kind": "speaker_listener", "topic": "Work",
                                         "first_speaker": A, "partner": B,
                                         "strictness": "gentle"}),
    Row("accepted", "accepted", B, note("Blair said yes."), note("You said yes.")),
    Row("scheduled", "scheduled", B, note("Blair picked a later time."),
        note("You picked a later time."), {"at": "2025-03-02T18:00:00+00:00"}),
    Row("declined", "declined", B, note("Blair said not now."), note("You said not now.")),
    Row("cancelled", "cancelled", A, note("You cancelled."), note("Alex cancelled.")),
    Row("started", "started", B, note("Started: you have the floor."),
        note("Started: Alex has the floor."), {"speaker": A, "listener": B, "turn": 1}),
    Row("shared", "shared", A, ("bubble", "You", "Work drains me."),
        ("bubble", "Alex", "Work drains me."), {"text": "Work drains me.", "turn": 1}),
    Row("listener reflection", "listener_message", B,
        ("bubble", "Blair · reflecting", REFLECTION), ("bubble", "You · reflecting", REFLECTION),
        {"text": REFLECTION, "label": "reflection", "action": "allow", "send_anyway": False,
         "delivered": True, "turn": 1}),
    Row("listener question", "listener_message", B,
        ("bubble", "Blair · asking", "What was hardest?"),
        ("bubble", "You · asking", "What was hardest?"),
        {"text": "What was hardest?", "label": "open_question", "action": "allow",
         "send_anyway": False, "delivered": True, "turn": 1}),
    Row("listener nudged, sent anyway", "listener_message", B,
        ("bubble", "Blair · listening", "Oh no, poor you."),
        ("bubble", "You · listening", "Oh no, poor you."),
        {"text": "Oh no, poor you.", "label": "sympathy", "action": "nudge",
         "send_anyway": True, "delivered": True, "turn": 1}),
    Row("listener held back", "listener_message", B, HIDDEN,
        ("held", "Held back · only you see this", HELD),
        {"text": HELD, "label": "advice", "action": "block", "send_anyway": False,
         "delivered": False, "turn": 1}, private_to=B),
    Row("check", "check", B, ("bubble", "Blair · checking", "Did I get that right?"),
        ("bubble", "You · checking", "Did I get that right?"),
        {"text": "Did I get that right?", "turn": 1}),
    Row("confirmed", "confirmed", A, note("You: “That's it”"), note("Alex: “That's it”"),
        {"kind": "landed", "label": "That's it", "of": 7, "turn": 1}),
    Row("turn_ended", "turn_ended", A, note("You feel heard."), note("Alex feels heard."),
        {"turn": 1, "next": "swap"}),
    # Alex ended the turn, so Alex is the actor: nobody reads "Roles swapped by You".
    Row("roles_swapped", "roles_swapped", A, note("Roles swapped: now Blair has the floor."),
        note("Roles swapped: now you have the floor."), {"speaker": B, "listener": A, "turn": 2}),
    Row("break_called", "break_called", B, note("Blair called a 20-minute break."),
        note("You called a 20-minute break."),
        {"minutes": 20, "ends_at": "x", "resume_at": "x"}),
    Row("ready", "ready", A, note("You're ready."), note("Alex is ready.")),
    Row("resumed", "resumed", B, note("Back together."), note("Back together."),
        {"speaker": A, "turn": 1}),
    Row("ended_early", "ended_early", A, note("You ended the exercise."),
        note("Alex ended the exercise."), {"phase": "active", "turn": 1}),
    Row("rated (sealed, with a private note)", "rated", A,
        note("You rated it: felt seen 8/10, understood 7/10."), HIDDEN,
        {"seen": 8, "understood": 7, "note": "alex private note"}, private_to=A),
    Row("ratings_revealed", "ratings_revealed", B,
        note("Both ratings are in: you felt seen 8/10; Blair felt seen 9/10."),
        note("Both ratings are in: Alex felt seen 8/10; you felt seen 9/10."),
        {"ratings": [{"user": A, "seen": 8, "understood": 7},
                     {"user": B, "seen": 9, "understood": 6}]}),
    Row("completed", "completed", B, note("Complete. Thank you both."),
        note("Complete. Thank you both.")),
    # Another round: each asks; the second ask starts it, the first speaker first again.
    Row("round_wanted", "round_wanted", B, note("Blair would like another round."),
        note("You'd like another round."), {"round": 1}),
    Row("round_started", "round_started", B, note("Round 2: you have the floor."),
        note("Round 2: Alex has the floor."), {"round": 2, "speaker": A, "listener": B,
                                                "turn": 1}),
    # Step into my shoes: Alex names the moment, Blair guesses sealed, Alex opens and marks it.
    Row("moment_named", "moment_named", A, note("You named the moment: “The interview”"),
        note("Alex named the moment: “The interview”"), {"text": "The interview", "turn": 1}),
    Row("guess_sealed (the guesser's only)", "guess_sealed", B, HIDDEN,
        note("You sealed your guess: felt “nervous”, needed “support”."),
        {"felt": "nervous", "needed": "support", "turn": 1}, private_to=B),
    Row("guess_revealed", "guess_revealed", A,
        note("Blair's guess is open now: felt “nervous”, needed “support”."),
        note("Your guess is open now: felt “nervous”, needed “support”."),
        {"felt": "nervous", "needed": "support", "by": B, "of": 9, "turn": 1}),
    Row("accuracy_marked", "accuracy_marked", A,
        note("You marked the guess 6/10. What it missed: “the pride”"),
        note("Alex marked your guess 6/10. What it missed: “the pride”"),
        {"score": 6, "missed": "the pride", "speaker": A, "guesser": B, "turn": 1}),
    Row("listener saying what the guess missed", "listener_message", B,
        ("bubble", "Blair · what they missed", "You were proud too."),
        ("bubble", "You · what I missed", "You were proud too."),
        {"text": "You were proud too.", "label": "reflection", "action": "allow",
         "send_anyway": False, "delivered": True, "turn": 1, "miss": True}),
    # Teaching the guard: Alex (speaking) marks how Blair's delivered message felt; Blair reads
    # it kindly, with something to try next.
    Row("slip_marked", "slip_marked", A,
        note("You marked Blair's message: it felt a bit like fixing. Only the two of you see "
             "this."),
        note("Alex let you know your message felt a bit like fixing to them. Next time, try "
             "saying back what they feel before any way out of it."),
        {"of": 7, "slip": "fixing", "listener": B, "turn": 1}),
    Row("slip_marked (about the listener)", "slip_marked", A,
        note("You marked Blair's message: it felt a bit like it was about you. Only the two "
             "of you see this."),
        note("Alex let you know your message felt a bit like it was about you to them. Next "
             "time, try turning back to what they're going through."),
        {"of": 7, "slip": "about_you", "listener": B, "turn": 1}),
    # Blair says a held message was a reflection: private, like the held message.
    Row("reflection_claimed (the listener's only)", "reflection_claimed", B, HIDDEN,
        note("You said this was a reflection. It still wasn't sent. Thank you: corrections "
             "like this can teach the guard, if you both choose to share them."),
        {"of": 6, "turn": 1}, private_to=B),
]


def event_of(row: Row, seq: int = 5) -> Event:
    """The domain event a row describes."""
    return Event(seq=seq, type=row.type, actor=row.actor, payload=MappingProxyType(row.payload),
                 visible_to=None if row.private_to is None else frozenset({row.private_to}),
                 at=AT)


def seen(shown: Shown | None) -> Seen | None:
    """The (form, label, text) a viewer gets; notes have no label."""
    if shown is None:
        return None
    return (shown.form, shown.label, shown.text)


def test_every_event_type_has_a_row() -> None:
    assert {r.type for r in ROWS} == EVENT_TYPES


@pytest.mark.parametrize("row", ROWS, ids=[r.case for r in ROWS])
@pytest.mark.parametrize("viewer", ["speaker", "listener", "other couple"])
def test_what_each_viewer_sees(row: Row, viewer: str) -> None:
    user = {"speaker": A, "listener": B, "other couple": OTHER}[viewer]
    expected = {"speaker": row.speaker_sees, "listener": row.listener_sees,
                "other couple": None}[viewer]
    shown = project(event_of(row), viewer=user, partners=PARTNERS, names=NAMES)
    assert seen(shown) == expected
    if shown is not None:
        as_json = json.dumps(shown.as_dict())
        assert shown.seq == 5  # a hidden event keeps its number, so the gap shows
        if shown.form == "hidden":
            # Nothing of a private event reaches the other partner: no words, no verdict.
            assert json.loads(as_json) == {"seq": 5, "type": "hidden"}


@pytest.mark.parametrize("row", [r for r in ROWS if r.type == "listener_message"
                                 and r.private_to is None], ids=lambda r: r.case)
def test_the_speaker_never_gets_the_guards_verdict(row: Row) -> None:
    shown = project(event_of(row), viewer=A, partners=PARTNERS, names=NAMES)
    assert shown is not None
    payload = shown.as_dict()["payload"]
    assert isinstance(payload, dict)
    assert "label" not in payload and "action" not in payload and "send_anyway" not in payload
    writer = project(event_of(row), viewer=B, partners=PARTNERS, names=NAMES)
    assert writer is not None and writer.payload["label"] == row.payload["label"]


def test_a_partner_who_is_gone_reads_as_a_former_partner() -> None:
    names = {B: "Blair"}  # Alex deleted their account
    accepted = next(r for r in ROWS if r.type == "cancelled")  # Alex cancelled
    shown = project(event_of(accepted), viewer=B, partners=PARTNERS, names=names)
    assert shown is not None and shown.text == "A former partner cancelled."
    shared = next(r for r in ROWS if r.type == "shared")
    bubble = project(event_of(shared), viewer=B, partners=PARTNERS, names=names)
    assert bubble is not None and (bubble.label, bubble.text) == ("a former partner",
                                                                  "Work drains me.")


def test_the_words_say_felt_seen_never_felt_heard_for_the_rating() -> None:
    for row in ROWS:
        for viewer in PARTNERS:
            shown = project(event_of(row), viewer=viewer, partners=PARTNERS, names=NAMES)
            assert shown is not None
            if row.type in {"rated", "ratings_revealed"} and shown.form != "hidden":
                assert "felt seen" in shown.text and "felt heard" not in shown.text


def test_a_therapist_reads_the_shared_conversation_but_never_a_slip_mark() -> None:
    for row in ROWS:
        shown = project(event_of(row), viewer=OBSERVER, partners=PARTNERS, names=NAMES)
        if row.type in ("slip_marked", "reflection_claimed") or row.private_to is not None:
            assert shown is None, row.case
        elif row.type in ("shared", "listener_message"):
            assert shown is not None and shown.text == row.payload["text"], row.case
