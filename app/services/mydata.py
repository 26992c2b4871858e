"""Your data: everything you own, exported as JSON and CSV (streamed); deleting your account.

The export reads every event through the one projection, so it holds exactly what you may
see (never your partner's held-back words or private notes). It streams a batch of exercises
at a time, so a long history never sits in memory at once.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from app.domain import exercises as ex
from app.domain.errors import DomainError
from app.extensions import db
from app.models import (
    AuditEntry,
    ClientAction,
    Couple,
    EmailToken,
    Exercise,
    ExerciseEvent,
    ExerciseRating,
    Invite,
    Membership,
    Notification,
    NotificationSettings,
    OutboxMessage,
    Passkey,
    PushSubscription,
    User,
    WebAuthnChallenge,
)
from app.models.types import utcnow
from app.services import audit, sessions
from app.services.exercises import names_of, row_to_event
from app.services.history import Row, names_for, rows_of, select_rows
from app.services.pairing import couple_ids_of

BATCH = 100  # exercises per query while streaming
REAUTH_SECONDS = 5 * 60  # a passkey-only account deletes within this long of signing in


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _exercise_batches(user_id: int) -> Iterator[tuple[list[Row], dict[int, list[ex.Shown]]]]:
    """The user's exercises, oldest first, a batch at a time, with what they may see."""
    couples = couple_ids_of(user_id)
    if not couples:
        return
    after = 0
    while True:
        rows = rows_of(select_rows().where(Exercise.couple_id.in_(couples), Exercise.id > after)
                       .order_by(Exercise.id).limit(BATCH))
        if not rows:
            return
        after = rows[-1].id
        names = names_for(rows)
        shown: dict[int, list[ex.Shown]] = {r.id: [] for r in rows}
        partners = {r.id: r.partners for r in rows}
        events = db.session.execute(sa.select(
            ExerciseEvent.exercise_id, ExerciseEvent.seq, ExerciseEvent.type,
            ExerciseEvent.actor_id, ExerciseEvent.visible_to_id, ExerciseEvent.payload,
            ExerciseEvent.at).where(ExerciseEvent.exercise_id.in_(list(shown)))
            .order_by(ExerciseEvent.exercise_id, ExerciseEvent.seq))
        for e in events:
            s = ex.project(row_to_event(e), viewer=user_id, partners=partners[e.exercise_id],
                           names=names)
            if s is not None and s.form != "hidden":
                shown[e.exercise_id].append(s)
        yield rows, shown


def export_json(user_id: int) -> Iterator[str]:
    """Your account, couples, and every exercise with the events you may see, as JSON.

    Runs while the response streams: it loads what it needs itself, by ``user_id``.
    """
    user = db.session.get(User, user_id)
    if user is None:
        return
    account = {"name": user.display_name, "email": user.email,
               "created_at": _iso(user.created_at),
               "passkeys": [{"name": p.name, "created_at": _iso(p.created_at),
                             "last_used_at": _iso(p.last_used_at)} for p in user.passkeys],
               "notifications": _notifications(user_id)}
    couples = []
    for c in db.session.scalars(sa.select(Couple).where(sa.or_(
            Couple.partner_a_id == user_id, Couple.partner_b_id == user_id))):
        other = c.partner_b_id if c.partner_a_id == user_id else c.partner_a_id
        couples.append({"id": c.id, "partner": names_of((other,)).get(other, ex.FORMER_PARTNER),
                        "paired_at": _iso(c.created_at), "ended_at": _iso(c.ended_at)})
    yield '{"format": "attune-export-1", "exported_at": ' + json.dumps(_iso(utcnow()))
    yield ', "account": ' + json.dumps(account)
    yield ', "couples": ' + json.dumps(couples)
    from app.services.therapy import export_of

    yield ', "therapists": ' + json.dumps(export_of(user_id))
    yield ', "exercises": ['
    first = True
    for rows, shown in _exercise_batches(user_id):
        ratings = _ratings(user_id, [r.id for r in rows])
        for row in rows:
            item = {
                "id": row.id, "kind": row.kind, "title": ex.get_kind(row.kind).title,
                "topic": row.topic, "status": row.phase, "created_at": _iso(row.created_at),
                "started_at": _iso(row.started_at), "ended_at": _iso(row.ended_at),
                "ratings": ratings.get(row.id, []),
                "events": [_event_json(s) for s in shown[row.id]],
            }
            yield ("" if first else ",") + json.dumps(item)
            first = False
    yield "]}"


def _notifications(user_id: int) -> dict[str, Any]:
    """Your notification choices, how many devices get push, and what Attune told you."""
    from app.services.notifications import prefs_of

    prefs = prefs_of(user_id)
    told = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user_id, Notification.status != "withdrawn")
        .order_by(Notification.id))
    return {"off": sorted(prefs.off), "push": prefs.push, "email": prefs.email,
            "quiet_start": prefs.quiet_start, "quiet_end": prefs.quiet_end,
            "timezone": prefs.timezone,
            "push_devices": db.session.scalar(sa.select(sa.func.count(PushSubscription.id))
                                              .where(PushSubscription.user_id == user_id)),
            "sent": [{"kind": n.kind, "title": n.title, "body": n.body, "due_at": _iso(n.due_at),
                      "how": n.outcome, "seen_at": _iso(n.read_at)} for n in told]}


def _event_json(s: ex.Shown) -> dict[str, Any]:
    return {"seq": s.seq, "type": s.type, "at": _iso(s.at), "who": s.who, "form": s.form,
            "mark": s.mark, "words": s.text, "payload": dict(s.payload)}


def _ratings(user_id: int, exercise_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Your own ratings (with your note), and your partner's once revealed (never theirs)."""
    result: dict[int, list[dict[str, Any]]] = {}
    for r in db.session.scalars(sa.select(ExerciseRating).where(
            ExerciseRating.exercise_id.in_(exercise_ids))):
        mine = r.user_id == user_id
        if not mine and r.revealed_at is None:
            continue
        item: dict[str, Any] = {"by": "you" if mine else "partner", "seen": r.seen,
                                "understood": r.understood, "rated_at": _iso(r.rated_at)}
        if mine:
            item["note"] = r.note
        result.setdefault(r.exercise_id, []).append(item)
    return result


CSV_COLUMNS = ["exercise_id", "exercise", "topic", "seq", "at", "who", "type", "move", "words"]


def export_csv(user_id: int) -> Iterator[str]:
    """The conversations as CSV: one row per message or note you may see."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for rows, shown in _exercise_batches(user_id):
        for row in rows:
            title = ex.get_kind(row.kind).title
            for s in shown[row.id]:
                writer.writerow([row.id, title, _cell(row.topic), s.seq, _iso(s.at), s.who,
                                 s.type, s.mark or "", _cell(s.text)])
        yield flush()


def _cell(text: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- deleting an account ----------------------------------------------------------------------


def delete_account(user: User, *, password: object, signed_in_at: datetime | None,
                   now: datetime | None = None) -> None:
    """Delete ``user`` after re-authentication: a password, or a sign-in minutes ago.

    Personal data, passkeys, private notes and held-back words go. The partner keeps the
    shared history; the deleted person's messages read as "a former partner".
    """
    now = now or utcnow()
    if user.password_hash:
        if not isinstance(password, str) or not check_password_hash(user.password_hash,
                                                                    password):
            audit.record("delete_refused", user_id=user.id)
            raise DomainError("That password isn't right. Nothing was deleted.",
                              code="bad_password")
    elif signed_in_at is None or (now - signed_in_at).total_seconds() > REAUTH_SECONDS:
        raise DomainError("For your safety, sign in again with your passkey, then delete "
                          "within five minutes. Nothing was deleted.", code="reauth")
    from app.services import pairing

    if pairing.active_couple(user.id) is not None:
        pairing.unpair(user)  # ends any exercise in progress and every therapist link
    from app.services import therapy

    links_ended = therapy.end_links_of_therapist(user, reason="therapist left") \
        if user.role == "therapist" else (lambda: None)
    uid = user.id
    # Private things: held-back words and private notes are emptied, not shown to anyone.
    db.session.execute(sa.update(ExerciseEvent).where(
        ExerciseEvent.visible_to_id == uid).values(payload={"removed": True}))
    db.session.execute(sa.update(ExerciseRating).where(ExerciseRating.user_id == uid)
                       .values(note=""))
    couples = couple_ids_of(uid)
    if couples:
        for row in db.session.scalars(sa.select(Exercise).where(
                Exercise.couple_id.in_(couples))):
            state = dict(row.state)
            ratings = state.get("ratings") or []
            if any(r.get("user") == uid and r.get("note") for r in ratings):
                state["ratings"] = [{**r, "note": ""} if r.get("user") == uid else r
                                    for r in ratings]
            guess = state.get("guess")
            if isinstance(guess, dict) and guess.get("by") == uid:
                state["guess"] = None  # a sealed guess is theirs alone (the exercise has ended)
            if state != row.state:
                row.state = state
    for model, column in ((ClientAction, ClientAction.user_id), (Passkey, Passkey.user_id),
                          (Invite, Invite.inviter_id),
                          (WebAuthnChallenge, WebAuthnChallenge.user_id),
                          (Membership, Membership.user_id),
                          (PushSubscription, PushSubscription.user_id),
                          (Notification, Notification.user_id),
                          (NotificationSettings, NotificationSettings.user_id)):
        db.session.execute(sa.delete(model).where(column == uid))
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.user_id == uid).values(ip=""))
    # Mail not yet sent to this address, and its pending email links, go too.
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_addr == user.email))
    db.session.execute(sa.delete(EmailToken).where(sa.or_(EmailToken.user_id == uid,
                                                          EmailToken.email == user.email)))
    # The row stays as an anonymous placeholder so the shared history holds together.
    user.email = f"deleted-{uid}-{secrets.token_hex(6)}@deleted.invalid"
    user.display_name = ex.FORMER_PARTNER
    user.password_hash = None
    user.webauthn_handle = secrets.token_bytes(32)
    user.deleted_at = now
    # A couple whose partners are both gone has nobody left to read it: it goes entirely.
    for couple in db.session.scalars(sa.select(Couple).where(Couple.id.in_(couples))):
        others = [p for p in couple.partner_ids() if p != uid]
        if all(db.session.get(User, p).deleted_at is not None for p in others):  # type: ignore[union-attr]
            db.session.delete(couple)
    db.session.commit()
    links_ended()
    sessions.end_all(user, reason="account_deleted")  # every device signed out, sockets closed
