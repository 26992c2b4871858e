"""Hypothesis throws arbitrary JSON at the socket: a clear error every time, never a crash."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limits import parse

from app.extensions import db
from app.models import Exercise

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False)
    | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=12)
types = st.sampled_from(["say", "share", "confirm", "rate", "call_break", "schedule", "accept",
                         "ready", "end_turn", "nonsense"])


def test_arbitrary_act_payloads_get_clear_errors(app: Any, sockets: Any,
                                                 monkeypatch: Any) -> None:
    monkeypatch.setattr("app.realtime.base.EVENT_LIMIT", parse("1000000 per second"))  # tested apart
    alex, _blair, _a, b, _c = sockets
    ex_id = alex.post_json("/api/exercises", {"kind": "speaker_listener",
                                              "first_speaker": "me"}).get_json()["exercise_id"]
    b.act(ex_id, "accept")
    counter = iter(range(10**6))

    @settings(max_examples=80, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(type_=types, payload=json_values, extra=st.booleans())
    def check(type_: str, payload: Any, extra: bool) -> None:
        before = db.session.get(Exercise, ex_id).seq
        data: dict[str, Any] = {"exercise_id": ex_id, "type": type_, "payload": payload,
                                "client_id": f"fuzz-{next(counter):08d}"}
        if extra:
            data["surprise"] = payload
        ack = b.emit("act", data)
        db.session.expire_all()
        assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool)
        if not ack["ok"]:
            assert ack["error"]["code"] and ack["error"]["message"]
            assert db.session.get(Exercise, ex_id).seq == before

    check()


def test_arbitrary_join_payloads_get_clear_errors(app: Any, sockets: Any,
                                                  monkeypatch: Any) -> None:
    monkeypatch.setattr("app.realtime.base.EVENT_LIMIT", parse("1000000 per second"))
    _alex, _blair, a, _b, _c = sockets

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=json_values)
    def check(data: Any) -> None:
        ack = a.emit("join", data)
        assert ack["ok"] is False and ack["error"]["code"] in {"invalid", "not_found"}

    check()
