"""The shared history: each partner sees the transcript as they may, held words stay private."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import User
from app.services import exercises, pairing


def _run_exercise(app: Any, couple: Any) -> int:
    alex, _blair, _c = couple
    made = alex.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me",
                                             "topic": "Work lately"})
    ex_id = made.get_json()["exercise_id"]
    a = db.session.scalar(db.select(User).where(User.email == "alex@example.com"))
    b = db.session.scalar(db.select(User).where(User.email == "blair@example.com"))
    steps = [(b, "accept", {}), (a, "say", {"text": "Work drains me."}),
             (b, "say", {"text": "You should just quit."}),
             (b, "say", {"text": "It sounds like work takes everything you have."}),
             (a, "confirm", {"kind": "landed"}), (a, "end_turn", {}),
             (b, "say", {"text": "I miss our evenings."}), (b, "end_turn", {}),
             (a, "rate", {"seen": 8, "understood": 7, "note": "alex private note"}),
             (b, "rate", {"seen": 9, "understood": 6})]
    with app.test_request_context():
        for i, (user, type_, payload) in enumerate(steps):
            ack = exercises.act(user, exercise_id=ex_id, client_id=f"hist-{i:04d}",
                                type_=type_, payload=payload)
            assert ack["ok"], ack
    return int(ex_id)


def test_transcripts_show_each_partner_what_they_may_see(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    ex_id = _run_exercise(app, couple)
    listener_view = blair.get(f"/history/{ex_id}").get_data(as_text=True)
    speaker_view = alex.get(f"/history/{ex_id}").get_data(as_text=True)
    assert "You should just quit." in listener_view and "The guard held this back" in listener_view
    assert "You should just quit." not in speaker_view
    assert "It sounds like work takes everything you have." in speaker_view
    assert "alex private note" in speaker_view and "alex private note" not in listener_view
    assert "Alex felt seen 8/10" in listener_view and "Blair felt seen 9/10" in speaker_view
    assert "you felt seen 8/10" in speaker_view and "felt heard" not in speaker_view
    # The floor passed to Blair: each reads it from where they stand, never "You" as the doer.
    assert "Roles swapped: now Blair has the floor." in speaker_view
    assert "Roles swapped: now you have the floor." in listener_view


def test_history_stays_readable_after_unpairing(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    ex_id = _run_exercise(app, couple)
    b = db.session.scalar(db.select(User).where(User.email == "blair@example.com"))
    pairing.unpair(b)
    for browser in (alex, blair):
        assert "Work lately" in browser.get("/history").get_data(as_text=True)
        assert browser.get(f"/history/{ex_id}").status_code == 200
