"""Never stuck: an unexpected error in a socket handler is logged and answered, never silent."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db, socketio
from app.models import ClientAction, Exercise
from app.services import exercises
from tests.realtime.test_exercise_socket import propose


def test_an_unexpected_error_is_answered_server_error_and_logged_with_a_request_id(
        sockets: Any, app: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    alex, _blair, _a, b, _c = sockets
    ex_id = propose(alex)
    assert b.emit("join", {"exercise_id": ex_id, "after_seq": 0})["ok"]
    real_act = exercises.act

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(exercises, "act", broken)
    with caplog.at_level(logging.ERROR, logger="attune.realtime"):
        ack = b.act(ex_id, "accept", client_id="retry-me-0001")
    assert ack["ok"] is False
    assert ack["error"]["code"] == "server_error"
    assert ack["error"]["message"]
    request_id = ack["error"]["request_id"]
    assert re.fullmatch(r"[0-9a-f]{12}", request_id)
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert "the database fell over" in caplog.text
    # Nothing changed, and the same action (same client id) goes through once it works again.
    with app.app_context():
        assert db.session.get(Exercise, ex_id).phase == "proposed"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClientAction)) == 0
    monkeypatch.setattr(exercises, "act", real_act)
    retried = b.act(ex_id, "accept", client_id="retry-me-0001")
    assert retried["ok"] is True and "duplicate" not in retried


def test_an_error_while_joining_is_answered_too(sockets: Any, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    alex, _blair, a, _b, _c = sockets
    ex_id = propose(alex)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("boom")

    monkeypatch.setattr(exercises, "replay", broken)
    ack = a.emit("join", {"exercise_id": ex_id, "after_seq": 0})
    assert ack["ok"] is False and ack["error"]["code"] == "server_error"
    assert a.connected()


def test_every_socket_event_handler_always_answers(app: Any) -> None:
    handlers = []
    for namespace, ns in socketio.server.namespace_handlers.items():
        for name in dir(ns):
            if name.startswith("on_") and name not in ("on_connect", "on_disconnect"):
                handlers.append((namespace, name, getattr(ns, name)))
    assert {(n, h) for n, h, _ in handlers} >= {("/exercise", "on_act"), ("/exercise", "on_join"),
                                              ("/", "on_heartbeat")}
    for namespace, name, handler in handlers:
        assert getattr(handler, "answers_always", False), f"{namespace} {name} can fail silently"
