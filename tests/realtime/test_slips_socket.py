"""Both partners teach the guard over Socket.IO: the speaker's one-tap slip mark and the
listener's "this was a reflection", who gets them, what they never change, what is refused,
how the history counts them, and the export of consenting couples' corrections."""

from __future__ import annotations

import csv
from typing import Any

import pytest
import sqlalchemy as sa

from app.cli.guard import guard_cli
from app.extensions import db
from app.models import Exercise, ExerciseEvent, User
from app.services import exercises
from tests.realtime.conftest import Socket
from tests.realtime.test_exercise_socket import propose

SHARE = "I felt alone when you stayed late at work again."
REFLECTION = "It sounds like you felt alone when I stayed late."
ADVICE = "You should just tell me earlier next time."


def started(sockets: Any) -> tuple[int, Socket, Socket]:
    """Alex speaks, Blair listens; both joined; Alex has shared."""
    alex, _blair, a, b, _c = sockets
    ex_id = propose(alex)
    a.emit("join", {"exercise_id": ex_id, "after_seq": 0})
    b.emit("join", {"exercise_id": ex_id, "after_seq": 0})
    assert b.act(ex_id, "accept")["ok"]
    assert a.act(ex_id, "say", {"text": SHARE})["ok"]
    return ex_id, a, b


def said(socket: Socket, ex_id: int, text: str) -> tuple[int, bool]:
    """The listener says ``text``; returns its seq and whether the guard held it."""
    ack = socket.act(ex_id, "say", {"text": text})
    assert ack["ok"], ack
    (message,) = [e for e in ack["events"] if e["type"] == "listener_message"]
    return message["seq"], bool(ack["guard"]["held"])


def turn_of(ex_id: int) -> dict[str, Any]:
    """What the turn machine holds, but for the listener's messages of the turn."""
    db.session.expire_all()
    state = dict(db.session.get(Exercise, ex_id).state)
    state.pop("messages")
    state.pop("seq")
    return state


def test_the_speakers_mark_reaches_the_listener_kindly_and_changes_no_turn(
        app: Any, sockets: Any, make_browser: Any) -> None:
    ex_id, a, b = started(sockets)
    eve = make_browser("eve@example.com", "Eve")
    stranger = Socket(app, eve)
    reflected, held = said(b, ex_id, REFLECTION)
    assert not held
    a.received(), b.received(), stranger.received()
    before = turn_of(ex_id)
    assert before["pending_confirmation"] == reflected

    ack = a.act(ex_id, "mark_slip", {"of": reflected, "slip": "fixing"})
    assert ack["ok"], ack
    # The listener gets it, in kind words with something to try, and knows which message.
    (mark,) = [e for e in b.pushed_events() if e["type"] == "slip_marked"]
    assert mark["payload"]["of"] == reflected
    assert mark["show"]["text"] == ("Alex let you know your message felt a bit like fixing to "
                                    "them. Next time, try saying back what they feel before "
                                    "any way out of it.")
    # The speaker's own screen may show that they marked it; nobody else hears of it.
    (mine,) = [e for e in ack["events"] if e["type"] == "slip_marked"]
    assert mine["show"]["text"].startswith("You marked Blair's message")
    assert stranger.received() == []
    # The turn is as it was: the floor, the step, the reflection waiting for "That's it".
    assert turn_of(ex_id) == before
    view = b.emit("join", {"exercise_id": ex_id, "after_seq": 0})["view"]
    assert view["my_role"] == "listener" and view["pending_confirmation"] == reflected
    assert {"seq": reflected, "delivered": True, "feedback": "fixing"} in view["turn_messages"]
    assert a.act(ex_id, "confirm", {"kind": "landed"})["ok"]  # and the speaker carries on
    stranger.disconnect()


@pytest.mark.parametrize("case", ["listener", "held", "twice", "unknown slip", "not a message"])
def test_a_slip_mark_is_refused_and_changes_nothing(sockets: Any, case: str) -> None:
    ex_id, a, b = started(sockets)
    reflected, _ = said(b, ex_id, REFLECTION)
    held_seq, held = said(b, ex_id, ADVICE)
    assert held
    if case == "twice":
        assert a.act(ex_id, "mark_slip", {"of": reflected, "slip": "judging"})["ok"]
    db.session.expire_all()
    seq_before = db.session.get(Exercise, ex_id).seq
    a.received(), b.received()
    who, payload, code = {
        "listener": (b, {"of": reflected, "slip": "fixing"}, "not_your_turn"),
        "held": (a, {"of": held_seq, "slip": "fixing"}, "not_delivered"),
        "twice": (a, {"of": reflected, "slip": "defending"}, "already_marked"),
        "unknown slip": (a, {"of": reflected, "slip": "mean"}, "invalid"),
        "not a message": (a, {"of": 2, "slip": "fixing"}, "not_found"),
    }[case]
    ack = who.act(ex_id, "mark_slip", payload)
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"]
    db.session.expire_all()
    assert db.session.get(Exercise, ex_id).seq == seq_before
    assert a.pushed_events() == [] and b.pushed_events() == []


def test_the_listener_says_a_held_message_was_a_reflection_and_it_stays_unsent(
        sockets: Any) -> None:
    ex_id, a, b = started(sockets)
    held_seq, held = said(b, ex_id, ADVICE)
    assert held
    a.received(), b.received()
    before = turn_of(ex_id)
    ack = b.act(ex_id, "claim_reflection", {"of": held_seq})
    assert ack["ok"], ack
    (claim,) = [e for e in ack["events"] if e["type"] == "reflection_claimed"]
    assert "still wasn't sent" in claim["show"]["text"]
    # The speaker learns nothing: a numbered gap, no words, and the held text never arrives.
    assert [e["type"] for e in a.pushed_events()] == ["hidden"]
    assert turn_of(ex_id) == before
    speaker_view = a.emit("join", {"exercise_id": ex_id, "after_seq": 0})
    assert ADVICE not in str(speaker_view)


@pytest.mark.parametrize("case", ["delivered", "speaker", "twice"])
def test_a_reflection_claim_is_refused_and_changes_nothing(sockets: Any, case: str) -> None:
    ex_id, a, b = started(sockets)
    reflected, _ = said(b, ex_id, REFLECTION)
    held_seq, _ = said(b, ex_id, ADVICE)
    if case == "twice":
        assert b.act(ex_id, "claim_reflection", {"of": held_seq})["ok"]
    db.session.expire_all()
    seq_before = db.session.get(Exercise, ex_id).seq
    who, of, code = {"delivered": (b, reflected, "delivered"),
                     "speaker": (a, held_seq, "wrong_role"),
                     "twice": (b, held_seq, "already_marked")}[case]
    ack = who.act(ex_id, "claim_reflection", {"of": of})
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"]
    db.session.expire_all()
    assert db.session.get(Exercise, ex_id).seq == seq_before


def finish(ex_id: int, a: Socket, b: Socket) -> None:
    """End both turns and rate, so the history shows how it went."""
    assert a.act(ex_id, "end_turn")["ok"]
    assert b.act(ex_id, "say", {"text": "I'm tired of cooking every night."})["ok"]
    assert a.act(ex_id, "check")["ok"]
    assert b.act(ex_id, "end_turn")["ok"]
    assert a.act(ex_id, "rate", {"seen": 7, "understood": 7})["ok"]
    assert b.act(ex_id, "rate", {"seen": 8, "understood": 6})["ok"]


def corrected(sockets: Any, slip: str) -> tuple[int, Socket, Socket]:
    """Blair's reflection reached Alex, who marked it ``slip``; Blair's advice was held, and
    Blair said it was a reflection."""
    ex_id, a, b = started(sockets)
    reflected, _ = said(b, ex_id, REFLECTION)
    held_seq, _ = said(b, ex_id, ADVICE)
    assert a.act(ex_id, "mark_slip", {"of": reflected, "slip": slip})["ok"]
    assert b.act(ex_id, "claim_reflection", {"of": held_seq})["ok"]
    return ex_id, a, b


def test_the_history_shows_and_counts_the_marks(sockets: Any) -> None:
    alex, blair, *_ = sockets
    ex_id, a, b = corrected(sockets, "brushing_off")
    finish(ex_id, a, b)
    blairs = blair.get(f"/history/{ex_id}").get_data(as_text=True)
    assert "Alex let you know your message felt a bit like brushing it off" in blairs
    assert "Alex marked 1 of yours." in blairs
    assert "You said 1 held message was a reflection." in blairs
    alexs = alex.get(f"/history/{ex_id}").get_data(as_text=True)
    assert "you marked 1 of Blair's messages as not quite listening." in alexs
    assert "You marked Blair&#39;s message: it felt a bit like brushing it off." in alexs
    # Blair's "this was a reflection" is Blair's alone, like the held message.
    assert "held message was a reflection" not in alexs and ADVICE not in alexs


def test_the_export_has_only_couples_who_both_opted_in(app: Any, sockets: Any,
                                                         tmp_path: Any) -> None:
    alex, blair, *_ = sockets
    corrected(sockets, "judging")
    out = tmp_path / "slips.csv"
    runner = app.test_cli_runner()

    def export() -> list[dict[str, str]]:
        result = runner.invoke(guard_cli, ["slips", "--export", str(out)])
        assert result.exit_code == 0, result.output
        with out.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    assert export() == []  # default: nobody opted in
    assert alex.post("/settings/teaching", {"teaches_guard": "yes"}).status_code == 302
    assert export() == []  # one partner is not enough
    assert blair.post("/settings/teaching", {"teaches_guard": "yes"}).status_code == 302
    rows = export()
    with out.open(encoding="utf-8") as fh:
        assert fh.readline().strip() == "id,scenario,speaker_said,text,label,note"
    assert [(r["speaker_said"], r["text"], r["label"]) for r in rows] == [
        (SHARE, REFLECTION, "judgement"), (SHARE, ADVICE, "reflection")]
    assert all("Alex" not in str(r) and "Blair" not in str(r) for r in rows)
    assert blair.post("/settings/teaching", {}).status_code == 302  # Blair changes her mind
    assert export() == []
    db.session.expire_all()
    blair_user = db.session.scalar(sa.select(User).where(User.email == "blair@example.com"))
    assert blair_user.teaches_guard is False


def test_the_opt_in_refuses_anything_but_yes_or_nothing(sockets: Any) -> None:
    alex, *_ = sockets
    resp = alex.post("/settings/teaching", {"teaches_guard": "maybe"})
    assert resp.status_code == 400 and "Choose yes or no." in resp.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "alex@example.com"))
    assert user.teaches_guard is False
    page = alex.get("/settings").get_data(as_text=True)
    assert "Our corrections may teach the guard" in page


def test_the_mark_events_are_stored_in_order(sockets: Any) -> None:
    ex_id, a, b = started(sockets)
    reflected, _ = said(b, ex_id, REFLECTION)
    assert a.act(ex_id, "mark_slip", {"of": reflected, "slip": "about_you"})["ok"]
    db.session.expire_all()
    rows = db.session.scalars(sa.select(ExerciseEvent).where(
        ExerciseEvent.exercise_id == ex_id).order_by(ExerciseEvent.seq)).all()
    assert rows[-1].type == "slip_marked" and rows[-1].visible_to_id is None
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    replay = exercises.replay(db.session.get(User, rows[-1].actor_id), exercise_id=ex_id,
                              after_seq=rows[-2].seq)
    assert [e["type"] for e in replay["events"]] == ["slip_marked"]
