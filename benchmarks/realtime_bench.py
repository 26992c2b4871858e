"""Simulated couples over two server processes: acked vs stored, duplicates, ack latency.

    .venv/bin/python benchmarks/realtime_bench.py --couples 20 --shares 20

Builds its own deployment on loopback only (a fresh PostgreSQL database from the migrations, an
empty Redis database number, two ``gunicorn -k gevent -w 1`` processes), signs every partner up
over HTTP (Alex on process 1, Blair on process 2), pairs them, and has each speaker share
``--shares`` messages at about ``--rate`` a second while the listener, on the other process,
watches them arrive through Redis. One share in ten is sent twice with the same client id (a
retry). Bounded: at most 50 couples, 100 shares each, ``--seconds`` of talking. Everything is
torn down at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg
import redis

from tests.scaleout.helpers import (
    BIN,
    Cluster,
    Live,
    Person,
    Server,
    free_port,
    new_client_id,
    pair,
    percentile,
)


def build(tmp: Path, processes: dict[str, dict[str, str]] | None = None
          ) -> tuple[Cluster, Any, str, redis.Redis]:
    """A fresh database and Redis db, migrated, and the named processes ready (two plain ones
    unless ``processes`` names them, each with its own environment overrides)."""
    admin = psycopg.connect("postgresql://root@127.0.0.1:5432/test", autocommit=True)
    db_name = f"attune_bench_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{db_name}"')
    for n in random.sample(range(1, 16), 15):
        r = redis.Redis(host="127.0.0.1", port=6379, db=n)
        if r.dbsize() == 0 and r.set("attune-bench:claimed", "1", nx=True, ex=3600):
            break
        r.close()
    else:
        raise SystemExit("no empty Redis database")
    db_url = f"postgresql://root@127.0.0.1:5432/{db_name}"
    named = processes or {"process1": {}, "process2": {}}
    ports = [free_port() for _ in named]
    origins = [f"http://localhost:{p}" for p in ports]
    mail = tmp / "mail"
    mail.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in {"ATTUNE_ENV", "PUBLIC_URL"}}
    env.update(SECRET_KEY=secrets.token_urlsafe(48), DATABASE_URL=db_url,
               REDIS_URL=f"redis://127.0.0.1:6379/{n}", SOCKETIO_CHANNEL=f"attune-bench-{n}",
               ALLOWED_ORIGINS=",".join(origins), SOCKETIO_ASYNC_MODE="gevent",
               MAIL_DIR=str(mail))
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    cluster = Cluster(db_url=db_url, redis_url=env["REDIS_URL"], env=env, log_dir=tmp,
                      origins=origins)
    for (name, extra), port in zip(named.items(), ports, strict=True):
        server = Server(name, port, {**env, **extra}, tmp)
        cluster.servers.append(server)
        server.start()
    for server in cluster.servers:
        server.wait_ready(60)
    return cluster, admin, db_name, r


def teardown(cluster: Cluster, admin: Any, db_name: str, r: redis.Redis) -> None:
    """Stop the processes, drop the database and empty the Redis database ``build`` made."""
    cluster.stop()
    admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    admin.close()
    r.flushdb()
    r.close()


class Couple(threading.Thread):
    """One couple: the speaker on process 1 shares, the listener on process 2 watches."""

    def __init__(self, cluster: Cluster, shares: int, rate: float, deadline: float) -> None:
        super().__init__(daemon=True)
        self.cluster, self.shares, self.rate, self.deadline = cluster, shares, rate, deadline
        self.ack_ms: list[float] = []
        self.push_ms: list[float] = []
        self.acked: set[str] = set()
        self.sent_texts: list[str] = []
        self.errors: list[str] = []
        self.exercise_id = 0
        self.listener_texts: list[str] = []
        self.ready = threading.Event()
        self.go = threading.Event()

    def run(self) -> None:
        p1, p2 = self.cluster.servers
        alex, blair = Person("Alex"), Person("Blair")
        a = b = None
        try:
            alex.signup(p1, self.cluster.mail_dir)
            blair.signup(p2, self.cluster.mail_dir)
            pair(alex, p1, blair, p2, via="code")
            self.exercise_id = ex_id = alex.propose(p1)
            a, b = Live(alex, p1), Live(blair, p2)
            a.join(ex_id)
            b.join(ex_id)
            assert b.act(ex_id, "accept")["ok"]
            self.ready.set()
            self.go.wait()
            time.sleep(random.random() / self.rate)  # spread the couples out
            for i in range(self.shares):
                if time.monotonic() > self.deadline:
                    break
                cid, text = new_client_id("bench"), f"share {i} {secrets.token_hex(3)}"
                sent = time.perf_counter()
                ack = a.act(ex_id, "say", {"text": text}, client_id=cid)
                self.ack_ms.append((time.perf_counter() - sent) * 1000)
                if not ack["ok"]:
                    self.errors.append(ack["error"]["code"])
                    continue
                self.acked.add(cid)
                self.sent_texts.append(text)
                if random.random() < 0.1:  # a retry of the same action
                    again = a.act(ex_id, "say", {"text": text}, client_id=cid)
                    if not again.get("duplicate"):
                        self.errors.append("retry_not_duplicate")
                arrived = b.wait_for_seq(ex_id, ack["seq"], timeout=10)
                if arrived is None:
                    self.errors.append("push_lost")
                else:
                    self.push_ms.append((arrived - sent) * 1000)
                time.sleep(max(0.0, 1 / self.rate - (time.perf_counter() - sent)))
            self.listener_texts = [e["payload"]["text"] for e in b.pushed(ex_id)
                                   if e["type"] == "shared"]
        except Exception as exc:  # noqa: BLE001 (reported, not raised, in a worker thread)
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.ready.set()
            for live in (a, b):
                if live is not None:
                    live.close()
            alex.close()
            blair.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--couples", type=int, default=20)
    parser.add_argument("--shares", type=int, default=20)
    parser.add_argument("--rate", type=float, default=2.0, help="shares a second per speaker")
    parser.add_argument("--seconds", type=float, default=60.0, help="cap on talking time")
    args = parser.parse_args()
    couples_n = max(1, min(args.couples, 50))
    shares = max(1, min(args.shares, 100))
    rate = max(0.2, min(args.rate, 4.0))  # the server caps each socket near 5 events a second

    with tempfile.TemporaryDirectory(prefix="attune-bench-") as tmp:
        started = time.perf_counter()
        cluster, admin, db_name, r = build(Path(tmp))
        try:
            print(f"deployment ready in {time.perf_counter() - started:.1f} s; "
                  f"{couples_n} couples x {shares} shares at {rate}/s")
            deadline = time.monotonic() + 600
            couples = [Couple(cluster, shares, rate, deadline) for _ in range(couples_n)]
            setup = time.perf_counter()
            for i, c in enumerate(couples):
                c.start()
                if i % 8 == 7:  # sign-ups cost scrypt: do not stampede
                    c.ready.wait(60)
            for c in couples:
                c.ready.wait(120)
            print(f"signed up, paired and joined in {time.perf_counter() - setup:.1f} s")
            talk_deadline = time.monotonic() + args.seconds
            for c in couples:
                c.deadline = talk_deadline
                c.go.set()
            talk = time.perf_counter()
            for c in couples:
                c.join(args.seconds + 60)
            talked = time.perf_counter() - talk

            ids = [c.exercise_id for c in couples if c.exercise_id]
            stored = {row[0] for row in cluster.query(
                "SELECT client_id FROM client_actions WHERE exercise_id = ANY(%s)", ids)}
            dupes = cluster.query(
                "SELECT count(*) FROM (SELECT 1 FROM client_actions WHERE exercise_id = ANY(%s) "
                "GROUP BY exercise_id, client_id HAVING count(*) > 1) d", ids)[0][0]
            gaps = 0
            transcripts_equal = 0
            for c in couples:
                if not c.exercise_id:
                    continue
                seq = cluster.exercise(c.exercise_id)[1]
                if cluster.event_seqs(c.exercise_id) != list(range(1, seq + 1)):
                    gaps += 1
                db_texts = [row[0] for row in cluster.query(
                    "SELECT payload->>'text' FROM exercise_events WHERE exercise_id = %s AND "
                    "type = 'shared' ORDER BY seq", c.exercise_id)]
                transcripts_equal += db_texts == c.listener_texts == c.sent_texts
            acked = set().union(*(c.acked for c in couples))
            ack_ms = [x for c in couples for x in c.ack_ms]
            push_ms = [x for c in couples for x in c.push_ms]
            errors = [e for c in couples for e in c.errors]
            print(f"talked for {talked:.1f} s")
            print(f"acked {len(acked)}, stored {len(stored & acked)}, "
                  f"acked but not stored {len(acked - stored)}, duplicates stored {dupes}, "
                  f"exercises with a seq gap {gaps}, listener transcripts equal to the DB "
                  f"{transcripts_equal}/{len(ids)}")
            print(f"ack latency ms: p50 {percentile(ack_ms, 50):.1f}  "
                  f"p99 {percentile(ack_ms, 99):.1f}  max {max(ack_ms, default=0):.1f}")
            print(f"cross-process push ms (send -> partner on the other process): p50 "
                  f"{percentile(push_ms, 50):.1f}  p99 {percentile(push_ms, 99):.1f}  "
                  f"max {max(push_ms, default=0):.1f}")
            print(f"errors: {len(errors)} {sorted(set(errors))[:5]}")
            return 0 if not errors and not (acked - stored) and not dupes and not gaps else 1
        finally:
            teardown(cluster, admin, db_name, r)


if __name__ == "__main__":
    raise SystemExit(main())
