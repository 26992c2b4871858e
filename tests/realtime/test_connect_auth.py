"""Socket authentication against a real server on loopback (the test client skips the handshake)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
import requests
import socketio
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.extensions import socketio as server_socketio
from tests.conftest import PASSWORD, create_user, make_config


@pytest.fixture
def server(tmp_path: Any) -> Iterator[str]:
    """The real app served by werkzeug's threaded server; yields its base URL."""
    http = make_server("127.0.0.1", 0, lambda e, s: [], threaded=True)
    base = f"http://127.0.0.1:{http.server_port}"
    app = create_app(make_config(tmp_path, ALLOWED_ORIGINS=[base]))
    with app.app_context():
        db.create_all()
        create_user("ana@example.com", "Ana")
    http.app = app
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    thread = threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server_socketio.server.shutdown()
        http.shutdown()
        thread.join(timeout=10)
        http.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def sign_in(base: str) -> requests.Session:
    """Sign in over HTTP the way docs/realtime.md tells an outside client to."""
    http = requests.Session()
    page = http.get(f"{base}/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = http.post(f"{base}/login", data={"email": "ana@example.com", "password": PASSWORD,
                                            "csrf_token": token}, allow_redirects=False)
    assert resp.status_code == 302
    return http


def try_connect(base: str, cookie: str = "", namespace: str = "/exercise") -> tuple[bool, Any]:
    """Open a socket; returns (connected, the connect_error data if refused)."""
    client = socketio.Client(reconnection=False)
    errors: list[Any] = []
    client.on("connect_error", errors.append, namespace=namespace)
    headers = {"Cookie": cookie} if cookie else {}  # the WebSocket sends Origin: base itself
    try:
        client.connect(base, namespaces=[namespace], headers=headers, transports=["websocket"],
                       wait_timeout=5)
    except socketio.exceptions.ConnectionError:
        return False, errors[0] if errors else None
    client.disconnect()
    return True, None


def cookie_header(http: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


@pytest.mark.parametrize("namespace", ["/exercise", "/"])
def test_an_anonymous_socket_is_told_unauthorized(server: str, namespace: str) -> None:
    connected, error = try_connect(server, namespace=namespace)
    assert not connected
    assert error == {"message": "unauthorized"}


def test_a_replayed_cookie_after_sign_out_opens_no_socket(server: str) -> None:
    http = sign_in(server)
    cookie = cookie_header(http)
    assert try_connect(server, cookie) == (True, None)
    page = http.get(f"{server}/settings").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert http.post(f"{server}/logout", data={"csrf_token": token},
                     allow_redirects=False).status_code == 302
    assert try_connect(server, cookie) == (False, {"message": "unauthorized"})
    replayed = requests.get(f"{server}/settings", headers={"Cookie": cookie},
                            allow_redirects=False)
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]
    http.close()


def test_an_over_size_packet_closes_the_socket(server: str) -> None:
    """docs/realtime.md: a packet over 32 KB is not answered; the server closes the socket."""
    http = sign_in(server)
    client = socketio.Client(reconnection=False)
    client.connect(server, namespaces=["/"], headers={"Cookie": cookie_header(http)},
                   transports=["websocket"], wait_timeout=5)
    assert client.call("heartbeat", {}, timeout=5)["ok"] is True
    websocket = client.eio.ws
    with pytest.raises(socketio.exceptions.TimeoutError):
        client.call("heartbeat", {"pad": "x" * 40_000}, timeout=3)
    client.sleep(0.5)
    assert not client.connected
    websocket.shutdown()  # the client library leaves a server-closed socket open
    http.close()


def csrf(http: requests.Session, base: str, path: str) -> str:
    page = http.get(f"{base}{path}").text
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_sign_up_pair_and_connect_as_the_protocol_doc_says(server: str, tmp_path: Any) -> None:
    """docs/realtime.md section 1, step by step, with nothing but HTTP and a socket client."""
    people = {}
    for name in ("Alex", "Blair"):
        http, email = requests.Session(), f"{name.lower()}@example.com"
        resp = http.post(f"{server}/signup", data={
            "name": name, "email": email, "csrf_token": csrf(http, server, "/signup")},
            allow_redirects=False)
        assert resp.status_code == 302 and resp.headers["Location"] == "/signup/sent"
        mails = [m for m in (message_from_bytes(p.read_bytes()) for p in
                             sorted((tmp_path / "mail").glob("*.eml"))) if m["To"] == email]
        link = re.search(r"/signup/finish/\S+", mails[-1].get_payload()[0].get_payload(
            decode=True).decode())
        assert link is not None
        resp = http.post(f"{server}{link.group(0)}", data={
            "password": PASSWORD, "csrf_token": csrf(http, server, link.group(0))},
            allow_redirects=False)
        assert resp.status_code == 302
        people[name] = http
    alex, blair = people["Alex"], people["Blair"]
    assert alex.post(f"{server}/pair/invite", data={"csrf_token": csrf(alex, server, "/pair")},
                     allow_redirects=False).status_code == 302
    link = re.search(r'id="invite-link" value="([^"]+)"', alex.get(f"{server}/pair").text)
    assert link is not None and "/i/" in link.group(1)
    path = "/i/" + link.group(1).split("/i/")[1]
    resp = blair.post(f"{server}{path}", data={"csrf_token": csrf(blair, server, path)},
                      allow_redirects=False)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"

    alex_id = alex.get(f"{server}/api/me").json()["user"]["id"]
    blair_id = blair.get(f"{server}/api/me").json()["user"]["id"]
    made = alex.post(f"{server}/api/exercises", json={"kind": "speaker_listener",
                                                      "first_speaker": "me"},
                     headers={"X-CSRFToken": csrf(alex, server, "/settings")})
    assert made.status_code == 201
    client = socketio.Client(reconnection=False)
    client.connect(server, namespaces=["/exercise"], headers={"Cookie": cookie_header(blair)},
                   transports=["websocket"], wait_timeout=5)
    ack = client.call("join", {"exercise_id": made.json()["exercise_id"], "after_seq": 0},
                      namespace="/exercise", timeout=5)
    assert ack["ok"] is True and ack["view"]["me"] == blair_id
    assert ack["events"][0]["actor"] == alex_id
    client.disconnect()
    alex.close()
    blair.close()
