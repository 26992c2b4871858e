"""The notification worker: sends each due notification exactly once, by push or email.

Run it beside the web processes (``flask notify worker``); two or more are safe. Each takes one
due row at a time under a row lock (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers never
wait for or repeat each other; on SQLite, the embedded default, run one), sends it, and marks
it sent in the same transaction. A worker killed mid-send releases its lock with its
connection, and another sends that row. Failures wait longer each time (the mail outbox's
backoff); a subscription the push service calls gone (404/410) is removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from app.domain import notifications as nt
from app.extensions import db
from app.models import Notification, PushSubscription, User
from app.models.types import utcnow
from app.services import mail, presence, publisher, webpush
from app.services.notifications import prefs_of

log = logging.getLogger("attune.notify")

MAX_ATTEMPTS = 8  # with the outbox's backoff: about two hours of retries
BATCH = 100


@dataclass
class Stats:
    """What one batch did."""

    push: int = 0
    email: int = 0
    kept: int = 0
    later: int = 0
    retry: int = 0
    gone: int = 0
    outcomes: list[str] = field(default_factory=list)
    bells: set[int] = field(default_factory=set)  # people with something new in the bell

    @property
    def handled(self) -> int:
        """How many rows the batch took."""
        return len(self.outcomes)


def base_url() -> str:
    """Where links in emails point: PUBLIC_URL, or the development server."""
    return (current_app.config.get("PUBLIC_URL") or
            f"http://localhost:{current_app.config.get('PORT', 5000)}").rstrip("/")


def run_batch(*, limit: int = BATCH) -> Stats:
    """Handle up to ``limit`` due notifications, one row lock and one commit each."""
    stats = Stats()
    for _ in range(limit):
        row = db.session.scalar(
            sa.select(Notification)
            .where(Notification.status == "pending", Notification.next_attempt_at <= utcnow())
            .order_by(Notification.next_attempt_at, Notification.id).limit(1)
            .with_for_update(skip_locked=True))
        if row is None:
            db.session.rollback()
            break
        try:
            outcome = _handle(row, stats)
            if row.outcome != "looking" and outcome != "later":
                stats.bells.add(row.user_id)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("notification %s could not be handled", row.id)
            _postpone(row.id, "unexpected error")
            outcome = "retry"
        stats.outcomes.append(outcome)
    if stats.email:
        mail.send_queued()
    if stats.bells and current_app.config.get("SOCKETIO_MESSAGE_QUEUE"):
        # Scaled out, the web processes hear this through the message queue: bells update
        # when a planned reminder comes due. (On the embedded default the page's next load
        # shows it.)
        for user_id in sorted(stats.bells):
            publisher.bell(user_id)
    return stats


def _postpone(notification_id: int, error: str) -> None:
    row = db.session.get(Notification, notification_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = error[:200]
    row.next_attempt_at = utcnow() + mail.backoff(row.attempts)
    if row.attempts >= MAX_ATTEMPTS:
        row.status, row.outcome = "failed", "failed"
    db.session.commit()


def _handle(row: Notification, stats: Stats) -> str:
    now = utcnow()
    user = db.session.get(User, row.user_id)
    if user is None or user.deleted_at is not None:
        row.status, row.outcome = "kept", "no_channel"
        stats.kept += 1
        return "kept"
    subs = list(db.session.scalars(sa.select(PushSubscription).where(
        PushSubscription.user_id == row.user_id).order_by(PushSubscription.id)))
    route = nt.route(row.kind, prefs_of(row.user_id), now=now,  # type: ignore[arg-type]
                     looking=presence.looking_at(row.user_id, row.shown_on.split()),
                     has_push=bool(subs) and webpush.keys() is not None, has_email=bool(user.email))
    if route.later is not None:
        row.next_attempt_at = route.later
        stats.later += 1
        return "later"
    if route.reason is not None:
        return _keep(row, route.reason, now, stats)
    if "push" in route.channels:
        result = _push(row, subs, stats)
        if result != "fallback":
            return result
        prefs = prefs_of(row.user_id)
        if not prefs.email:
            return _keep(row, "no_channel", now, stats)
    _email(row, user)
    row.status, row.outcome, row.sent_at = "sent", "email", now
    stats.email += 1
    return "email"


def _keep(row: Notification, reason: str, now: object, stats: Stats) -> str:
    """In the bell only; someone already looking has seen it, so it counts as read."""
    row.status, row.outcome = "kept", reason
    if reason == "looking":
        row.read_at = utcnow()
    stats.kept += 1
    return "kept"


def payload_of(row: Notification) -> dict[str, object]:
    """What the service worker gets: the words, the page to open, and a tag so a repeat
    replaces rather than adds."""
    return {"id": row.id, "kind": row.kind, "title": row.title, "body": row.body,
            "url": row.path, "tag": f"attune-{row.kind}-{row.exercise_id or row.id}"}


def _push(row: Notification, subs: list[PushSubscription], stats: Stats) -> str:
    """Push to each of the person's browsers not reached yet. "fallback" when none took it."""
    reached = list(row.reached or [])
    transient: list[str] = []
    for sub in subs:
        if sub.id in reached:
            continue
        try:
            webpush.send(endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth,
                         payload=payload_of(row), topic=f"n{row.id}")
        except webpush.PushGone:
            db.session.delete(sub)
            stats.gone += 1
            continue
        except webpush.PushFailed as exc:
            if not exc.permanent:
                transient.append(str(exc))
            else:
                log.warning("push for notification %s refused: %s", row.id, exc)
            continue
        reached.append(sub.id)
    row.reached = reached
    if transient:
        row.attempts += 1
        row.last_error = transient[0][:200]
        if row.attempts < MAX_ATTEMPTS:
            row.next_attempt_at = utcnow() + mail.backoff(row.attempts)
            stats.retry += 1
            return "retry"
    if reached:
        row.status, row.outcome, row.sent_at = "sent", "push", utcnow()
        stats.push += 1
        return "push"
    return "fallback"


def _email(row: Notification, user: User) -> None:
    """Queue the email in this transaction: it goes out once, with the sent marker."""
    base = base_url()
    mail.queue(to=user.email, kind="notice", title=row.title, body=row.body,
               link=base + row.path, settings_link=base + "/settings#notifications")
