"""Exercises: load → domain → persist → publish. Turn state lives in the database."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, cast

import sqlalchemy as sa

from app.domain import exercises as ex
from app.domain.errors import DomainError
from app.domain.exercises.state import HELD_STREAK_MAX
from app.domain.guard import Verdict
from app.domain.guard.encoder import ENCODER_DIR
from app.domain.guard.model import WEIGHTS_PATH
from app.extensions import db
from app.models import (
    ClientAction,
    Couple,
    Exercise,
    ExerciseEvent,
    ExerciseRating,
    User,
)
from app.models.types import utcnow
from app.services import audit, homework, prompts, sessions, therapy
from app.services.guard import judge_message
from app.services.pairing import active_couple
from app.services.publisher import announce, events_for, publish

LIVE_PHASES = ("proposed", "scheduled", "active", "on_break", "rating")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_ATTEMPTS = 4  # a version conflict is retried on fresh state; the rules decide the loser


@dataclass(frozen=True)
class Outcome:
    """What one stored action produced, for the acknowledgement and the publisher."""

    exercise_id: int
    events: list[dict[str, Any]]
    verdict: Verdict | None


def couple_of(user: User) -> Couple:
    therapy.require_partner(user)
    couple = active_couple(user.id)
    if couple is None:
        raise DomainError("Pair with your partner first: exercises are done together.",
                          code="not_paired")
    return couple


def live_exercise(couple_id: int) -> Exercise | None:
    """The couple's exercise in progress (proposed, scheduled, active, on break or rating)."""
    return db.session.scalar(sa.select(Exercise).where(
        Exercise.couple_id == couple_id, Exercise.phase.in_(LIVE_PHASES))
        .order_by(Exercise.id.desc()).limit(1))


def load_for(user: User | sessions.SessionUser, exercise_id: object) -> Exercise:
    """The exercise if ``user`` is one of its couple; otherwise 'not found' (no IDOR hints)."""
    therapy.require_partner(user)
    _check_exercise_id(exercise_id)
    exercise = db.session.get(Exercise, exercise_id)
    if exercise is not None:
        couple = db.session.get(Couple, exercise.couple_id)
        if couple is not None and user.id in couple.partner_ids():
            return exercise
    audit.record("forbidden", user_id=user.id, detail=f"exercise {exercise_id}")
    raise DomainError("We couldn't find that exercise.", code="not_found")


def state_of(exercise: Exercise) -> ex.ExerciseState:
    """The domain state stored on the row."""
    return ex.state_from_dict(exercise.state)


def propose(user: User, payload: object, *, homework_id: object = None) -> Exercise:
    """Propose an exercise to the partner (one exercise in progress per couple), with a prompt
    from the decks or one of the couple's own if they chose one; started from homework, it
    counts for that homework once finished."""
    proposal = ex.parse_proposal(payload)
    couple = couple_of(user)
    assigned = None if homework_id is None else homework.for_start(couple, homework_id)
    if live_exercise(couple.id) is not None:
        raise DomainError("You already have an exercise in progress. Finish or end it first.",
                          code="already_in_progress")
    prompt, prompt_ref = prompts.resolve(couple, user.id, proposal)
    partner = couple.other(user.id).id
    first = ex.resolve_first_speaker(proposal.first_speaker, proposer=user.id, partner=partner,
                                     coin=secrets.randbelow(2) == 1)
    state, events = ex.new_exercise(
        kind=proposal.kind, proposer=user.id, partner=partner, first_speaker=first,
        topic=proposal.topic, strictness=proposal.strictness or "gentle", prompt=prompt,
        prompt_ref=prompt_ref, now=utcnow())
    exercise = Exercise(couple_id=couple.id, kind=state.kind, phase=state.phase,
                        state=ex.state_to_dict(state), seq=state.seq,
                        prompt_ref=state.prompt_ref or None,
                        homework_id=None if assigned is None else assigned.id, **_summary(state))
    db.session.add(exercise)
    db.session.flush()
    db.session.execute(sa.insert(_EV), _event_rows(exercise.id, events))
    db.session.commit()
    publish(exercise.id, state, events, names_of(state.partners))
    return exercise


def _summary(state: ex.ExerciseState) -> dict[str, Any]:
    """The state's typed copy on the exercise row, which the history list reads."""
    return {"topic": state.topic, "first_speaker_id": state.first_speaker,
            "started_at": state.started_at, "ended_at": state.ended_at}


def _event_rows(exercise_id: int, events: list[ex.Event], *, answers: int | None = None,
                model_version: str | None = None) -> list[dict[str, Any]]:
    """The events as rows of ``exercise_events`` (one INSERT for all of them)."""
    rows = []
    for e in events:
        row: dict[str, Any] = dict.fromkeys(_EVENT_COLUMNS)
        row.update(exercise_id=exercise_id, seq=e.seq, type=e.type, actor_id=e.actor,
                   visible_to_id=e.private_to, payload=dict(e.payload), at=e.at)
        if e.type in ("listener_message", "check"):
            row["answers_seq"] = answers
        if e.type == "listener_message":
            row["guard_label"] = str(e.payload.get("label", ""))
            row["guard_action"] = str(e.payload.get("action", ""))
            row["delivered"] = bool(e.payload.get("delivered"))
            row["model_version"] = model_version
        rows.append(row)
    return rows


def _rating_rows(exercise_id: int, events: list[ex.Event]) -> None:
    """Ratings in their own table: one row per rater; revealed once both have rated."""
    for e in events:
        if e.type == "rated":
            db.session.add(ExerciseRating(
                exercise_id=exercise_id, user_id=e.actor, seen=int(str(e.payload["seen"])),
                understood=int(str(e.payload["understood"])),
                note=str(e.payload.get("note", "")), rated_at=e.at))
        elif e.type == "ratings_revealed":
            db.session.flush()
            db.session.execute(sa.update(ExerciseRating).where(
                ExerciseRating.exercise_id == exercise_id).values(revealed_at=e.at))


def _last_share(exercise_id: int) -> tuple[int | None, str]:
    """The speaker's last share (its seq and words): what the listener answers, and the
    context the guard judges the listener against."""
    row = db.session.execute(sa.select(ExerciseEvent.seq, ExerciseEvent.payload).where(
        ExerciseEvent.exercise_id == exercise_id, ExerciseEvent.type == "shared")
        .order_by(ExerciseEvent.seq.desc()).limit(1)).first()
    if row is None:
        return None, ""
    text = row.payload.get("text", "") if isinstance(row.payload, dict) else ""
    return row.seq, str(text)


@cache
def guard_model_version() -> str:
    """A short fingerprint of the guard's shipped models (the linear weights and the encoder):
    which model judged a message."""
    digest = hashlib.sha256()
    try:
        for path in (WEIGHTS_PATH, ENCODER_DIR / "model.onnx"):
            digest.update(path.read_bytes())
    except OSError:
        return "unknown"
    return "g-" + digest.hexdigest()[:12]


def _with_guard_context(exercise_id: int, state: ex.ExerciseState) -> ex.ExerciseState:
    """A state stored before it kept the guard's context, given it from the event log."""
    seq, text = _last_share(exercise_id)
    streak = tuple(_held_in_a_row(exercise_id, p) for p in state.partners)
    return replace(state, last_share_seq=seq, last_share_text=text,
                   held_streak=(streak[0], streak[1]))


def _held_in_a_row(exercise_id: int, listener_id: int) -> int:
    """How many of the listener's messages were held since their last delivered one."""
    rows = db.session.scalars(sa.select(ExerciseEvent.payload).where(
        ExerciseEvent.exercise_id == exercise_id, ExerciseEvent.type == "listener_message",
        ExerciseEvent.actor_id == listener_id)
        .order_by(ExerciseEvent.seq.desc()).limit(HELD_STREAK_MAX))
    count = 0
    for payload in rows:
        if isinstance(payload, dict) and payload.get("delivered"):
            break
        count += 1
    return count


# One action reads everything it needs in one statement: the exercise's state and version, its
# couple and both partners' names, the stored acknowledgement of this client id if any, and
# (for a socket) the account's role if the session it was opened from is still live.
_E = Exercise.__table__
_C = Couple.__table__
_CA = ClientAction.__table__
_EV = ExerciseEvent.__table__
_UA = User.__table__.alias("partner_a")
_UB = User.__table__.alias("partner_b")
_ACTION_READ = sa.select(
    _E.c.id, _E.c.version, _E.c.state, _C.c.ended_at.label("couple_ended_at"),
    _C.c.partner_a_id, _C.c.partner_b_id,
    _UA.c.display_name.label("a_name"), _UA.c.deleted_at.label("a_deleted_at"),
    _UB.c.display_name.label("b_name"), _UB.c.deleted_at.label("b_deleted_at"),
    _CA.c.ack, _CA.c.user_id.label("ack_user_id"),
).select_from(
    _E.join(_C, _C.c.id == _E.c.couple_id)
    .outerjoin(_UA, _UA.c.id == _C.c.partner_a_id)
    .outerjoin(_UB, _UB.c.id == _C.c.partner_b_id)
    .outerjoin(_CA, sa.and_(_CA.c.exercise_id == _E.c.id,
                            _CA.c.client_id == sa.bindparam("client_id")))
).where(_E.c.id == sa.bindparam("exercise_id"))
_ACTION_READ_LIVE = _ACTION_READ.add_columns(sessions.LIVE_ROLE.label("live_role"))
_EVENT_COLUMNS = ("exercise_id", "seq", "type", "actor_id", "visible_to_id", "payload", "at",
                  "answers_seq", "guard_label", "guard_action", "delivered", "model_version")


def _unauthorized() -> DomainError:
    return DomainError(sessions.ENDED, code="unauthorized")


def act(user: User | sessions.SessionUser, *, exercise_id: object, client_id: object,
        type_: object, payload: object, session: sessions.SessionUser | None = None
        ) -> dict[str, Any]:
    """Apply one client action exactly once; returns the acknowledgement to send back.

    With ``session`` (a socket's), the session's liveness is checked in the same read: an
    ended session gets ``unauthorized`` and nothing is applied.
    """
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise DomainError("Each action needs a client id of 8–64 letters, digits, - or _.",
                          code="invalid")
    if not isinstance(type_, str) or type_ not in ex.ACTION_TYPES:
        raise DomainError("Unknown action type.", code="invalid")
    _check_exercise_id(exercise_id)
    action: Any = None
    single = _one_statement_writes(type_)
    for _ in range(MAX_ATTEMPTS):
        if single:
            # PostgreSQL: the read and the one writing statement each stand alone (no BEGIN,
            # no COMMIT round trips); the version check inside the write keeps it safe.
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        row = _read_for_action(user.id, cast(int, exercise_id), client_id, session)
        if row.ack is not None:
            if row.ack_user_id != user.id:
                raise DomainError("That action id was already used.", code="invalid")
            return {**row.ack, "duplicate": True}
        if action is None:
            action = ex.parse_action(type_, payload)
        try:
            return _attempt(user.id, row, client_id, action, single=single)
        except _Conflict:
            # Someone else wrote first: read afresh (their write, or our own stored ack).
            db.session.rollback()
    raise DomainError("Your partner acted at the same moment. Please try again.",
                      code="conflict")


def _check_exercise_id(exercise_id: object) -> None:
    if not isinstance(exercise_id, int) or isinstance(exercise_id, bool) or exercise_id < 1:
        raise DomainError("Which exercise? The id must be a positive whole number.",
                          code="invalid")


def _read_for_action(user_id: int, exercise_id: int, client_id: str,
                     session: sessions.SessionUser | None) -> Any:
    """The one read of an action; raises unauthorized / not found as the rules say."""
    params: dict[str, Any] = {"exercise_id": exercise_id, "client_id": client_id}
    if session is not None:
        params.update(sessions.live_params(session))
    row = db.session.execute(_ACTION_READ_LIVE if session is not None else _ACTION_READ,
                             params).first()
    if session is not None:
        role = row.live_role if row is not None else sessions.live_role(session)
        if role is None:
            raise _unauthorized()
        therapy.require_partner(replace(session, role=role))  # the account's role now
    if row is None or user_id not in (row.partner_a_id, row.partner_b_id):
        audit.record("forbidden", user_id=user_id, detail=f"exercise {exercise_id}")
        raise DomainError("We couldn't find that exercise.", code="not_found")
    return row


class _Conflict(Exception):
    """Someone else changed the exercise between our read and our write."""


def _one_statement_writes(type_: str) -> bool:
    """Whether this action's write can be one statement: on PostgreSQL (data-modifying CTEs),
    for every action but a rating (its rows, and the homework a completed exercise counts for,
    go through the ORM in one transaction), and only when no transaction is open already."""
    return (type_ != "rate" and not db.session().in_transaction()
            and db.session.get_bind().dialect.name == "postgresql")


def _attempt(user_id: int, row: Any, client_id: str, action: Any, *,
             single: bool = False) -> dict[str, Any]:
    if row.couple_ended_at is not None:
        raise DomainError("You're no longer paired, so this exercise can't continue. It stays "
                          "in your history.", code="finished")
    exercise_id: int = row.id
    state = ex.state_from_dict(row.state)
    if not ex.knows_guard_context(row.state):
        state = _with_guard_context(exercise_id, state)
    names = {uid: name for uid, name, gone in (
        (row.partner_a_id, row.a_name, row.a_deleted_at),
        (row.partner_b_id, row.b_name, row.b_deleted_at)) if name is not None and gone is None}
    verdict: Verdict | None = None
    answers = state.last_share_seq if isinstance(action, ex.Say | ex.Check) else None
    if isinstance(action, ex.Say):

        def classify(text: str) -> tuple[str, Any]:
            nonlocal verdict
            verdict = judge_message(text, speaker_said=state.last_share_text,
                                    attempt=ex.held_in_a_row(state, user_id))
            return verdict.label, verdict.action

        action = ex.resolve_say(state, actor=user_id, say=action, classify=classify)
    new_state, events = ex.apply(state, actor=user_id, action=action, now=utcnow())
    ack = {"ok": True, "exercise_id": exercise_id, "seq": new_state.seq,
           "events": events_for(events, viewer=user_id, partners=state.partners, names=names)}
    if verdict is not None:
        held = any(e.type == "listener_message" and not e.payload.get("delivered")
                   for e in events)
        ack["guard"] = {"label": verdict.label, "action": verdict.action, "held": held,
                        "may_send_anyway": held and ex.may_send_anyway(state.strictness,
                                                                       verdict.action),
                        "reason": verdict.reason, "suggestion": verdict.suggestion}
    model_version = None if verdict is None else guard_model_version()
    completes = new_state.phase == "complete" and state.phase != "complete"
    if single and completes:  # only a rating completes an exercise, and it is never single
        raise RuntimeError("an exercise was completed by a one-statement write")
    done = None
    try:
        if single:
            _store_in_one_statement(exercise_id, row.version, state, new_state, events,
                                    answers=answers, model_version=model_version,
                                    client_action={"client_id": client_id, "user_id": user_id,
                                                   "ack": ack})
            db.session.commit()
            publish(exercise_id, new_state, events, names)
            return ack
        _store(exercise_id, row.version, state, new_state, events, answers=answers,
               model_version=model_version)
        stored = db.session.execute(
            _insert_or_ignore(_CA).values(exercise_id=exercise_id, client_id=client_id,
                                          user_id=user_id, ack=ack, at=utcnow())
            .on_conflict_do_nothing(index_elements=["exercise_id", "client_id"])
            .returning(_CA.c.id)).first()
        if stored is None:  # the same client id, stored a moment ago by a retry
            raise _Conflict()
        if completes:  # homework it was started from counts as done
            exercise = db.session.get(Exercise, exercise_id)
            done = None if exercise is None else homework.record_done(exercise)
        db.session.commit()
    except sa.exc.IntegrityError:
        raise _Conflict() from None
    publish(exercise_id, new_state, events, names)
    if done is not None:
        announce(done)
    return ack


def _insert_or_ignore(table: sa.Table) -> Any:
    """``INSERT … ON CONFLICT`` for the database in use (PostgreSQL or SQLite)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _store_in_one_statement(exercise_id: int, version: int, state: ex.ExerciseState,
                            new_state: ex.ExerciseState, events: list[ex.Event], *,
                            answers: int | None, model_version: str | None,
                            client_action: dict[str, Any]) -> None:
    """``_store`` and the client id's row as one PostgreSQL statement, atomic by itself:

        WITH upd AS (UPDATE exercises … WHERE id = … AND version = … RETURNING id),
             ev0 AS (INSERT INTO exercise_events … SELECT … FROM upd RETURNING id), …,
             ca AS (INSERT INTO client_actions … SELECT … FROM upd RETURNING id)
        SELECT (SELECT count(*) FROM upd), …

    Nothing is inserted unless the version check passed; a client id stored meanwhile fails
    the whole statement on its unique constraint. Either way: ``_Conflict``, nothing written.
    """
    now = utcnow()
    before = _summary(state)
    changed = {k: v for k, v in _summary(new_state).items() if v != before[k]}
    rows = _event_rows(exercise_id, events, answers=answers, model_version=model_version)
    params: dict[str, Any] = {
        "w_id": exercise_id, "w_version": version, "w_new_version": version + 1,
        "w_state": ex.state_to_dict(new_state), "w_phase": new_state.phase,
        "w_seq": new_state.seq, "w_updated_at": now,
        **{f"w_{k}": v for k, v in changed.items()},
        **{f"e{i}_{c}": v for i, row in enumerate(rows) for c, v in row.items()},
        **{f"ca_{c}": v for c, v in client_action.items()},
        "ca_exercise_id": exercise_id, "ca_at": now,
    }
    statement = _one_write_statement(len(rows), tuple(sorted(changed)))
    written = db.session.execute(statement, params).one()
    if written[0] != 1:
        raise _Conflict()


@cache
def _one_write_statement(events: int, changed: tuple[str, ...]) -> sa.Select[Any]:
    """The statement of ``_store_in_one_statement`` for this many events and these changed
    history columns, built once (its values are parameters)."""

    def param(name: str, column: sa.Column[Any]) -> Any:
        return sa.bindparam(name, type_=column.type)

    upd = (sa.update(_E)
           .where(_E.c.id == sa.bindparam("w_id"), _E.c.version == sa.bindparam("w_version"))
           .values(state=param("w_state", _E.c.state), phase=param("w_phase", _E.c.phase),
                   seq=param("w_seq", _E.c.seq), version=param("w_new_version", _E.c.version),
                   updated_at=param("w_updated_at", _E.c.updated_at),
                   **{k: param(f"w_{k}", _E.c[k]) for k in changed})
           .returning(_E.c.id).cte("upd"))
    inserts = [(_EV, f"e{i}_", _EVENT_COLUMNS) for i in range(events)]
    inserts.append((_CA, "ca_", ("exercise_id", "client_id", "user_id", "ack", "at")))
    counts = [sa.select(sa.func.count()).select_from(upd).scalar_subquery()]
    for i, (table, prefix, columns) in enumerate(inserts):
        chosen = sa.select(*(sa.cast(param(prefix + c, table.c[c]), table.c[c].type)
                             for c in columns)).select_from(upd)
        cte = sa.insert(table).from_select(list(columns), chosen).returning(table.c.id)
        counts.append(sa.select(sa.func.count()).select_from(cte.cte(f"w{i}"))
                      .scalar_subquery())
    return sa.select(*counts)


def _store(exercise_id: int, version: int, state: ex.ExerciseState,
           new_state: ex.ExerciseState, events: list[ex.Event], *, answers: int | None = None,
           model_version: str | None = None) -> None:
    """Write the new state only if nobody else did since we read ``version``, then its events.

    Only the history list's typed copies that changed are written with it."""
    before = _summary(state)
    changed = {k: v for k, v in _summary(new_state).items() if v != before[k]}
    updated = db.session.execute(
        sa.update(_E).where(_E.c.id == exercise_id, _E.c.version == version)
        .values(state=ex.state_to_dict(new_state), phase=new_state.phase, seq=new_state.seq,
                version=version + 1, updated_at=utcnow(), **changed))
    if updated.rowcount != 1:
        raise _Conflict()
    if events:
        db.session.execute(sa.insert(_EV), _event_rows(exercise_id, events, answers=answers,
                                                       model_version=model_version))
    _rating_rows(exercise_id, events)


def names_of(user_ids: tuple[int, ...]) -> dict[int, str]:
    """Display names by user id; someone who is gone is left out ("a former partner")."""
    rows = db.session.execute(sa.select(User.id, User.display_name).where(
        User.id.in_(user_ids), User.deleted_at.is_(None))).all()
    return {row.id: row.display_name for row in rows}


def row_to_event(row: ExerciseEvent | sa.Row[Any]) -> ex.Event:
    """A stored event (a model or a row of its columns) as the domain's ``Event``."""
    return ex.Event(seq=row.seq, type=cast(ex.EventType, row.type), actor=row.actor_id or 0,
                    payload=row.payload,
                    visible_to=None if row.visible_to_id is None else frozenset({row.visible_to_id}),
                    at=row.at)


def replay(user: User | sessions.SessionUser, *, exercise_id: object, after_seq: object) -> dict[str, Any]:
    """Everything after ``after_seq`` as ``user`` may see it, plus the current view."""
    if not isinstance(after_seq, int) or isinstance(after_seq, bool) or after_seq < 0:
        raise DomainError("after_seq must be a whole number ≥ 0.", code="invalid")
    exercise = load_for(user, exercise_id)
    rows = db.session.scalars(sa.select(ExerciseEvent).where(
        ExerciseEvent.exercise_id == exercise.id, ExerciseEvent.seq > after_seq)
        .order_by(ExerciseEvent.seq)).all()
    state = state_of(exercise)
    return {"ok": True, "exercise_id": exercise.id, "seq": exercise.seq,
            "events": events_for([row_to_event(r) for r in rows], viewer=user.id,
                                 partners=state.partners, names=names_of(state.partners)),
            "view": ex.screen_view(state, viewer=user.id)}


def end_live_for_unpair(couple: Couple, user: User) -> Any:
    """Unpairing ends any exercise in progress early (it stays in the history).

    Runs inside the unpair transaction; returns what to publish once it commits.
    """
    exercise = live_exercise(couple.id)
    if exercise is None:
        return lambda: None
    state = state_of(exercise)
    new_state, events = ex.apply(state, actor=user.id, action=ex.EndEarly(), now=utcnow())
    try:
        # the same guarded write as every other action
        _store(exercise.id, exercise.version, state, new_state, events)
        db.session.flush()
    except (_Conflict, sa.exc.IntegrityError):
        db.session.rollback()
        raise DomainError("Your partner acted at the same moment. Please try again.",
                          code="conflict") from None
    exercise_id = exercise.id
    names = names_of(state.partners)
    return lambda: publish(exercise_id, new_state, events, names)


def partner_of(exercise: Exercise, user_id: int) -> User:
    """The other partner of an exercise's couple."""
    couple = db.session.get(Couple, exercise.couple_id)
    if couple is None:  # the couple's rows go with the exercise (cascade): not expected
        raise DomainError("We couldn't find that exercise.", code="not_found")
    return couple.other(user_id)
