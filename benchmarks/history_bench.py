"""Benchmark looking back at scale: one couple with 1,000 exercises (40,000 events) on PostgreSQL.

    .venv/bin/python benchmarks/history_bench.py [--exercises 1000] [--runs 15]

Makes a throwaway PostgreSQL database (127.0.0.1:5432, trust auth, like the tests), builds it
with the migrations, seeds the couple through the real turn rules, and prints the server time
(median and worst of ``--runs`` requests through the app, no network) and the number of SQL
queries for the history list, a search, an exercise's page and the insights page, then the
time, size and peak Python memory of streaming the JSON and CSV exports. Targets: each page
under 50 ms with a query count that does not grow with the history; export under 5 s.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg
import sqlalchemy as sa

PG = os.environ.get("ATTUNE_BENCH_PG", "127.0.0.1:5432")
PASSWORD = "correct horse battery staple"
EVENTS_PER_EXERCISE = 40


def _admin() -> tuple[str, psycopg.Connection[Any]]:
    for user in ("root", "postgres"):
        try:
            return user, psycopg.connect(f"postgresql://{user}@{PG}/test", autocommit=True,
                                         connect_timeout=3)
        except psycopg.Error:
            continue
    sys.exit(f"PostgreSQL is not reachable on {PG} (database 'test', trust auth).")


def _played(a: int, b: int, start: datetime, n: int) -> tuple[Any, list[Any]]:
    """One whole exercise of exactly 40 events through the real rules."""
    from app.domain import exercises as ex

    state, events = ex.new_exercise(kind="speaker_listener", proposer=a, partner=b,
                                    first_speaker=a, topic=f"Topic {n} about money", now=start)
    t = 0

    def step(actor: int, action: Any) -> None:
        nonlocal state, t
        t += 45
        state, new = ex.apply(state, actor=actor, action=action, now=start + timedelta(seconds=t))
        events.extend(new)

    step(b, ex.Accept())
    for turn, (speaker, listener, rounds) in enumerate(((a, b, 5), (b, a, 4)), start=1):
        for r in range(rounds):
            step(speaker, ex.Share(text=f"Exercise {n}, turn {turn}: feeling {r} about work."))
            step(listener, ex.ListenerMessage(
                text=f"It sounds like {r} weighs on you ({n}).",
                verdict_label="reflection" if r else "open_question",
                verdict_action="allow"))
            if r:
                step(speaker, ex.Confirm(kind="landed" if r % 2 else "not_quite"))
            else:
                step(listener, ex.Check())
                step(speaker, ex.Confirm(kind="landed"))
        if turn == 1:
            step(listener, ex.ListenerMessage(text="You should just quit.", verdict_label="advice",
                                              verdict_action="block"))
        step(speaker, ex.EndTurn())
    step(a, ex.Rate(seen=5 + n % 5, understood=6, note=f"private {n}"))
    step(b, ex.Rate(seen=7, understood=4 + n % 6))
    return state, events


def seed(app: Any, exercises: int) -> tuple[int, int]:
    """Two partners and ``exercises`` finished exercises over the past months."""
    from app.domain import exercises as ex
    from app.extensions import db
    from app.models import Exercise
    from app.services import exercises as ex_service
    from app.services import pairing
    from app.services.accounts import sign_up_with_password

    with app.app_context(), app.test_request_context():
        a = sign_up_with_password(email="alex@bench.example", name="Alex", password=PASSWORD)
        b = sign_up_with_password(email="blair@bench.example", name="Blair", password=PASSWORD)
        couple = pairing.redeem(pairing.create_invite(a).invite, b)
        first = datetime.now(UTC) - timedelta(days=exercises // 4 + 1)
        total = 0
        for n in range(exercises):
            state, events = _played(a.id, b.id, first + timedelta(hours=6 * n), n)
            row = Exercise(couple_id=couple.id, kind=state.kind, phase=state.phase,
                           state=ex.state_to_dict(state), seq=state.seq,
                           created_at=state.created_at, updated_at=state.ended_at,
                           **ex_service._summary(state))
            db.session.add(row)
            db.session.flush()
            shares = [e for e in events if e.type == "shared"]
            for e in events:
                answered = [s.seq for s in shares if s.seq < e.seq]
                db.session.add_all(ex_service._event_rows(
                    row.id, [e], answers=answered[-1] if answered else None,
                    model_version=ex_service.guard_model_version()))
            ex_service._rating_rows(row.id, events)
            total += len(events)
            if n % 100 == 99:
                db.session.commit()
        db.session.commit()
        return a.id, total


def measure(app: Any, path: str, runs: int) -> tuple[float, float, int, int]:
    """Median and worst ms, and the queries of one request (after a warm-up)."""
    from app.extensions import db

    client = app.test_client()
    client.post("/login", data={"email": "alex@bench.example", "password": PASSWORD})
    queries = 0

    def count(*_args: Any) -> None:
        nonlocal queries
        queries += 1

    with app.app_context():
        engine = db.engine
    status = client.get(path).status_code  # warm-up (also fills any missing stored numbers)
    times = []
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(runs):
            queries = 0
            t0 = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return statistics.median(times), max(times), queries, status


def measure_export(app: Any, path: str) -> tuple[float, int, int]:
    """Seconds to stream the whole export, its size, and the peak Python memory while it ran."""
    client = app.test_client()
    client.post("/login", data={"email": "alex@bench.example", "password": PASSWORD})
    tracemalloc.start()
    t0 = time.perf_counter()
    response = client.get(path, buffered=False)
    size = 0
    for chunk in response.response:
        size += len(chunk)
    elapsed = time.perf_counter() - t0
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    response.close()
    return elapsed, size, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    user, admin = _admin()
    name = f"attune_bench_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://{user}@{PG}/{name}"
    try:
        from flask_migrate import upgrade

        from app import create_app
        from tests.conftest import make_config

        app = create_app(make_config(ROOT / "instance", SQLALCHEMY_DATABASE_URI=url,
                                     SQLALCHEMY_ENGINE_OPTIONS={},
                                     WTF_CSRF_ENABLED=False))
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        t0 = time.perf_counter()
        _user_id, events = seed(app, args.exercises)
        print(f"seeded {args.exercises} exercises, {events} events on PostgreSQL "
              f"in {time.perf_counter() - t0:.1f} s")

        from app.extensions import db
        from app.models import Exercise

        with app.app_context():
            middle = db.session.scalars(sa.select(Exercise.id).order_by(Exercise.id)
                                        .offset(args.exercises // 2).limit(1)).one()
        cold = time.perf_counter()
        client = app.test_client()
        client.post("/login", data={"email": "alex@bench.example", "password": PASSWORD})
        client.get("/insights")
        print(f"first read after seeding (computes and stores each exercise's numbers once): "
              f"{(time.perf_counter() - cold) * 1000:.0f} ms")
        print(f"{'page':<34} {'median ms':>10} {'worst ms':>9} {'queries':>8}")
        for label, path in (("history list", "/history"),
                            ("history, page 20", "/history?page=20"),
                            ("history search (own words)", "/history?q=feeling+3"),
                            ("exercise page (with debrief)", f"/history/{middle}"),
                            ("insights", "/insights")):
            median, worst, queries, _status = measure(app, path, args.runs)
            print(f"{label:<34} {median:>10.1f} {worst:>9.1f} {queries:>8}")
        for label, path in (("export JSON", "/settings/data/attune-export.json"),
                            ("export CSV", "/settings/data/attune-conversations.csv")):
            seconds, size, peak = measure_export(app, path)
            print(f"{label}: {seconds:.2f} s, {size / 1e6:.1f} MB streamed, "
                  f"peak Python memory {peak / 1e6:.1f} MB")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
