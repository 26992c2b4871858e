"""Hypothesis throws arbitrary JSON at the socket: a clear error every time, never a crash."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limits import parse

from app.extensions import db
from app.models import Exercise, Presence

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


def test_arbitrary_heartbeat_and_viewing_payloads_never_break_presence(
        app: Any, couple: Any, monkeypatch: Any) -> None:
    from tests.realtime.conftest import Socket

    monkeypatch.setattr("app.realtime.base.EVENT_LIMIT", parse("1000000 per second"))
    alex, _blair, _c = couple
    s = Socket(app, alex, namespace="/")

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(event=st.sampled_from(["heartbeat", "viewing"]), data=json_values)
    def check(event: str, data: Any) -> None:
        ack = s.emit(event, data)
        assert ack["ok"] is True
        with app.app_context():
            pages = [p.viewing for p in db.session.scalars(sa.select(Presence))]
        assert all(p == "" or (p.startswith("/") and not p.startswith("//") and len(p) <= 200)
                   for p in pages), pages

    check()
    s.disconnect()


# Every JSON body the HTTP side accepts, as a signed-in partner would send it (CSRF included).
JSON_ROUTES = ["/api/exercises", "/api/prompts", "/api/prompts/1/delete",
               "/auth/passkey/register/options", "/auth/passkey/register/verify",
               "/auth/passkey/login/options", "/auth/passkey/login/verify"]


def _rows() -> tuple[int, ...]:
    from app.models import CouplePrompt, Exercise, Passkey, User, UserSession

    return tuple(db.session.scalar(db.select(db.func.count()).select_from(m))
                 for m in (Exercise, CouplePrompt, Passkey, User, UserSession))


def test_arbitrary_json_bodies_get_clear_errors_and_change_nothing(app: Any,
                                                                    couple: Any) -> None:
    alex, _blair, _c = couple

    @settings(max_examples=70, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(route=st.sampled_from(JSON_ROUTES), body=json_values)
    def check(route: str, body: Any) -> None:
        before = _rows()
        resp = alex.post_json(route, body)
        assert resp.status_code < 500, (route, body, resp.status_code)
        if resp.status_code >= 400:
            answer = resp.get_json()
            assert answer["ok"] is False and answer["error"]["code"] and \
                answer["error"]["message"], (route, answer)
            db.session.expire_all()
            assert _rows() == before, (route, body)

    check()
