"""A therapist's live page and a partner on different processes: withdrawing consent on one
process reaches the therapist's socket on the other (through Redis), which hears it and is
closed; back on either process, the socket sees only what is still shared."""

from __future__ import annotations

import re
import threading
from email import message_from_bytes
from email.policy import default as email_default
from typing import Any

import pytest
import socketio

from tests.scaleout.helpers import PASSWORD, Cluster, Person

pytestmark = pytest.mark.scaleout

NS = "/therapist"


def _therapist(cluster: Cluster, server: Any) -> Person:
    """A therapist signs up over HTTP on ``server``: practice name, emailed link, password."""
    dr = Person("Rivera")
    dr.get(server, "/signup?as=therapist")
    resp = dr.post_form(server, "/signup", {"as": "therapist", "name": "Dr Rivera",
                                            "email": dr.email, "practice": "Rivera Practice"})
    assert resp.status_code == 302, resp.status_code
    mine = [m for m in (message_from_bytes(p.read_bytes(), policy=email_default)
                        for p in sorted(cluster.mail_dir.glob("*.eml"))) if m["To"] == dr.email]
    link = re.search(r"/signup/finish/\S+", mine[-1].get_body(("plain",)).get_content())
    assert link is not None
    dr.get(server, link.group(0))
    assert dr.post_form(server, link.group(0), {"password": PASSWORD}).status_code == 302
    dr.get(server, "/therapist")
    return dr


class Watcher:
    """A python-socketio client on /therapist, recording what it hears and when it closes."""

    def __init__(self, person: Person, server: Any) -> None:
        self.heard: list[dict[str, Any]] = []
        self.closed = threading.Event()
        self.sio = socketio.Client(reconnection=False, request_timeout=15,
                                   websocket_extra_options={"origin": server.origin})
        self.sio.on("couple", self.heard.append, namespace=NS)
        self.sio.on("disconnect", lambda *a: self.closed.set(), namespace=NS)
        self.sio.connect(server.base, namespaces=[NS], transports=["websocket"],
                         headers={"Cookie": person.cookie_header()}, wait_timeout=10)

    def watch(self, couple_id: int) -> dict[str, Any]:
        ack = self.sio.call("watch", {"couple_id": couple_id}, namespace=NS, timeout=15)
        assert isinstance(ack, dict)
        return ack

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()
        self.sio.shutdown()


def test_withdrawn_consent_closes_the_therapists_socket_on_another_process(
        cluster: Cluster, servers: Any, make_couple: Any) -> None:
    p1, p2 = servers
    alex, blair = make_couple()
    dr = _therapist(cluster, p1)
    assert dr.post_form(p1, "/therapist/invites", {}).status_code == 302
    page = dr.get(p1, "/therapist").text
    token_path = re.search(r'value="https?://[^/"]+(/t/[^"]+)"', page)
    assert token_path is not None
    alex.get(p1, token_path.group(1))
    assert alex.post_form(p1, token_path.group(1), {"level": "conversations"}
                          ).status_code == 302
    link_id = int(cluster.query("SELECT id FROM therapy_links ORDER BY id DESC LIMIT 1")[0][0])
    couple_id = int(cluster.query("SELECT couple_id FROM therapy_links WHERE id = %s",
                                  link_id)[0][0])
    blair.get(p2, "/settings/therapists")
    assert blair.post_form(p2, f"/settings/therapists/{link_id}/sharing",
                           {"level": "ratings"}).status_code == 302

    watcher = Watcher(dr, p1)
    try:
        first = watcher.watch(couple_id)
        assert first["ok"] and first["level"] == "ratings" and "ratings" in first
        # Blair narrows on the other process.
        assert blair.post_form(p2, f"/settings/therapists/{link_id}/sharing",
                               {"level": "completion"}).status_code == 302
        assert watcher.closed.wait(10), "the therapist's socket was not closed"
        assert {"event": "sharing_changed", "couple_id": couple_id} in watcher.heard
    finally:
        watcher.close()
    again = Watcher(dr, p2)
    try:
        ack = again.watch(couple_id)
        assert ack["ok"] and ack["level"] == "completion"
        assert "ratings" not in ack and "insights" not in ack
    finally:
        again.close()
    assert cluster.query("SELECT count(*) FROM therapist_watches WHERE couple_id = %s",
                         couple_id)[0][0] <= 1
    dr.close()
