"""The page each tab shows: said at connect and with each heartbeat; a hidden tab shows none.
It decides whether someone is already looking at what a notification would say."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db, socketio
from app.models import Presence
from app.services import presence


def viewing_of(user_id: int) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(Presence.viewing).where(
        Presence.user_id == user_id)))


def test_a_tab_says_which_page_it_shows_and_when_it_goes_to_the_background(
        app: Any, couple: Any) -> None:
    _, blair, _c = couple
    blair_id = blair.get("/api/me").get_json()["user"]["id"]
    with app.app_context():
        client = socketio.test_client(app, namespace="/", flask_test_client=blair.http,
                                      auth={"page": "/exercises/7", "visible": True})
    assert client.is_connected("/")
    assert viewing_of(blair_id) == ["/exercises/7"]
    assert presence.looking_at(blair_id, ["/exercises/7"])
    assert not presence.looking_at(blair_id, ["/", "/exercises/8"])

    def beat(data: Any) -> Any:
        with app.app_context():
            return client.emit("heartbeat", data, namespace="/", callback=True)

    assert beat({"page": "/exercises/7", "visible": False})["ok"]
    assert viewing_of(blair_id) == [""]
    assert not presence.looking_at(blair_id, ["/exercises/7"])
    assert beat({"page": "/?from=push#top", "visible": True})["ok"]
    assert viewing_of(blair_id) == ["/"]
    assert beat({})["ok"]  # an older page's plain beat leaves it as it was
    assert viewing_of(blair_id) == ["/"]
    for odd in ({"page": "//evil.example/x", "visible": True}, {"page": 7},
                {"page": "x" * 500, "visible": True}):
        assert beat(odd)["ok"]
        assert viewing_of(blair_id) == [""]
    with app.app_context():
        assert client.emit("viewing", {"page": "/settings", "visible": False}, namespace="/",
                           callback=True) == {"ok": True}
        assert viewing_of(blair_id) == [""]
        client.emit("viewing", {"page": "/settings", "visible": True}, namespace="/",
                    callback=True)
        assert viewing_of(blair_id) == ["/settings"]
        client.disconnect(namespace="/")
    assert viewing_of(blair_id) == []
    # A tab that says it went to the back after its socket closed does not come back.
    presence.set_viewing(sid="gone", viewing="")
    assert viewing_of(blair_id) == []
