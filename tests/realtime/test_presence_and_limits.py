"""Presence on the default namespace, and per-socket rate caps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Presence
from app.models.types import utcnow
from app.realtime.sessions import close_sessions
from app.services import presence
from tests.realtime.conftest import Socket


def test_partners_see_each_other_come_and_go(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    a = Socket(app, alex, namespace="/")
    first = [m for m in a.received() if m["name"] == "presence"]
    assert first and first[-1]["args"][0]["online"] is False  # Blair isn't here yet
    assert "not online right now" in alex.get("/").get_data(as_text=True)

    b = Socket(app, blair, namespace="/")
    came = [m["args"][0] for m in a.received() if m["name"] == "presence"]
    blair_id = blair.get("/api/me").get_json()["user"]["id"]
    assert came[-1] == {"user_id": blair_id, "online": True, "away_after": 75}
    assert "online now" in alex.get("/").get_data(as_text=True)
    assert b.emit("heartbeat", {}) == {"ok": True, "every": 25, "away_after": 75}

    b.disconnect()
    went = [m["args"][0] for m in a.received() if m["name"] == "presence"]
    assert went and went[-1]["online"] is False
    a.disconnect()


def test_a_heartbeat_renews_presence_for_the_stated_time_and_then_it_lapses(
        app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    app.config["PRESENCE_HEARTBEAT_SECONDS"] = 2
    a = Socket(app, alex, namespace="/")
    b = Socket(app, blair, namespace="/")
    a.received()
    ack = b.emit("heartbeat", {})
    assert ack == {"ok": True, "every": 2, "away_after": 6}  # the client's interval is ours
    renewed = [m["args"][0] for m in a.received() if m["name"] == "presence"]
    blair_id = blair.get("/api/me").get_json()["user"]["id"]
    assert renewed[-1] == {"user_id": blair_id, "online": True, "away_after": 6}
    assert "online now" in alex.get("/").get_data(as_text=True)

    # Blair's phone goes quiet (no heartbeat, no goodbye): past away_after she is away.
    with app.app_context():
        db.session.execute(sa.update(Presence).where(Presence.user_id == blair_id)
                           .values(seen_at=utcnow() - timedelta(seconds=7)))
        db.session.commit()
        assert presence.online_user_ids([blair_id]) == set()
    assert "not online right now" in alex.get("/").get_data(as_text=True)
    a.disconnect()
    b.disconnect()


def test_a_heartbeat_keeps_the_session_key_so_signing_out_that_device_closes_it(
        app: Any, couple: Any) -> None:
    _alex, blair, _c = couple
    b = Socket(app, blair, namespace="/")
    with app.app_context():
        key = db.session.scalars(sa.select(Presence)).one().session_key
        assert key
        # A restart forgot the socket; its next heartbeat records it again, with its session.
        db.session.execute(sa.delete(Presence))
        db.session.commit()
    assert b.emit("heartbeat", {})["ok"] is True
    with app.app_context():
        assert presence.sockets_of_sessions([key]) != []
        assert close_sessions([key]) == 1
    assert not b.connected()


def test_a_socket_flooding_events_is_slowed_down(app: Any, couple: Any) -> None:
    alex, _blair, _c = couple
    a = Socket(app, alex, namespace="/")
    acks = [a.emit("heartbeat", {}) for _ in range(40)]
    limited = [x for x in acks if x.get("ok") is False]
    assert limited and limited[0]["error"]["code"] == "rate_limited"
    assert acks[0]["ok"] is True
    a.disconnect()


def test_the_server_caps_packet_size(app: Any) -> None:
    from app.extensions import socketio

    assert socketio.server.eio.max_http_buffer_size <= 64 * 1024


def test_the_origin_check_admits_only_the_configured_origins() -> None:
    from app.realtime import origin_check

    allowed = origin_check(["http://localhost:5000", "https://attune.example/"])
    assert allowed("http://localhost:5000") and allowed("https://attune.example")
    for origin in ("https://evil.example", "null", "", None, "http://localhost:5001",
                   "https://attune.example.evil.example"):
        assert not allowed(origin)
