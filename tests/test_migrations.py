"""Migrations: upgrading a database that already holds exercises keeps every event.

Runs ``flask db upgrade`` as an operator would, on SQLite and on PostgreSQL (which must be
running on 127.0.0.1, as for the scale-out tests; these tests never skip).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.domain import exercises as ex
from tests.scaleout.conftest import _pg_admin
from tests.scaleout.helpers import BIN, ROOT

BEFORE_HISTORY = "ce83e90eea96"  # the schema before typed listener columns and ratings
T0 = datetime(2026, 10, 1, 19, 0, tzinfo=UTC)


def _upgrade(url: str, revision: str = "head") -> None:
    env = {**os.environ, "DATABASE_URL": url, "ATTUNE_ENV": "development"}
    done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade", revision],
                          check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: Any, tmp_path: Any) -> Iterator[str]:
    """An empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/before.sqlite3"
        return
    user, admin = _pg_admin()
    name = f"attune_mig_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    engine_url = f"postgresql+psycopg://{user}@127.0.0.1:5432/{name}"
    try:
        yield engine_url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _played(a: int, b: int) -> tuple[ex.ExerciseState, list[ex.Event]]:
    """A whole exercise through the real rules: a held message, landed reflections, ratings."""
    state, events = ex.new_exercise(kind="speaker_listener", proposer=a, partner=b,
                                    first_speaker=a, topic="Money", now=T0)
    steps: list[tuple[int, ex.Action]] = [
        (b, ex.Accept()),
        (a, ex.Share(text="I worry about money.")),
        (b, ex.ListenerMessage(text="Just budget better.", verdict_label="advice",
                               verdict_action="block")),
        (b, ex.ListenerMessage(text="It sounds like money keeps you up at night.",
                               verdict_label="reflection", verdict_action="allow")),
        (a, ex.Confirm(kind="landed")),
        (a, ex.EndTurn()),
        (b, ex.Share(text="I want us to plan together.")),
        (a, ex.Check()),
        (b, ex.Confirm(kind="more")),
        (b, ex.EndTurn()),
        (a, ex.Rate(seen=7, understood=8, note="private to a")),
        (b, ex.Rate(seen=9, understood=6, note="private to b")),
    ]
    for i, (actor, action) in enumerate(steps, start=1):
        state, new = ex.apply(state, actor=actor, action=action,
                              now=T0 + timedelta(minutes=i))
        events += new
    return state, events


def _seed_old_schema(url: str) -> dict[str, Any]:
    """Write users, a couple and two exercises with the columns the old schema has."""
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    users = sa.Table("users", meta, autoload_with=engine)
    couples = sa.Table("couples", meta, autoload_with=engine)
    exercises = sa.Table("exercises", meta, autoload_with=engine)
    events = sa.Table("exercise_events", meta, autoload_with=engine)
    naive = T0.replace(tzinfo=None)
    with engine.begin() as conn:
        ids = []
        for email in ("a@example.com", "b@example.com"):
            ids.append(conn.execute(users.insert().values(
                email=email, display_name=email[0].upper(), webauthn_handle=secrets.token_bytes(32),
                session_version=1, created_at=naive)).inserted_primary_key[0])
        a, b = ids
        couple = conn.execute(couples.insert().values(
            partner_a_id=a, partner_b_id=b, created_at=naive)).inserted_primary_key[0]
        state, played = _played(a, b)
        early, early_events = ex.new_exercise(kind="speaker_listener", proposer=b, partner=a,
                                              first_speaker=b, now=T0 + timedelta(days=1))
        early, more = ex.apply(early, actor=a, action=ex.EndEarly(), now=T0 + timedelta(days=1))
        early_events += more
        counts = {}
        for st, evs in ((state, played), (early, early_events)):
            ex_id = conn.execute(exercises.insert().values(
                couple_id=couple, kind=st.kind, phase=st.phase, state=ex.state_to_dict(st),
                seq=st.seq, version=1, created_at=naive, updated_at=naive)
            ).inserted_primary_key[0]
            conn.execute(events.insert(), [
                {"exercise_id": ex_id, "seq": e.seq, "type": e.type, "actor_id": e.actor,
                 "visible_to_id": e.private_to, "payload": dict(e.payload),
                 "at": e.at.astimezone(UTC).replace(tzinfo=None)} for e in evs])
            counts[ex_id] = [(e.seq, e.type, dict(e.payload)) for e in evs]
    engine.dispose()
    return {"a": a, "b": b, "events": counts, "played": next(iter(counts))}


def test_upgrade_from_the_previous_schema_keeps_every_event(database_url: str) -> None:
    _upgrade(database_url, BEFORE_HISTORY)
    seeded = _seed_old_schema(database_url)
    _upgrade(database_url)

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        for ex_id, expected in seeded["events"].items():
            rows = conn.execute(sa.text(
                "SELECT seq, type, payload FROM exercise_events WHERE exercise_id = :e "
                "ORDER BY seq"), {"e": ex_id}).all()
            got = [(r.seq, r.type, r.payload if isinstance(r.payload, dict)
                    else json.loads(r.payload)) for r in rows]
            assert got == expected  # every event, in order, payload untouched

        played = seeded["played"]
        listener = conn.execute(sa.text(
            "SELECT seq, guard_label, guard_action, delivered, answers_seq FROM exercise_events "
            "WHERE exercise_id = :e AND type IN ('listener_message', 'check') ORDER BY seq"),
            {"e": played}).all()
        shares = [s for s, t, _p in seeded["events"][played] if t == "shared"]
        assert [(r.guard_label, r.guard_action, bool(r.delivered) if r.delivered is not None
                 else None, r.answers_seq) for r in listener] == [
            ("advice", "block", False, shares[0]),
            ("reflection", "allow", True, shares[0]),
            (None, None, None, shares[1]),  # the check answers the second turn's share
        ]
        ratings = conn.execute(sa.text(
            "SELECT user_id, seen, understood, note, revealed_at FROM exercise_ratings "
            "WHERE exercise_id = :e ORDER BY user_id"), {"e": played}).all()
        assert [(r.user_id, r.seen, r.understood, r.note) for r in ratings] == [
            (seeded["a"], 7, 8, "private to a"), (seeded["b"], 9, 6, "private to b")]
        assert all(r.revealed_at is not None for r in ratings)
        summary = conn.execute(sa.text(
            "SELECT topic, first_speaker_id, started_at, ended_at FROM exercises WHERE id = :e"),
            {"e": played}).one()
        assert summary.topic == "Money" and summary.first_speaker_id == seeded["a"]
        assert summary.started_at is not None and summary.ended_at is not None
    engine.dispose()


BEFORE_ACCURACY = "d9a6b3c2e7f1"  # per-partner numbers, before how close guesses came


def _shoes(a: int, b: int) -> list[ex.Event]:
    """Step into my shoes through the real rules: B's guess marked 6, A's marked 3."""
    state, events = ex.new_exercise(kind="step_into_my_shoes", proposer=a, partner=b,
                                    first_speaker=a, now=T0)
    steps: list[tuple[int, ex.Action]] = [(b, ex.Accept())]
    for speaker, listener, score in ((a, b, 6), (b, a, 3)):
        steps += [(speaker, ex.NameMoment("The call from the school")),
                  (listener, ex.Guess(felt="worried", needed="company")),
                  (speaker, ex.Share("I was scared.")), (speaker, ex.Reveal()),
                  (speaker, ex.MarkAccuracy(score=score)),
                  (listener, ex.ListenerMessage(text="So it was fear.",
                                                verdict_label="reflection",
                                                verdict_action="allow")),
                  (speaker, ex.EndTurn())]
    steps += [(a, ex.EndEarly())]
    for i, (actor, action) in enumerate(steps, start=1):
        state, new = ex.apply(state, actor=actor, action=action, now=T0 + timedelta(minutes=i))
        events += new
    return events


def test_upgrade_fills_in_how_close_each_guess_came(database_url: str) -> None:
    _upgrade(database_url, BEFORE_ACCURACY)
    engine = sa.create_engine(database_url)
    meta = sa.MetaData()
    tables = {n: sa.Table(n, meta, autoload_with=engine) for n in (
        "users", "couples", "exercises", "exercise_events", "exercise_partner_stats")}
    naive = T0.replace(tzinfo=None)
    with engine.begin() as conn:
        a, b = (conn.execute(tables["users"].insert().values(
            email=f"{n}@example.com", display_name=n, webauthn_handle=secrets.token_bytes(32),
            created_at=naive)).inserted_primary_key[0] for n in "ab")
        couple = conn.execute(tables["couples"].insert().values(
            partner_a_id=a, partner_b_id=b, created_at=naive)).inserted_primary_key[0]
        ids = []
        for kind, events in (("step_into_my_shoes", _shoes(a, b)),
                             ("speaker_listener", _played(a, b)[1])):
            ex_id = conn.execute(tables["exercises"].insert().values(
                couple_id=couple, kind=kind, phase="ended_early", state={}, seq=len(events),
                version=1, created_at=naive, updated_at=naive, started_at=naive,
                ended_at=naive)).inserted_primary_key[0]
            conn.execute(tables["exercise_events"].insert(), [
                {"exercise_id": ex_id, "seq": e.seq, "type": e.type, "actor_id": e.actor,
                 "visible_to_id": e.private_to, "payload": dict(e.payload),
                 "at": e.at.astimezone(UTC).replace(tzinfo=None)} for e in events])
            # The numbers as the app kept them before this revision: no accuracy yet.
            conn.execute(tables["exercise_partner_stats"].insert(), [
                {"exercise_id": ex_id, "user_id": u, "at": naive, "messages": 1,
                 "questions": 0, "held": 0, "landed": 0, "first_tries": 0,
                 "first_try_landed": 0, "answer_seconds": ""} for u in (a, b)])
            ids.append(ex_id)
    _upgrade(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT exercise_id, user_id, accuracy, messages FROM exercise_partner_stats "
            "ORDER BY exercise_id, user_id")).all()
    engine.dispose()
    shoes, listening = ids
    assert [tuple(r) for r in rows] == [
        (shoes, a, 3.0, 1), (shoes, b, 6.0, 1),  # each guesser's mark, set by the speaker
        (listening, a, None, 1), (listening, b, None, 1)]  # no guesses: no accuracy
