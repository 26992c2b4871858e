"""Presence on the default namespace, and per-socket rate caps."""

from __future__ import annotations

from typing import Any

from tests.realtime.conftest import Socket


def test_partners_see_each_other_come_and_go(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    a = Socket(app, alex, namespace="/")
    first = [m for m in a.received() if m["name"] == "presence"]
    assert first and first[-1]["args"][0]["online"] is False  # Blair isn't here yet
    assert "not online right now" in alex.get("/").get_data(as_text=True)

    b = Socket(app, blair, namespace="/")
    came = [m["args"][0] for m in a.received() if m["name"] == "presence"]
    assert {"user_id": came[-1]["user_id"], "online": True} == came[-1]
    assert "online now" in alex.get("/").get_data(as_text=True)
    assert b.emit("heartbeat", {}) == {"ok": True}

    b.disconnect()
    went = [m["args"][0] for m in a.received() if m["name"] == "presence"]
    assert went and went[-1]["online"] is False
    a.disconnect()


def test_a_socket_flooding_events_is_slowed_down(app: Any, couple: Any) -> None:
    alex, _blair, _c = couple
    a = Socket(app, alex, namespace="/")
    acks = [a.emit("heartbeat", {}) for _ in range(40)]
    limited = [x for x in acks if x.get("ok") is False]
    assert limited and limited[0]["error"]["code"] == "rate_limited"
    assert acks[0] == {"ok": True}
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
