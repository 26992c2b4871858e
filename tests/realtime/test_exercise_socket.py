"""A whole exercise over Socket.IO with two partners; retries, replay, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask_socketio import disconnect

from app.extensions import db
from app.models import ClientAction, Exercise, ExerciseEvent
from app.services import exercises
from tests.conftest import Browser
from tests.realtime.conftest import Socket


def propose(browser: Browser, **payload: Any) -> int:
    """Propose over HTTP as the app's form does; returns the exercise id."""
    body = {"kind": "speaker_listener", "first_speaker": "me", "topic": "the dishes", **payload}
    resp = browser.post_json("/api/exercises", body)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return int(resp.get_json()["exercise_id"])


def test_a_whole_exercise_from_proposal_to_revealed_ratings(sockets: Any) -> None:
    alex, _blair, a, b, _c = sockets
    ex_id = propose(alex)
    assert a.emit("join", {"exercise_id": ex_id, "after_seq": 0})["ok"]
    joined = b.emit("join", {"exercise_id": ex_id, "after_seq": 0})
    assert [e["type"] for e in joined["events"]] == ["proposed"]
    assert joined["view"]["phase"] == "proposed"

    assert b.act(ex_id, "accept")["ok"]
    view = a.received()[-1]["args"][0]["view"]
    assert view["phase"] == "active" and view["my_role"] == "speaker"

    assert a.act(ex_id, "say", {"text": "I felt alone when you stayed late at work."})["ok"]
    held = b.act(ex_id, "say", {"text": "You should just tell me earlier."})
    assert held["ok"] and held["guard"]["held"] is True and held["guard"]["label"] == "advice"
    assert held["guard"]["suggestion"]
    landed = b.act(ex_id, "say", {"text": "It sounds like you felt alone when I stayed late."})
    assert landed["ok"] and landed["guard"]["held"] is False

    alex_saw = a.pushed_events()
    texts = [e["payload"].get("text") for e in alex_saw if e["type"] == "listener_message"]
    assert texts == ["It sounds like you felt alone when I stayed late."]
    assert all("label" not in e.get("payload", {}) for e in alex_saw
               if e["type"] == "listener_message")
    assert "hidden" in [e["type"] for e in alex_saw]  # the held one, numbered but unseen

    assert a.act(ex_id, "confirm", {"kind": "landed"})["ok"]
    assert a.act(ex_id, "end_turn")["ok"]
    assert b.act(ex_id, "say", {"text": "I'm tired of cooking every night."})["ok"]
    assert a.act(ex_id, "check")["ok"]
    assert b.act(ex_id, "confirm", {"kind": "more"})["ok"]
    assert b.act(ex_id, "end_turn")["ok"]

    a.received(), b.received()
    first = a.act(ex_id, "rate", {"seen": 8, "understood": 7, "note": "for me only"})
    assert first["ok"]
    sealed = b.received()
    assert all(e["type"] == "hidden" for m in sealed for e in m["args"][0]["events"])
    assert sealed[-1]["args"][0]["view"]["partner_rating"] in (None, {}, [])
    assert b.act(ex_id, "rate", {"seen": 9, "understood": 6})["ok"]
    revealed = [e for e in a.pushed_events() if e["type"] == "ratings_revealed"]
    assert len(revealed) == 1
    ratings = {r["user"]: r for r in revealed[0]["payload"]["ratings"]}
    assert len(ratings) == 2 and all("note" not in r for r in ratings.values())

    db.session.expire_all()
    exercise = db.session.get(Exercise, ex_id)
    assert exercise.phase == "complete"
    seqs = db.session.scalars(sa.select(ExerciseEvent.seq).where(
        ExerciseEvent.exercise_id == ex_id).order_by(ExerciseEvent.seq)).all()
    assert seqs == list(range(1, exercise.seq + 1))


def test_a_retried_action_is_stored_once(sockets: Any) -> None:
    alex, _blair, a, b, _c = sockets
    ex_id = propose(alex)
    b.act(ex_id, "accept")
    first = a.act(ex_id, "say", {"text": "Work was hard today."}, client_id="retry-000001")
    again = a.act(ex_id, "say", {"text": "Work was hard today."}, client_id="retry-000001")
    assert first["ok"] and again["ok"] and again["duplicate"] is True
    assert again["seq"] == first["seq"]
    shared = db.session.scalar(sa.select(sa.func.count(ExerciseEvent.id)).where(
        ExerciseEvent.exercise_id == ex_id, ExerciseEvent.type == "shared"))
    assert shared == 1
    assert db.session.scalar(sa.select(sa.func.count(ClientAction.id)).where(
        ClientAction.client_id == "retry-000001")) == 1


def test_reconnect_replays_what_was_missed(app: Any, sockets: Any) -> None:
    alex, blair, a, b, _c = sockets
    ex_id = propose(alex)
    b.emit("join", {"exercise_id": ex_id, "after_seq": 0})
    b.act(ex_id, "accept")
    seen = b.emit("join", {"exercise_id": ex_id, "after_seq": 0})["seq"]
    b.disconnect()
    a.act(ex_id, "say", {"text": "First piece."})
    a.act(ex_id, "say", {"text": "Second piece."})
    back = Socket(app, blair)
    replay = back.emit("join", {"exercise_id": ex_id, "after_seq": seen})
    assert [e["payload"]["text"] for e in replay["events"]] == ["First piece.", "Second piece."]
    assert [e["seq"] for e in replay["events"]] == [seen + 1, seen + 2]
    back.disconnect()


@pytest.mark.parametrize("who,type_,payload,code", [
    ("blair", "say", {"text": "It's my turn now"}, "nothing_shared"),  # Alex shares first
    ("alex", "confirm", {"kind": "landed"}, "nothing_to_confirm"),
    ("blair", "end_turn", {}, "not_your_turn"),
    ("alex", "check", {}, "wrong_role"),
    ("alex", "rate", {"seen": 5, "understood": 5}, "wrong_phase"),
    ("alex", "accept", {}, "wrong_phase"),
])
def test_out_of_turn_actions_are_refused_and_change_nothing(sockets: Any, who: str, type_: str,
                                                             payload: dict[str, Any],
                                                             code: str | None) -> None:
    alex, _blair, a, b, _c = sockets
    ex_id = propose(alex)
    b.act(ex_id, "accept")
    before = db.session.get(Exercise, ex_id).seq
    ack = (a if who == "alex" else b).act(ex_id, type_, payload)
    db.session.expire_all()
    if code is None:
        assert ack["ok"]
        return
    assert ack == {"ok": False, "error": {"code": code, "message": ack["error"]["message"]}}
    assert ack["error"]["message"]
    assert db.session.get(Exercise, ex_id).seq == before


def test_nothing_but_ready_or_ending_during_a_break(sockets: Any) -> None:
    alex, _blair, a, b, _c = sockets
    ex_id = propose(alex)
    b.act(ex_id, "accept")
    assert b.act(ex_id, "call_break", {"minutes": 20})["ok"]
    assert a.act(ex_id, "say", {"text": "But I wanted to say"})["error"]["code"] == "on_break"
    assert a.act(ex_id, "ready")["ok"]
    assert b.act(ex_id, "ready")["ok"]
    assert a.act(ex_id, "say", {"text": "Thank you for waiting."})["ok"]


def test_a_foreign_couples_exercise_is_not_found(app: Any, sockets: Any, make_browser: Any) -> None:
    alex, _blair, a, _b, _c = sockets
    ex_id = propose(alex)
    a.emit("join", {"exercise_id": ex_id, "after_seq": 0})
    a.received()
    eve = make_browser("eve@example.com", "Eve")
    e = Socket(app, eve)
    for event, data in (("join", {"exercise_id": ex_id, "after_seq": 0}),
                        ("act", {"exercise_id": ex_id, "type": "accept", "payload": {},
                                 "client_id": "eve-00000001"})):
        ack = e.emit(event, data)
        assert ack["ok"] is False and ack["error"]["code"] == "not_found"
    assert [m for m in a.received() if m["name"] == "events"] == []  # nothing broadcast
    assert db.session.get(Exercise, ex_id).phase == "proposed"
    e.disconnect()


@pytest.mark.parametrize("data", [
    None, [], "act", 5, {"exercise_id": "1", "type": "accept", "payload": {}, "client_id": "x" * 8},
    {"exercise_id": 1, "type": "accept", "payload": {}, "client_id": "short"},
    {"exercise_id": 1, "type": "explode", "payload": {}, "client_id": "abcdefgh"},
    {"exercise_id": 1, "type": "say", "payload": {"text": "x" * 5000}, "client_id": "abcdefgh"},
    {"exercise_id": 1, "type": "say", "payload": {"text": {"nested": [1]}}, "client_id": "abcdefgh"},
    {"exercise_id": 1, "type": "accept", "payload": {}, "client_id": "abcdefgh", "extra": 1},
    {"exercise_id": True, "type": "accept", "payload": {}, "client_id": "abcdefgh"},
    {"exercise_id": 1, "type": "rate", "payload": {"seen": 11, "understood": 2},
     "client_id": "abcdefgh"},
])
def test_bad_payloads_get_a_clear_error_and_change_nothing(sockets: Any, data: Any) -> None:
    alex, _blair, _a, b, _c = sockets
    propose(alex)
    ack = b.emit("act", data)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid" and ack["error"]["message"]
    assert db.session.get(Exercise, 1).seq == 1


def test_anonymous_sockets_are_refused(app: Any) -> None:
    s = Socket(app, Browser(app))
    assert not s.connected()


def test_sign_out_everywhere_drops_live_sockets(app: Any, sockets: Any) -> None:
    alex, _blair, a, b, _c = sockets
    assert a.connected()
    alex.post("/logout-all")
    assert not a.connected()
    assert b.connected()


def test_a_socket_whose_session_ended_elsewhere_is_refused_per_event(app: Any,
                                                                      sockets: Any) -> None:
    from app.models import User, UserSession

    alex, _blair, a, _b, _c = sockets
    ex_id = propose(alex)
    # As if another process ended the session but the disconnect never reached this one.
    user = db.session.scalar(sa.select(User).where(User.email == "alex@example.com"))
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))
    db.session.commit()
    ack = a.act(ex_id, "say", {"text": "still here?"})
    assert ack["ok"] is False and ack["error"]["code"] == "unauthorized"
    assert not a.connected()


def test_unpairing_ends_the_exercise_in_progress(sockets: Any) -> None:
    alex, blair, a, b, _c = sockets
    ex_id = propose(alex)
    b.act(ex_id, "accept")
    blair.refresh_token("/pair/unpair")
    assert blair.post("/pair/unpair", {"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Exercise, ex_id).phase == "ended_early"
    assert a.act(ex_id, "say", {"text": "hello?"})["error"]["code"] == "finished"


def test_a_socket_gone_while_its_join_is_answered_is_no_error(
        sockets: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A phone reloading mid-join: its old socket is gone before the room is entered."""
    alex, _blair, a, b, _c = sockets
    ex_id = propose(alex)
    real_replay = exercises.replay

    def replay_then_vanish(*args: Any, **kwargs: Any) -> Any:
        result = real_replay(*args, **kwargs)
        disconnect()  # the server drops this socket while the handler is still running
        return result

    monkeypatch.setattr(exercises, "replay", replay_then_vanish)
    a.emit("join", {"exercise_id": ex_id, "after_seq": 0})  # must not raise
    assert not a.connected()
    monkeypatch.undo()

    # Nothing half-done: Blair joins as usual, and a fresh socket for Alex joins normally.
    assert b.emit("join", {"exercise_id": ex_id, "after_seq": 0})["ok"]
    fresh = Socket(a.app, alex)
    try:
        assert fresh.emit("join", {"exercise_id": ex_id, "after_seq": 0})["ok"]
    finally:
        fresh.disconnect()
