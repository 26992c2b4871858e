"""Benchmark a therapist's pages: how many SQL queries and how long, as couples grow.

    .venv/bin/python benchmarks/therapist_bench.py [--couples 5 20] [--exercises 3] [--runs 5]

Builds a throwaway SQLite database, a therapist, and for each size that many linked couples
(both partners sharing ratings), each with a repeat homework done ``--exercises`` times
through the real exercise service. Prints, per size, the median server time of ``--runs``
requests (through the app, no network) and the SQL queries of the dashboard, one couple's
page, its print page, and one live ``watch``. The dashboard's count grows with the couples
(a fixed number each); a couple's page does not grow with the number of couples.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa

PASSWORD = "correct horse battery staple"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--couples", type=int, nargs="+", default=[5, 20])
    parser.add_argument("--exercises", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for size in args.couples:
        with tempfile.TemporaryDirectory() as tmp:
            run(size, args.exercises, args.runs, tmp)


def run(size: int, done: int, runs: int, tmp: str) -> None:
    from app import create_app
    from app.extensions import db, socketio
    from app.services import exercises, homework, pairing, therapy
    from app.services.accounts import sign_up_with_password

    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench-secret-key-long-enough-for-a-benchmark",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
        "SOCKETIO_ASYNC_MODE": "threading", "SOCKETIO_MESSAGE_QUEUE": None,
        "RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "SMTP_URL": "", "MAIL_DIR": f"{tmp}/mail", "WTF_CSRF_ENABLED": False})
    with app.app_context(), app.test_request_context():
        db.create_all()
        t = sign_up_with_password(email="t@bench.example", name="Dr Bench", password=PASSWORD,
                                  therapist={"practice": "Bench Practice", "licence": ""})
        first = 0
        for n in range(size):
            a = sign_up_with_password(email=f"a{n}@bench.example", name=f"A{n}",
                                      password=PASSWORD)
            b = sign_up_with_password(email=f"b{n}@bench.example", name=f"B{n}",
                                      password=PASSWORD)
            couple = pairing.redeem(pairing.create_invite(a).invite, b)
            first = first or couple.id
            made = therapy.accept_invite(therapy.create_invite(t).invite, a, level="ratings")
            therapy.choose(b, made.id, level="ratings")
            hw = homework.assign(t, couple.id, {"kind": "speaker_listener", "when": "repeat",
                                                "per_week": "3", "weeks": "2"})
            for k in range(done):
                ex_ = exercises.propose(a, {"kind": "speaker_listener", "first_speaker": "me"},
                                        homework_id=hw.id)
                steps = [(b, "accept", {}), (a, "say", {"text": "I feel tired."}),
                         (b, "say", {"text": "It sounds like you feel tired."}),
                         (a, "confirm", {"kind": "landed"}), (a, "end_turn", {}),
                         (b, "say", {"text": "I feel rushed."}),
                         (a, "say", {"text": "It sounds like you feel rushed."}),
                         (b, "confirm", {"kind": "landed"}), (b, "end_turn", {}),
                         (a, "rate", {"seen": 7, "understood": 7}),
                         (b, "rate", {"seen": 8, "understood": 6})]
                for i, (who, type_, payload) in enumerate(steps):
                    exercises.act(who, exercise_id=ex_.id, client_id=f"b{n}-{k}-{i:04d}",
                                  type_=type_, payload=payload)
        db.session.remove()

    client = app.test_client()
    client.post("/login", data={"email": "t@bench.example", "password": PASSWORD})
    engine = None
    with app.app_context():
        engine = db.engine
    counter = {"n": 0}

    def count(*_a: Any) -> None:
        counter["n"] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    pages = {"dashboard": "/therapist", "couple page": f"/therapist/couples/{first}",
             "print page": f"/therapist/couples/{first}/print"}
    print(f"{size} couples, {done} homework exercises each")
    for label, path in pages.items():
        times, queries = [], []
        for _ in range(runs):
            counter["n"] = 0
            start = time.perf_counter()
            resp = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            queries.append(counter["n"])
            assert resp.status_code == 200, (path, resp.status_code)
        print(f"  {label:12} {statistics.median(times):7.1f} ms median  "
              f"{max(times):7.1f} ms worst  {queries[-1]:4d} queries")
    sock = socketio.test_client(app, namespace="/therapist", flask_test_client=client)
    counter["n"] = 0
    start = time.perf_counter()
    ack = sock.emit("watch", {"couple_id": first}, namespace="/therapist", callback=True)
    took = (time.perf_counter() - start) * 1000
    assert ack["ok"], ack
    print(f"  {'watch':12} {took:7.1f} ms          {'':16}{counter['n']:4d} queries")
    sock.disconnect(namespace="/therapist")
    sa.event.remove(engine, "before_cursor_execute", count)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
