"""The one projection of events: what viewer V may see of event E, and the words to show it.

The live screen, the transcript, the history, the insights and the export all read events
through :func:`project`; no other code decides what a partner may see or how an event reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, assert_never

from app.domain.exercises.catalog import CONFIRM_LABELS, SLIPS
from app.domain.exercises.state import Event, EventType, iso, visible

# How an event reads on the page: a message bubble, the listener's own held-back words,
# a one-line note, or a numbered gap (an event this viewer may not see).
Form = Literal["bubble", "held", "note", "hidden"]
# The listener's move, shown with each listener message on both screens; the guard's finer
# label (advice, judgement…) is only ever shown to the listener who wrote it.
Mark = Literal["reflection", "question", "check"]

FORMER_PARTNER = "a former partner"
YOU = "You"

_MARKS: Mapping[str, Mark] = {"reflection": "reflection", "open_question": "question",
                              "check": "check"}
_MARK_WORDS: Mapping[str | None, str] = {"reflection": "reflecting", "question": "asking",
                                         "check": "checking", None: "listening"}


@dataclass(frozen=True, slots=True)
class Shown:
    """One event as one viewer sees it: the visible payload and its words."""

    seq: int
    type: str  # the event type, or "hidden"
    form: Form
    actor: int | None = None
    at: datetime | None = None
    payload: Mapping[str, object] = field(default_factory=dict)
    mine: bool = False
    who: str = ""  # "You", the partner's name, or "a former partner"
    role: Literal["speaker", "listener"] | None = None
    mark: Mark | None = None
    label: str = ""  # the caption over a bubble, e.g. "Blair · reflecting"
    text: str = ""  # the bubble's words, or the note's sentence
    tone: str | None = None  # a confirmation's kind, for styling

    def as_dict(self) -> dict[str, object]:
        """The JSON the live screen gets: the event as before, plus ``show`` to display."""
        if self.form == "hidden":
            return {"seq": self.seq, "type": "hidden"}
        return {
            "seq": self.seq, "type": self.type, "actor": self.actor,
            "payload": dict(self.payload),
            "at": None if self.at is None else iso(self.at),
            "show": {"form": self.form, "mine": self.mine, "who": self.who, "role": self.role,
                     "mark": self.mark, "label": self.label, "text": self.text,
                     "tone": self.tone},
        }


def name_of(user: int | None, *, viewer: int, names: Mapping[int, str]) -> str:
    """'You' for the viewer, the partner's name, or 'a former partner' once they are gone."""
    if user is not None and user == viewer:
        return YOU
    return names.get(user, FORMER_PARTNER) if user is not None else FORMER_PARTNER


def _subject(name: str) -> str:
    # Only our own placeholder is lower case at the start of a sentence; people's names
    # are shown exactly as they wrote them.
    return "A former partner" if name == FORMER_PARTNER else name


def mark_of(label: object) -> Mark | None:
    """The listener's move for a guard label: reflection, question or check (or none)."""
    return _MARKS.get(label) if isinstance(label, str) else None


# A linked therapist reading a transcript both partners shared: everything in the third
# person, and only what both partners see (never held-back words or sealed ratings).
OBSERVER = -1
# Shared by both partners yet never shown to an observer: a speaker's slip mark is a private
# word between the two of them ("Only the two of you see this").
BETWEEN_THE_TWO: frozenset[str] = frozenset({"slip_marked"})


def project(event: Event, *, viewer: int, partners: tuple[int, int],
            names: Mapping[int, str]) -> Shown | None:
    """What ``viewer`` may see of ``event``; None for anyone outside the couple.

    ``names`` maps user ids to display names (a missing id reads "a former partner").
    ``viewer`` may be ``OBSERVER``: a consented therapist, who sees only shared events.
    """
    if viewer == OBSERVER:
        if event.visible_to is not None or event.type in BETWEEN_THE_TWO:
            return None
    elif viewer not in partners:
        return None
    if not visible(event, viewer):
        return Shown(seq=event.seq, type="hidden", form="hidden")
    p = event.payload
    mine = event.actor == viewer
    who = name_of(event.actor, viewer=viewer, names=names)
    subject = _subject(who)

    def shown(form: Form, *, payload: Mapping[str, object] | None = None,
              role: Literal["speaker", "listener"] | None = None, mark: Mark | None = None,
              label: str = "", text: str = "", tone: str | None = None) -> Shown:
        return Shown(seq=event.seq, type=event.type, form=form, actor=event.actor, at=event.at,
                     payload=dict(p) if payload is None else payload, mine=mine, who=who,
                     role=role, mark=mark, label=label, text=text, tone=tone)

    def note(text: str, tone: str | None = None) -> Shown:
        return shown("note", text=text, tone=tone)

    def floor(user: object) -> str:
        if user == viewer:
            return "you have the floor"
        return f"{name_of(_int(user), viewer=viewer, names=names)} has the floor"

    etype: EventType = event.type
    match etype:
        case "proposed":
            partner = name_of(_int(p.get("partner")), viewer=viewer, names=names)
            return note(f"You asked {partner}: is now OK?" if mine
                        else f"{subject} asked: is now OK?")
        case "accepted":
            return note(f"{subject} said yes.")
        case "scheduled":
            return note(f"{subject} picked a later time.")
        case "declined":
            return note(f"{subject} said not now.")
        case "cancelled":
            return note(f"{subject} cancelled.")
        case "started":
            return note(f"Started: {floor(p.get('speaker'))}.")
        case "shared":
            return shown("bubble", role="speaker", label=who,
                            text=str(p.get("text", "")))
        case "listener_message":
            text = str(p.get("text", ""))
            mark = mark_of(p.get("label"))
            if not p.get("delivered"):
                # Only its writer gets this far (``visible``): their words, never sent.
                return shown("held", role="listener", mark=mark,
                                label="Held back · only you see this", text=text)
            # The speaker hears the words (and the move, in ``mark``), not the guard's verdict.
            payload: dict[str, object] = dict(p) if mine else {"text": text, "delivered": True}
            doing = _MARK_WORDS[mark]
            if p.get("miss"):  # Step into my shoes: saying back what the guess missed
                doing = "what I missed" if mine else "what they missed"
                if not mine:
                    payload["miss"] = True
            return shown("bubble", role="listener", mark=mark, payload=payload,
                           label=f"{who} · {doing}", text=text)
        case "check":
            return shown("bubble", role="listener", mark="check",
                            label=f"{who} · checking", text=str(p.get("text", "")))
        case "confirmed":
            kind = str(p.get("kind", ""))
            return note(f"{who}: “{CONFIRM_LABELS.get(kind, kind)}”", tone=kind)
        case "turn_ended":
            return note("You feel heard." if mine else f"{subject} feels heard.")
        case "roles_swapped":
            return note(f"Roles swapped: now {floor(p.get('speaker'))}.")
        case "break_called":
            return note(f"{subject} called a {p.get('minutes')}-minute break.")
        case "ready":
            return note("You're ready." if mine else f"{subject} is ready.")
        case "resumed":
            return note("Back together.")
        case "ended_early":
            return note(f"{subject} ended the exercise.")
        case "rated":
            # Private to the rater (``visible``), the note included.
            return note(f"You rated it: felt seen {p.get('seen')}/10, understood "
                        f"{p.get('understood')}/10.")
        case "ratings_revealed":
            parts = []
            for r in _ratings(p):
                rater = name_of(_int(r.get("user")), viewer=viewer, names=names)
                parts.append(f"{rater.lower() if rater == YOU else rater} felt seen "
                             f"{r.get('seen')}/10")
            return note("Both ratings are in: " + "; ".join(parts) + ".")
        case "completed":
            return note("Complete. Thank you both.")
        case "round_wanted":
            return note("You'd like another round." if mine
                        else f"{subject} would like another round.")
        case "round_started":
            return note(f"Round {p.get('round')}: {floor(p.get('speaker'))}.")
        case "moment_named":
            return note(f"{subject} named the moment: “{p.get('text', '')}”")
        case "guess_sealed":
            # Private to the guesser (``visible``) until the speaker opens it.
            return note(f"You sealed your guess: felt “{p.get('felt', '')}”, needed "
                        f"“{p.get('needed', '')}”.")
        case "guess_revealed":
            guesser = name_of(_int(p.get("by")), viewer=viewer, names=names)
            whose = "Your guess" if guesser == YOU else f"{_subject(guesser)}'s guess"
            return note(f"{whose} is open now: felt “{p.get('felt', '')}”, needed "
                        f"“{p.get('needed', '')}”.")
        case "accuracy_marked":
            missed = str(p.get("missed", ""))
            marked = (f"You marked the guess {p.get('score')}/10." if mine
                      else f"{subject} marked your guess {p.get('score')}/10.")
            return note(marked + (f" What it missed: “{missed}”" if missed else ""))
        case "slip_marked":
            slip = SLIPS.get(str(p.get("slip", "")))
            felt = slip.felt if slip is not None else "didn't land as listening"
            if mine:
                listener = name_of(_int(p.get("listener")), viewer=viewer, names=names)
                return note(f"You marked {listener}'s message: it {felt}. Only the two of you "
                            "see this.", tone="slip")
            # The listener reads how the words landed, not a verdict, and what to try next.
            tip = f" {slip.tip}" if slip is not None else ""
            return note(f"{subject} let you know your message {felt} to them.{tip}",
                        tone="slip")
        case "reflection_claimed":
            # Private to the listener (``visible``): the held message stays unsent.
            return note("You said this was a reflection. It still wasn't sent. Thank you: "
                        "corrections like this can teach the guard, if you both choose to "
                        "share them.", tone="claimed")
        case _:
            assert_never(etype)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ratings(payload: Mapping[str, object]) -> list[Mapping[str, object]]:
    items = payload.get("ratings")
    if not isinstance(items, list):
        return []
    return [r for r in items if isinstance(r, Mapping)]
