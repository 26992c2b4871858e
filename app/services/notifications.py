"""Notifications: turn the domain's plans into rows, keep each person's choices, the bell.

Rows are written when something happens (a proposal, a planned time); the worker
(``services/notify_worker.py``) sends each one when it is due, exactly once.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from app.domain import exercises as ex
from app.domain import notifications as nt
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Notification, NotificationSettings, PushSubscription
from app.models.types import utcnow
from app.services import presence

INBOX_SIZE = 30
MAX_SUBSCRIPTIONS = 10  # per person: phones and browsers; the oldest goes first


def record(plan: nt.Plan, names_for: Mapping[int, nt.Names]) -> list[int]:
    """Store a plan's notices (a key already stored for that person is skipped) and withdraw
    the planned ones that no longer hold; commits if anything changed. Returns the people
    with something new in their bell."""
    stored: set[tuple[int, str]] = set()
    if plan.notices:
        stored = {(row[0], row[1]) for row in db.session.execute(
            sa.select(Notification.user_id, Notification.key).where(
                Notification.user_id.in_(sorted({n.user_id for n in plan.notices})),
                Notification.key.in_(sorted({n.key for n in plan.notices}))))}
    fresh = [n for n in plan.notices if (n.user_id, n.key) not in stored]
    if not fresh and not plan.withdraw:
        return []  # the usual case within a turn: nothing new, no write
    for prefix in plan.withdraw:
        db.session.execute(sa.update(Notification).where(
            Notification.status == "pending", Notification.key.startswith(prefix, autoescape=True),
            Notification.key.not_in(plan.keep),
        ).values(status="withdrawn", outcome="withdrawn"))
    told: list[int] = []
    now = utcnow()
    for notice in fresh:
        words = nt.wording(notice.kind, names_for.get(notice.user_id, nt.Names()))
        row = Notification(user_id=notice.user_id, kind=notice.kind, key=notice.key,
                           exercise_id=notice.exercise_id, title=words.title, body=words.body,
                           path=notice.path, shown_on=" ".join(notice.shown_on),
                           due_at=notice.due, next_attempt_at=notice.due, reached=[])
        if notice.due <= now and presence.looking_at(notice.user_id, notice.shown_on):
            # Already on the page that shows it: nothing to tell (the worker checks again
            # for everyone else when it sends).
            row.status, row.outcome, row.read_at = "kept", "looking", now
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except sa.exc.IntegrityError:
            continue  # another process stored the same notice a moment ago
        if row.outcome != "looking":
            told.append(notice.user_id)
    db.session.commit()
    return told


def exercise_events(exercise_id: int, state: ex.ExerciseState, events: list[ex.Event],
                    names: Mapping[int, str]) -> list[int]:
    """Record what an exercise's new events mean for each partner (after their commit)."""
    plan = nt.for_exercise(exercise_id=exercise_id, state=state, events=events, now=utcnow())
    if not plan.notices and not plan.withdraw:
        return []
    title = ex.get_kind(state.kind).title
    a, b = state.partners
    names_for = {a: nt.Names(partner=names.get(b, ex.FORMER_PARTNER), exercise=title),
                 b: nt.Names(partner=names.get(a, ex.FORMER_PARTNER), exercise=title)}
    return record(plan, names_for)


# --- The bell ------------------------------------------------------------------------------


def _visible(user_id: int) -> Any:
    # Due, still true, and not something the person was already looking at when it happened.
    return sa.and_(Notification.user_id == user_id, Notification.due_at <= utcnow(),
                   Notification.status != "withdrawn", Notification.outcome != "looking")


def inbox(user_id: int, *, limit: int = INBOX_SIZE) -> list[Notification]:
    """The person's notifications that are due, newest first."""
    return list(db.session.scalars(sa.select(Notification).where(_visible(user_id))
                                   .order_by(Notification.due_at.desc(), Notification.id.desc())
                                   .limit(limit)))


def unread_count(user_id: int) -> int:
    """How many due notifications the person has not seen in the bell yet."""
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        _visible(user_id), Notification.read_at.is_(None))) or 0


def mark_read(user_id: int, *, up_to: int) -> None:
    """The person saw their list: what it showed (ids up to ``up_to``) is no longer new."""
    db.session.execute(sa.update(Notification).where(
        _visible(user_id), Notification.read_at.is_(None), Notification.id <= up_to)
        .values(read_at=utcnow()))
    db.session.commit()


# --- Choices ---------------------------------------------------------------------------------


def prefs_of(user_id: int) -> nt.Prefs:
    """The person's choices (defaults until they change any)."""
    row = db.session.get(NotificationSettings, user_id)
    if row is None:
        return nt.Prefs()
    return nt.Prefs(off=nt.parse_off(row.off), push=row.push, email=row.email,
                    quiet_start=row.quiet_start, quiet_end=row.quiet_end, timezone=row.timezone)


class SettingsError(DomainError):
    """A choice that cannot be saved, with the field it belongs to."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, code="invalid")
        self.field = field


def save_prefs(user_id: int, form: Mapping[str, Any]) -> nt.Prefs:
    """Save the Settings form: switches, channels, quiet hours and time zone; commits."""
    tz = str(form.get("timezone") or "UTC").strip()[:64]
    if not nt.valid_timezone(tz):
        raise SettingsError("We don't know that time zone. Pick one from the list.",
                            field="timezone")
    quiet = bool(form.get("quiet"))
    start = nt.minutes_of(str(form.get("quiet_start") or ""))
    end = nt.minutes_of(str(form.get("quiet_end") or ""))
    if quiet and (start is None or end is None):
        raise SettingsError("Give quiet hours as two times, like 22:00 and 07:00.",
                            field="quiet")
    if quiet and start == end:
        raise SettingsError("Quiet hours need to start and end at different times.",
                            field="quiet")
    off = [s for s in nt.SWITCHES if not form.get(f"on_{s}")]
    row = db.session.get(NotificationSettings, user_id) or NotificationSettings(user_id=user_id)
    row.off = ",".join(off)
    row.push = bool(form.get("push"))
    row.email = bool(form.get("email"))
    row.quiet_start, row.quiet_end = (start, end) if quiet else (None, None)
    row.timezone = tz
    db.session.add(row)
    db.session.commit()
    return prefs_of(user_id)


def adopt_timezone(user_id: int, tz: str) -> None:
    """Take the browser's time zone for quiet hours, unless the person chose one; commits."""
    if not nt.valid_timezone(tz):
        return
    row = db.session.get(NotificationSettings, user_id)
    if row is None:
        db.session.add(NotificationSettings(user_id=user_id, timezone=tz))
    elif row.timezone == "UTC" and tz != "UTC":
        row.timezone = tz
    db.session.commit()


# --- Push subscriptions --------------------------------------------------------------------


def _field(data: Any, *path: str, limit: int) -> str:
    value = data
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise DomainError("That push subscription is not valid.", code="invalid")
    return value


def endpoint_allowed(endpoint: str, *, loopback: bool) -> bool:
    """A push service is a public https host: never an address on the server's own network,
    which a forged subscription could otherwise make Attune post to. Tests and development
    may allow plain http on loopback (a push service stand-in)."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if loopback and parts.scheme == "http" and host in {"127.0.0.1", "localhost"}:
        return True
    if parts.scheme != "https" or not host or parts.username or parts.password:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host != "localhost" and not host.endswith((".localhost", ".local", ".internal"))
    return address.is_global


def subscribe(user_id: int, data: Any) -> PushSubscription:
    """Keep a browser's push subscription (its JSON), and turn push on; commits."""
    if not isinstance(data, Mapping) or set(data) - {"endpoint", "keys", "expirationTime"}:
        raise DomainError("That push subscription is not valid.", code="invalid")
    endpoint = _field(data, "endpoint", limit=1000)
    if not endpoint_allowed(endpoint, loopback=current_app.config.get("PUSH_ALLOW_LOOPBACK",
                                                                      False)):
        raise DomainError("That push subscription is not valid.", code="invalid")
    p256dh = _field(data, "keys", "p256dh", limit=200)
    auth = _field(data, "keys", "auth", limit=100)
    row = db.session.scalar(sa.select(PushSubscription).where(
        PushSubscription.endpoint == endpoint))
    if row is None:
        row = PushSubscription(endpoint=endpoint)
        db.session.add(row)
    # A browser that changes hands belongs to whoever subscribed it last.
    row.user_id, row.p256dh, row.auth = user_id, p256dh, auth
    settings = db.session.get(NotificationSettings, user_id) or NotificationSettings(
        user_id=user_id)
    settings.push = True
    db.session.add(settings)
    db.session.flush()
    mine = db.session.scalars(sa.select(PushSubscription).where(
        PushSubscription.user_id == user_id).order_by(PushSubscription.id.desc())).all()
    for old in mine[MAX_SUBSCRIPTIONS:]:
        db.session.delete(old)
    db.session.commit()
    return row


def unsubscribe(user_id: int, endpoint: Any) -> bool:
    """Forget one of the person's browsers; commits. False if it was not theirs."""
    if not isinstance(endpoint, str):
        raise DomainError("Which subscription?", code="invalid")
    done = db.session.execute(sa.delete(PushSubscription).where(
        PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint))
    db.session.commit()
    return bool(done.rowcount)


def subscription_count(user_id: int) -> int:
    """How many browsers the person gets push notifications on."""
    return db.session.scalar(sa.select(sa.func.count(PushSubscription.id)).where(
        PushSubscription.user_id == user_id)) or 0
