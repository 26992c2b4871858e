"""Shared steps for therapist tests: a therapist account, a link both partners accepted with
given choices, and a finished exercise started from homework."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Couple, Exercise, User
from app.services import exercises, homework, therapy
from app.services.accounts import sign_up_with_password
from tests.conftest import PASSWORD, Browser


def user(email: str) -> User:
    """The account with ``email``."""
    found = db.session.scalar(sa.select(User).where(User.email == email))
    assert found is not None
    return found


def make_therapist(app: Any, email: str = "dr.rivera@example.com", name: str = "Dr Rivera"
                   ) -> tuple[Browser, User]:
    """A signed-in therapist's browser and account."""
    t = sign_up_with_password(email=email, name=name, password=PASSWORD,
                              therapist={"practice": "Rivera Couples Practice",
                                         "licence": "Licensed MFT #1234"})
    browser = Browser(app)
    assert browser.login(email).status_code == 302
    return browser, t


def link(therapist: User, couple: Couple, level_a: str | None, level_b: str | None) -> int:
    """Link the therapist to the couple: partner a accepts the invite, partner b accepts the
    link (``None`` leaves that partner not accepted). Returns the link id."""
    a, b = couple.partner_a, couple.partner_b
    new = therapy.create_invite(therapist)
    made = therapy.accept_invite(new.invite, a, level=level_a or "completion",
                                 time_zone="Europe/London")
    if level_b is not None:
        therapy.choose(b, made.id, level=level_b)
    return int(made.id)


def assign(therapist: User, couple: Couple, **form: str) -> int:
    """Assign homework (a repeat of 3 a week for 2 weeks unless ``form`` says otherwise)."""
    fields = {"kind": "speaker_listener", "topic": "Weekend plans", "strictness": "strict",
              "when": "repeat", "per_week": "3", "weeks": "2", **form}
    return int(homework.assign(therapist, couple.id, fields).id)


def do_homework(couple: Couple, homework_id: int | None, *, seen: tuple[int, int] = (8, 6),
                tag: str = "hw") -> int:
    """Both partners run one whole exercise (from the homework) and rate it."""
    a, b = couple.partner_a, couple.partner_b
    made = exercises.propose(a, {"kind": "speaker_listener", "first_speaker": "me",
                                 "topic": "Weekend plans"}, homework_id=homework_id)
    play_through(a, b, made.id, seen=seen, tag=tag)
    return int(made.id)


def play_through(a: User, b: User, exercise_id: int, *, seen: tuple[int, int] = (8, 6),
                 tag: str = "hw") -> None:
    """``b`` accepts a's proposal; both take a turn, each reflection lands; both rate."""
    steps = [(b, "accept", {}), (a, "say", {"text": "I feel alone on Sundays."}),
             (b, "say", {"text": "It sounds like Sundays feel lonely."}),
             (a, "confirm", {"kind": "landed"}), (a, "end_turn", {}),
             (b, "say", {"text": "I need rest after the week."}),
             (a, "say", {"text": "It sounds like you need rest after the week."}),
             (b, "confirm", {"kind": "landed"}), (b, "end_turn", {}),
             (a, "rate", {"seen": seen[0], "understood": 7, "note": "private to a"}),
             (b, "rate", {"seen": seen[1], "understood": 5})]
    for i, (who, type_, payload) in enumerate(steps):
        ack = exercises.act(who, exercise_id=exercise_id,
                            client_id=f"{tag}-{exercise_id}-{i:04d}", type_=type_,
                            payload=payload)
        assert ack["ok"], ack
    assert db.session.get(Exercise, exercise_id).phase == "complete"
