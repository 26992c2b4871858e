"""The /therapist namespace: roles at connect and on every event, and consent withdrawn while
a therapist's page is open (the socket hears it, is closed, and sees less when it returns)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import AccessEntry, TherapistWatch, User
from tests.realtime.conftest import Socket
from tests.therapy_helpers import assign, do_homework, link, make_therapist


def test_each_namespace_refuses_the_other_role(app: Any, couple: Any) -> None:
    alex, _blair, _c = couple
    tb, _t = make_therapist(app)
    assert not Socket(app, tb, namespace="/exercise").connected()
    assert not Socket(app, alex, namespace="/therapist").connected()
    ok = Socket(app, tb, namespace="/therapist")
    assert ok.connected()
    ok.disconnect()


def test_the_role_is_checked_on_every_event(app: Any, sockets: Any) -> None:
    alex, _blair, a, _b, c = sockets
    made = alex.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me"})
    exercise_id = made.get_json()["exercise_id"]
    # As if the account became a therapist's after the socket opened.
    db.session.execute(sa.update(User).where(User.id == c.partner_a_id).values(role="therapist"))
    db.session.commit()
    ack = a.act(exercise_id, "cancel")
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert a.emit("join", {"exercise_id": exercise_id, "after_seq": 0})["error"]["code"] == \
        "forbidden"


def test_withdrawing_consent_updates_and_closes_the_open_socket(app: Any, couple: Any) -> None:
    alex, blair, c = couple
    tb, t = make_therapist(app)
    link_id = link(t, c, "conversations", "ratings")
    hw = assign(t, c)
    with app.test_request_context():
        do_homework(c, hw)
    sock = Socket(app, tb, namespace="/therapist")
    ack = sock.emit("watch", {"couple_id": c.id})
    assert ack["ok"] and "ratings" in ack
    assert db.session.scalar(sa.select(sa.func.count(TherapistWatch.sid))) == 1
    sock.received()
    blair.refresh_token("/settings/therapists")
    assert blair.post(f"/settings/therapists/{link_id}/sharing",
                      {"level": "completion"}).status_code == 302
    # Read what arrived before the server closed it (the test client's own queue).
    heard = [m for m in sock.client.queue if m["name"] == "couple"]
    assert heard and heard[0]["args"][0] == {"event": "sharing_changed", "couple_id": c.id}
    assert not sock.connected()
    assert db.session.scalar(sa.select(sa.func.count(TherapistWatch.sid))) == 0
    again = Socket(app, tb, namespace="/therapist")
    ack = again.emit("watch", {"couple_id": c.id})
    assert ack["ok"] and ack["level"] == "completion"
    assert "ratings" not in ack and "insights" not in ack
    alex.refresh_token("/settings/therapists")
    alex.post(f"/settings/therapists/{link_id}/end", {})
    assert not again.connected()
    third = Socket(app, tb, namespace="/therapist")
    assert third.emit("watch", {"couple_id": c.id})["error"]["code"] == "not_found"
    third.disconnect()
    # Each live read was logged for the couple to see; the refused one was not.
    whats = db.session.scalars(sa.select(AccessEntry.what)).all()
    assert whats.count("Live updates on the dashboard") == 2


def test_finished_homework_reaches_the_open_dashboard(app: Any, couple: Any) -> None:
    _alex, _blair, c = couple
    tb, t = make_therapist(app)
    link(t, c, "ratings", "ratings")
    hw = assign(t, c)
    sock = Socket(app, tb, namespace="/therapist")
    sock.emit("watch", {"couple_id": c.id})
    sock.received()
    with app.test_request_context():
        do_homework(c, hw)
    events = [m["args"][0]["event"] for m in sock.received() if m["name"] == "couple"]
    assert events == ["homework_done"]
    assert sock.connected()  # nothing was withdrawn: the page stays connected
    sock.disconnect()


def test_a_bad_watch_is_a_clear_error(app: Any) -> None:
    tb, _t = make_therapist(app)
    sock = Socket(app, tb, namespace="/therapist")
    for data in (None, "1", {"couple_id": 1, "extra": True}, {"couple_id": "1"}, [1]):
        ack = sock.emit("watch", data)
        assert ack["ok"] is False and ack["error"]["code"] in ("invalid", "not_found"), data
    sock.disconnect()


def test_arbitrary_watch_payloads_get_clear_errors(app: Any, couple: Any,
                                                   monkeypatch: Any) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from limits import parse

    from tests.realtime.test_fuzz_payloads import json_values

    # the rate cap has its own test
    monkeypatch.setattr("app.realtime.base.EVENT_LIMIT", parse("1000000 per second"))
    _alex, _blair, _c = couple
    tb, _t = make_therapist(app)
    sock = Socket(app, tb, namespace="/therapist")

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=json_values | st.fixed_dictionaries({"couple_id": json_values}))
    def check(data: Any) -> None:
        ack = sock.emit("watch", data)
        assert ack["ok"] is False and ack["error"]["code"] in ("invalid", "not_found")
        assert ack["error"]["message"]
        assert sock.connected()

    check()
    sock.disconnect()
    assert db.session.scalar(sa.select(sa.func.count(TherapistWatch.sid))) == 0
