"""Helpers for the scale-out tests: real server processes, HTTP users and Socket.IO clients.

Everything here talks to real processes over loopback, as a phone or a browser would: HTTP forms
with CSRF tokens, then a python-socketio client over WebSocket carrying the session cookie.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from email import message_from_bytes
from email.policy import default as email_default
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import requests
import socketio
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery staple"
NS = "/exercise"
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')

# Numbers the tests measured, printed at the end of the run (see conftest.py).
METRICS: dict[str, Any] = {}


def free_port() -> int:
    """A port nobody listens on right now (bound and released by the kernel)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: Iterable[float], p: float) -> float:
    """The p-th percentile (0–100) by nearest rank; 0.0 for no values."""
    data = sorted(values)
    if not data:
        return 0.0
    k = max(0, min(len(data) - 1, math.ceil(p / 100 * len(data)) - 1))
    return data[k]


# --- server processes -------------------------------------------------------------------------


class Server:
    """One ``gunicorn -k gevent -w 1`` process (master and worker in their own process group)."""

    def __init__(self, name: str, port: int, env: dict[str, str], log_dir: Path,
                 origin: str | None = None) -> None:
        self.name = name
        self.port = port
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.base = f"http://127.0.0.1:{port}"
        # Pages are opened as http://localhost:PORT (WebAuthn wants a name, not an IP), so that
        # is the Origin a browser sends; the server itself binds 127.0.0.1.
        self.origin = origin or f"http://localhost:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def start(self) -> Server:
        """Launch the process (returns at once; call ``wait_ready``)."""
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-k", "gevent", "-w", "1", "--no-control-socket",
             "--bind", f"127.0.0.1:{self.port}", "--worker-connections", "2000",
             "--graceful-timeout", "2", "--timeout", "60", "--log-level", "warning",
             "wsgi:app"],
            cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def alive(self) -> bool:
        """Whether the master process still runs."""
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Poll ``/healthz`` until it answers 200; fail with the log if the process died."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                with requests.get(f"{self.base}/healthz", timeout=1) as resp:
                    if resp.status_code == 200:
                        return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL master and worker at once: a crash, not a shutdown."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Shut down (SIGINT, then SIGKILL after 10 s), reap the process and close the log."""
        if self.proc is not None:
            if self.proc.poll() is None:
                _signal_group(self.proc.pid, signal.SIGINT)  # gunicorn: quick shutdown
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    _signal_group(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=10)
            # A worker must never outlive its master.
            _signal_group(self.proc.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the process's log, for failure messages."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


class Cluster:
    """The deployment under test: server processes sharing one database and one Redis."""

    def __init__(self, *, db_url: str, redis_url: str, env: dict[str, str], log_dir: Path,
                 origins: list[str]) -> None:
        self.db_url = db_url
        self.redis_url = redis_url
        self.env = env
        self.log_dir = log_dir
        self.origins = origins
        self.mail_dir = Path(env["MAIL_DIR"])
        self.servers: list[Server] = []

    def spawn(self, name: str, port: int | None = None, origin: str | None = None) -> Server:
        """Start one more process of the same deployment (same secret, database, Redis)."""
        server = Server(name, port or free_port(), self.env, self.log_dir, origin=origin)
        self.servers.append(server)
        server.start()
        return server

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the shared database directly, as an auditor would."""
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            return list(conn.execute(sql, params).fetchall())

    def user_id(self, email: str) -> int:
        """The id of the account with this email."""
        return int(self.query("SELECT id FROM users WHERE email = %s", email)[0][0])

    def event_seqs(self, exercise_id: int) -> list[int]:
        """The stored event numbers of one exercise, in order."""
        return [r[0] for r in self.query(
            "SELECT seq FROM exercise_events WHERE exercise_id = %s ORDER BY seq", exercise_id)]

    def exercise(self, exercise_id: int) -> tuple[str, int]:
        """(phase, seq) of one exercise."""
        phase, seq = self.query("SELECT phase, seq FROM exercises WHERE id = %s",
                                exercise_id)[0]
        return str(phase), int(seq)

    def assert_gapless(self, exercise_id: int) -> int:
        """The event log is numbered 1..seq with no gap and no duplicate; returns seq."""
        _, seq = self.exercise(exercise_id)
        assert self.event_seqs(exercise_id) == list(range(1, seq + 1))
        return seq

    def stop(self) -> None:
        """Stop every process of the deployment."""
        for server in self.servers:
            server.stop()


# --- HTTP users -------------------------------------------------------------------------------

_hosts = itertools.count(10)


def next_source_ip() -> str:
    """A fresh loopback address (127.0.x.y) so each simulated person is its own client IP.

    Flask-Limiter counts per IP; giving every person their own address keeps one test's
    sign-ups and sign-ins from eating another's allowance, as on a real network.
    """
    n = next(_hosts)
    return f"127.0.{n // 250}.{n % 250 + 2}"


class _SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source_ip: str) -> None:
        self._source_ip = source_ip
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._source_ip, 0)
        super().init_poolmanager(*args, **kwargs)


class Person:
    """One partner's browser: a cookie jar, the current CSRF token, its own client IP."""

    def __init__(self, name: str, *, source_ip: str | None = None) -> None:
        self.name = name
        self.email = f"{name.lower()}-{secrets.token_hex(4)}@example.com"
        self.source_ip = source_ip or next_source_ip()
        self.http = requests.Session()
        self.http.mount("http://", _SourceAddressAdapter(self.source_ip))
        self.token = ""
        self.user_id = 0

    def get(self, server: Server, path: str) -> requests.Response:
        """GET a page (following redirects) and keep its CSRF token."""
        resp = self.http.get(server.base + path, timeout=15)
        match = CSRF_META.search(resp.text)
        if match:
            self.token = match.group(1)
        return resp

    def post_form(self, server: Server, path: str, data: dict[str, Any]) -> requests.Response:
        """POST a form with the CSRF token, without following the redirect."""
        return self.http.post(server.base + path, data={**data, "csrf_token": self.token},
                              allow_redirects=False, timeout=15)

    def post_json(self, server: Server, path: str, body: Any) -> requests.Response:
        """POST JSON with the CSRF header, as the app's fetch() does."""
        return self.http.post(server.base + path, json=body, timeout=15,
                              headers={"X-CSRFToken": self.token, "Accept": "application/json"})

    def signup(self, server: Server, mail_dir: Path) -> None:
        """Sign up over HTTP: ask, open the emailed link, choose a password; signed in after."""
        self.get(server, "/signup")
        resp = self.post_form(server, "/signup", {"name": self.name, "email": self.email})
        assert resp.status_code == 302, f"sign-up on {server.name}: {resp.status_code}"
        mine = [m for m in (message_from_bytes(p.read_bytes(), policy=email_default)
                            for p in sorted(mail_dir.glob("*.eml"))) if m["To"] == self.email]
        assert mine, f"no sign-up mail for {self.email}"
        link = re.search(r"/signup/finish/\S+", mine[-1].get_body(("plain",)).get_content())
        assert link is not None
        self.get(server, link.group(0))
        resp = self.post_form(server, link.group(0), {"password": PASSWORD})
        assert resp.status_code == 302, f"sign-up link on {server.name}: {resp.status_code}"
        self.get(server, "/settings")  # the new session's CSRF token

    def login(self, server: Server) -> requests.Response:
        """Sign in with email and password."""
        self.get(server, "/login")
        resp = self.post_form(server, "/login", {"email": self.email, "password": PASSWORD})
        if resp.status_code == 302:
            self.get(server, "/settings")
        return resp

    def cookie_header(self) -> str:
        """The Cookie header a browser would send."""
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)

    def propose(self, server: Server, **body: Any) -> int:
        """Propose an exercise over HTTP; returns its id."""
        payload = {"kind": "speaker_listener", "first_speaker": "me", "topic": "the dishes",
                   **body}
        resp = self.post_json(server, "/api/exercises", payload)
        assert resp.status_code == 201, resp.text[:500]
        return int(resp.json()["exercise_id"])

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


def pair(inviter: Person, s1: Server, invitee: Person, s2: Server, via: str = "link") -> None:
    """Pair two signed-in people: the inviter makes an invite on ``s1``, the invitee redeems it
    on ``s2`` by following the link or typing the short code."""
    inviter.get(s1, "/pair")
    resp = inviter.post_form(s1, "/pair/invite", {})
    assert resp.status_code == 302, resp.status_code
    page = inviter.get(s1, "/pair").text
    link = re.search(r'id="invite-link" value="([^"]+)"', page)
    code = re.search(r'id="invite-code"[^>]*>([^<]+)<', page)
    assert link and code, "the pair page shows no invite"
    if via == "link":
        path = urlsplit(link.group(1)).path
        assert invitee.get(s2, path).status_code == 200
        resp = invitee.post_form(s2, path, {})
    else:
        invitee.get(s2, "/pair")
        resp = invitee.post_form(s2, "/pair/code", {"code": code.group(1).strip()})
    assert resp.status_code == 302, f"redeem by {via}: {resp.status_code} {resp.text[:300]}"


# --- Socket.IO clients ------------------------------------------------------------------------

_client_ids = itertools.count(1)


def new_client_id(prefix: str = "so") -> str:
    """A fresh client-made action id (8–64 of A–Z a–z 0–9 _ -)."""
    return f"{prefix}-{secrets.token_hex(4)}-{next(_client_ids):05d}"


class Live:
    """A python-socketio client on ``/exercise`` over WebSocket, carrying the person's cookie.

    It records every pushed ``events`` message with the time it arrived. Reconnection is off:
    the tests decide where (which process) a client reconnects to.
    """

    def __init__(self, person: Person, server: Server, *, origin: str | None = None,
                 transports: list[str] | None = None, headers: dict[str, str] | None = None,
                 extra_options: dict[str, Any] | None = None) -> None:
        self.person = person
        self.server = server
        options = {"origin": origin or server.origin, **(extra_options or {})}
        self.sio = socketio.Client(reconnection=False, request_timeout=15,
                                   websocket_extra_options=options)
        self.messages: list[tuple[float, dict[str, Any]]] = []
        self.cond = threading.Condition()
        self.disconnected_at: float | None = None
        self.sio.on("events", self._on_events, namespace=NS)
        self.sio.on("disconnect", self._on_disconnect, namespace=NS)
        hdrs = {"Cookie": person.cookie_header(), **(headers or {})}
        try:
            self.sio.connect(server.base, namespaces=[NS], headers=hdrs,
                             transports=transports or ["websocket"], wait_timeout=10)
        except BaseException:
            self.close()
            raise

    def _on_events(self, message: dict[str, Any]) -> None:
        with self.cond:
            self.messages.append((time.perf_counter(), message))
            self.cond.notify_all()

    def _on_disconnect(self, *args: Any) -> None:
        with self.cond:
            self.disconnected_at = time.perf_counter()
            self.cond.notify_all()

    @property
    def transport(self) -> str:
        """The Engine.IO transport in use (``websocket`` or ``polling``)."""
        return str(self.sio.transport())

    def join(self, exercise_id: int, after_seq: int = 0) -> dict[str, Any]:
        """Subscribe and catch up from ``after_seq``."""
        return self.call("join", {"exercise_id": exercise_id, "after_seq": after_seq})

    def act(self, exercise_id: int, type_: str, payload: Any = None,
            client_id: str | None = None) -> dict[str, Any]:
        """Send one action and wait for its acknowledgement."""
        return self.call("act", {"exercise_id": exercise_id, "type": type_,
                                 "payload": payload or {},
                                 "client_id": client_id or new_client_id()})

    def call(self, event: str, data: Any, timeout: float = 15) -> dict[str, Any]:
        """Emit and wait for the acknowledgement."""
        ack = self.sio.call(event, data, namespace=NS, timeout=timeout)
        assert isinstance(ack, dict), ack
        return ack

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Wait until ``predicate()`` holds for what has arrived (checked on each arrival)."""
        with self.cond:
            return self.cond.wait_for(predicate, timeout=timeout)

    def wait_for_seq(self, exercise_id: int, seq: int, timeout: float = 5.0) -> float | None:
        """Wait for a pushed message carrying event ``seq``; returns its arrival time."""
        found: list[float] = []

        def arrived() -> bool:
            for at, msg in self.messages:
                if msg.get("exercise_id") == exercise_id and any(
                        e.get("seq") == seq for e in msg.get("events", [])):
                    found.append(at)
                    return True
            return False

        return found[0] if self.wait_until(arrived, timeout) else None

    def pushed(self, exercise_id: int) -> list[dict[str, Any]]:
        """Every pushed event of one exercise, in arrival order."""
        with self.cond:
            return [e for _, m in self.messages if m.get("exercise_id") == exercise_id
                    for e in m.get("events", [])]

    def last_view(self, exercise_id: int) -> dict[str, Any]:
        """The view in the newest pushed message of this exercise."""
        with self.cond:
            views = [m["view"] for _, m in self.messages if m.get("exercise_id") == exercise_id]
        assert views, "nothing pushed yet"
        return views[-1]

    def close(self) -> None:
        """Disconnect (if still connected) and let the client's threads end."""
        try:
            if self.sio.connected:
                self.sio.disconnect()
        finally:
            self.sio.shutdown()
            # After the server vanished (SIGKILL) the client never closes its socket itself.
            ws = getattr(self.sio.eio, "ws", None)
            if ws is not None:
                ws.shutdown()
            http = getattr(self.sio.eio, "http", None)
            if http is not None:
                http.close()
