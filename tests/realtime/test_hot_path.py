"""The hot path: an action costs few statements, and keeps every guarantee while doing so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Exercise, ExerciseEvent
from tests.realtime.test_exercise_socket import propose


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement.split()[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_a_share_and_a_reflection_each_cost_one_read_and_three_writes_then_one_notice_look(sockets: Any) -> None:
    alex, _blair, a, b, _c = sockets
    ex_id = propose(alex)
    assert b.act(ex_id, "accept")["ok"]
    assert a.act(ex_id, "say", {"text": "Work was hard today."})["ok"]
    assert b.act(ex_id, "say", {"text": "So work was hard."})["ok"]
    # Each partner's "waiting for you" notice of this turn is recorded by now (once per turn).
    with statements() as share:
        assert a.act(ex_id, "say", {"text": "And nobody noticed."})["ok"]
    with statements() as reflection:
        ack = b.act(ex_id, "say", {"text": "It sounds like work wore you out today."})
    assert ack["ok"] and "guard" in ack
    # The read (state, couple, names, stored ack, session), the version-checked UPDATE, the
    # events, the client id: no user reload, no lookup of the last share or held messages.
    # Then, after the commit, one look at whether the partner was already told this turn.
    action = ["SELECT", "UPDATE", "INSERT", "INSERT"]
    assert share == [*action, "SELECT"], share
    assert reflection == [*action, "SELECT"], reflection


def test_a_retry_costs_one_read_and_changes_nothing(sockets: Any) -> None:
    alex, _blair, a, b, _c = sockets
    ex_id = propose(alex)
    b.act(ex_id, "accept")
    first = a.act(ex_id, "say", {"text": "Work was hard today."}, client_id="hot-retry-01")
    with statements() as retry:
        again = a.act(ex_id, "say", {"text": "Work was hard today."}, client_id="hot-retry-01")
    assert again == {**first, "duplicate": True}
    assert retry == ["SELECT"]


def test_a_reflection_answers_the_last_share_even_in_a_state_stored_without_it(
        sockets: Any) -> None:
    """Exercises in progress when this version started: their stored state lacks the guard's
    context, so it is read from the event log, and the reflection still answers the share."""
    alex, _blair, a, b, _c = sockets
    ex_id = propose(alex)
    b.act(ex_id, "accept")
    shared = a.act(ex_id, "say", {"text": "Nobody asked how I was."})
    exercise = db.session.get(Exercise, ex_id)
    old = {k: v for k, v in exercise.state.items()
           if k not in ("last_share_seq", "last_share_text", "held_streak")}
    db.session.execute(sa.update(Exercise).where(Exercise.id == ex_id).values(state=old))
    db.session.commit()

    reflected = b.act(ex_id, "say", {"text": "It sounds like you felt unseen."})
    assert reflected["ok"], reflected
    row = db.session.scalar(sa.select(ExerciseEvent).where(
        ExerciseEvent.exercise_id == ex_id, ExerciseEvent.seq == reflected["seq"]))
    assert row.type == "listener_message" and row.answers_seq == shared["seq"]
    # …and the state carries the context from then on.
    db.session.expire_all()
    assert db.session.get(Exercise, ex_id).state["last_share_seq"] == shared["seq"]


def test_only_the_history_columns_that_changed_are_written(sockets: Any) -> None:
    alex, _blair, a, b, _c = sockets
    ex_id = propose(alex, topic="the dishes")
    b.act(ex_id, "accept")
    db.session.expire_all()
    started = db.session.get(Exercise, ex_id).started_at
    assert started is not None
    updates: list[str] = []

    def keep(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE exercises"):
            updates.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        a.act(ex_id, "say", {"text": "Work was hard today."})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    assert updates and all("topic" not in u and "started_at" not in u for u in updates)
    db.session.expire_all()
    row = db.session.get(Exercise, ex_id)
    assert (row.topic, row.started_at) == ("the dishes", started)
