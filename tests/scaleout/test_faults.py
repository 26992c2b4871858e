"""Faults lose nothing: 20 couples mid-exercise on two processes, one process SIGKILLed, then
Redis restarted; every exercise still goes on to its ratings.

The two processes here have a Redis server of their own (started by the test on a free port),
so restarting it disturbs nobody else; they share the scale-out tests' PostgreSQL database and
secret key, so the couples signed up there are signed in here too.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.scaleout.helpers import METRICS, NS, Cluster, Live, Server, free_port, new_client_id

pytestmark = pytest.mark.scaleout
COUPLES = 20


class PrivateRedis:
    """A redis-server of the test's own, on loopback; ``restart`` is a crash and a start."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                assert time.monotonic() < deadline, "the test's redis-server did not start"
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.kill()


class Partner:
    """One partner's phone: a socket, what it has seen (seq → event), and how to catch up."""

    def __init__(self, person: Any, server: Server, exercise_id: int) -> None:
        self.person, self.exercise_id = person, exercise_id
        self.seen: dict[int, dict[str, Any]] = {}
        self.live = Live(person, server)
        self.join()

    def join(self) -> None:
        """(Re)join after the last seq seen without a gap: the server replays the rest."""
        after = 0
        while after + 1 in self.seen:
            after += 1
        answer = self.live.join(self.exercise_id, after_seq=after)
        assert answer["ok"], answer
        self._keep(answer["events"])

    def reconnect(self, server: Server) -> None:
        self._keep(self.live.pushed(self.exercise_id))
        self.live.close()
        self.live = Live(self.person, server)
        self.join()

    def _keep(self, events: list[dict[str, Any]]) -> None:
        for e in events:
            self.seen.setdefault(e["seq"], e)

    def act(self, acked: dict[str, int], type_: str, payload: Any = None,
            client_id: str | None = None) -> dict[str, Any]:
        cid = client_id or new_client_id(type_)
        answer = self.live.act(self.exercise_id, type_, payload, client_id=cid)
        assert answer["ok"], answer
        acked[cid] = answer["seq"]
        self._keep(answer["events"])
        return answer

    def catch_up(self) -> list[int]:
        """What a client does on noticing a gap: join from its last seq. Returns the seqs."""
        self._keep(self.live.pushed(self.exercise_id))
        self.join()
        return sorted(self.seen)


def test_g_a_killed_process_and_a_restarted_redis_lose_nothing(
        cluster: Cluster, servers: Any, make_couple: Any, private_redis: PrivateRedis) -> None:
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    env = {**cluster.env, "REDIS_URL": private_redis.url,
           "SOCKETIO_CHANNEL": f"attune-fault-{secrets.token_hex(4)}",
           "ALLOWED_ORIGINS": ",".join(f"http://localhost:{p}" for p in ports)}
    s1 = Server("fault1", ports[0], env, cluster.log_dir).start()
    s2 = Server("fault2", ports[1], env, cluster.log_dir).start()
    couples: list[tuple[int, Partner, Partner]] = []
    acked: dict[str, int] = {}
    try:
        s1.wait_ready(60)
        s2.wait_ready(60)
        for _ in range(COUPLES):
            alex, blair = make_couple()
            exercise_id = alex.propose(servers[0])
            a, b = Partner(alex, s1, exercise_id), Partner(blair, s2, exercise_id)
            b.act(acked, "accept")
            a.act(acked, "say", {"text": f"Work swallowed me this week ({exercise_id})."})
            b.act(acked, "say", {"text": "It sounds like work took everything you had."})
            couples.append((exercise_id, a, b))

        # Mid-exercise, each listener sends one more reflection, and their process dies.
        pending: dict[int, tuple[str, str]] = {}
        for exercise_id, _a, b in couples:
            cid, text = new_client_id("pending"), f"So you felt worn out ({exercise_id})."
            pending[exercise_id] = (cid, text)
            b.live.sio.emit("act", {"exercise_id": exercise_id, "type": "say",
                                    "client_id": cid, "payload": {"text": text}}, namespace=NS)
        s2.kill()
        for exercise_id, a, _b in couples:  # the speakers carry on meanwhile
            a.act(acked, "say", {"text": f"And nobody asked ({exercise_id})."})
        for exercise_id, _a, b in couples:  # listeners come back on the other process
            b.reconnect(s1)
            cid, text = pending[exercise_id]
            b.act(acked, "say", {"text": text}, client_id=cid)  # resent: applied once

        # Redis crashes and comes back: actions are still stored and acknowledged meanwhile.
        private_redis.kill()
        for exercise_id, a, _b in couples:
            a.act(acked, "end_turn")
        private_redis.start()
        time.sleep(2)  # the process's queue listener reconnects

        # Every exercise continues to its ratings.
        for exercise_id, a, b in couples:
            b.act(acked, "say", {"text": f"My turn: I missed you this week ({exercise_id})."})
            a.act(acked, "say", {"text": "It sounds like you missed me."})
            b.act(acked, "end_turn")
            a.act(acked, "rate", {"seen": 8, "understood": 7})
            b.act(acked, "rate", {"seen": 9, "understood": 8})

        ids = [exercise_id for exercise_id, _a, _b in couples]
        stored = {row[0]: row[1] for row in cluster.query(
            "SELECT client_id, count(*) FROM client_actions WHERE exercise_id = ANY(%s) "
            "GROUP BY client_id", ids)}
        lost = [cid for cid in acked if cid not in stored]
        duplicates = [cid for cid, n in stored.items() if n > 1]
        assert lost == [] and duplicates == []
        for exercise_id, a, b in couples:
            assert cluster.exercise(exercise_id)[0] == "complete"
            seq = cluster.assert_gapless(exercise_id)
            texts = [row[0] for row in cluster.query(
                "SELECT payload->>'text' FROM exercise_events WHERE exercise_id = %s AND "
                "type IN ('shared', 'listener_message') AND visible_to_id IS NULL "
                "ORDER BY seq", exercise_id)]
            for partner in (a, b):
                assert partner.catch_up() == list(range(1, seq + 1))
                mine = [partner.seen[s]["payload"]["text"] for s in sorted(partner.seen)
                        if partner.seen[s]["type"] in ("shared", "listener_message")]
                assert mine == texts
            pending_rows = cluster.query(
                "SELECT count(*) FROM exercise_events WHERE exercise_id = %s "
                "AND payload->>'text' = %s", exercise_id, pending[exercise_id][1])
            assert pending_rows[0][0] == 1
        METRICS["g. faults"] = (
            f"{COUPLES} couples; SIGKILL of one process, then Redis restarted: "
            f"{len(acked)} acknowledged, {len(acked) - len(lost)} stored, 0 lost, "
            f"{len(duplicates)} duplicates, every exercise complete")
    finally:
        for _exercise_id, a, b in couples:
            a.live.close()
            b.live.close()
        s1.stop()
        s2.stop()


def test_h_postgresql_going_away_fails_cleanly_and_recovers_without_a_restart(
        cluster: Cluster, servers: Any, make_couple: Any) -> None:
    """Every connection to the database is cut and new ones refused for a moment (as in a
    PostgreSQL restart, for this database only): actions fail with a clear server_error and
    store nothing, /healthz says so, and once it is back the same processes carry on (the
    pool pings before use); the resent action is stored once."""
    import psycopg
    import requests

    p1, p2 = servers
    alex, blair = make_couple()
    exercise_id = alex.propose(p1)
    a, b = Partner(alex, p1, exercise_id), Partner(blair, p2, exercise_id)
    acked: dict[str, int] = {}
    db_name = cluster.db_url.rsplit("/", 1)[1]
    admin = psycopg.connect(cluster.db_url.rsplit("/", 1)[0] + "/test", autocommit=True)
    try:
        b.act(acked, "accept")
        a.act(acked, "say", {"text": "Before the database went away."})
        cid, text = new_client_id("outage"), "While the database was away."
        admin.execute(f'ALTER DATABASE "{db_name}" ALLOW_CONNECTIONS false')
        try:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", (db_name,))
            down = a.live.act(exercise_id, "say", {"text": text}, client_id=cid)
            assert down["ok"] is False and down["error"]["code"] == "server_error", down
            assert down["error"]["request_id"]
            health = requests.get(f"{p1.base}/healthz", timeout=10)
            assert health.status_code == 503 and health.json()["database"] == "unreachable"
        finally:
            admin.execute(f'ALTER DATABASE "{db_name}" ALLOW_CONNECTIONS true')

        again = a.act(acked, "say", {"text": text}, client_id=cid)
        assert not again.get("duplicate"), "an action that failed was stored anyway"
        b.act(acked, "say", {"text": "It sounds like that was unsettling."})
        assert requests.get(f"{p2.base}/healthz", timeout=10).status_code == 200
        stored = cluster.query("SELECT count(*) FROM exercise_events WHERE exercise_id = %s "
                               "AND payload->>'text' = %s", exercise_id, text)
        assert stored[0][0] == 1
        cluster.assert_gapless(exercise_id)
        assert p1.alive and p2.alive
    finally:
        admin.close()
        a.live.close()
        b.live.close()
