"""Reminders from therapy (#10): a linked therapist, a change in sharing, homework due and
overdue (once, kindly) and withdrawn when done, all through the publisher's events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import Couple, Notification, User
from app.models.types import utcnow
from app.services import homework, notifications, notify_worker, therapy
from tests.conftest import smtp_server
from tests.services.test_notifications import ALL_ON
from tests.therapy_helpers import assign, do_homework, link, make_therapist, user


def told(person: User, *kinds: str) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(n.kind, n.status) for n in db.session.scalars(sa.select(Notification).where(
        Notification.user_id == person.id, Notification.kind.in_(kinds))
        .order_by(Notification.id))]


def setup(app: Flask, couple: Any) -> tuple[User, User, User, Couple]:
    alex, blair = user("alex@example.com"), user("blair@example.com")
    for person in (alex, blair):
        notifications.save_prefs(person.id, {**ALL_ON, "email": "1", "timezone": "UTC"})
    _, dr = make_therapist(app)
    return alex, blair, dr, couple[2]


def test_a_linked_therapist_and_a_change_in_sharing_are_told_by_name(
        app: Flask, couple: Any) -> None:
    alex, blair, dr, c = setup(app, couple)
    link_id = link(dr, c, "completion", "ratings")
    assert told(alex, "therapist_linked") == [("therapist_linked", "pending")]
    assert told(blair, "therapist_linked") == [("therapist_linked", "pending")]
    therapy.choose(c.partner_a, link_id, level="conversations")
    other = blair if c.partner_a.id == alex.id else alex
    actor = alex if other is blair else blair
    assert told(other, "sharing_changed") == [("sharing_changed", "pending")]
    assert told(actor, "sharing_changed") == []
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        notify_worker.run_batch()
        messages = catcher.wait_for(3)
    subjects = sorted(str(m["Subject"]) for m in messages)
    assert subjects == ["Dr Rivera is linked", "Dr Rivera is linked",
                        "What you share has changed"]
    change = next(m for m in messages if m["Subject"] == "What you share has changed")
    assert change["To"] == other.email
    assert "/settings/therapists" in change.get_body(("plain",)).get_content()


def test_homework_is_mentioned_before_its_day_and_withdrawn_once_done(
        app: Flask, couple: Any) -> None:
    alex, _, dr, c = setup(app, couple)
    link(dr, c, "completion", "ratings")
    due = (utcnow() + timedelta(days=4)).date()
    hw_id = assign(dr, c, when="due", due_on=due.isoformat())
    rows = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == alex.id, Notification.kind.like("homework_%"))).all()
    assert sorted((n.kind, n.status) for n in rows) == [("homework_due", "pending"),
                                                        ("homework_overdue", "pending")]
    soon = next(n for n in rows if n.kind == "homework_due")
    assert soon.due_at < next(n for n in rows if n.kind == "homework_overdue").due_at
    assert soon.title == "Homework for tomorrow" and soon.path == "/"
    assert notifications.unread_count(alex.id) == 1  # the link; the homework word comes later
    do_homework(c, hw_id)
    assert {s for _, s in told(alex, "homework_due", "homework_overdue")} == {"withdrawn"}


def test_withdrawn_homework_takes_its_reminders_with_it(app: Flask, couple: Any) -> None:
    alex, _, dr, c = setup(app, couple)
    link(dr, c, "completion", "ratings")
    hw_id = assign(dr, c, when="due",
                   due_on=(utcnow() + timedelta(days=5)).date().isoformat())
    assert {s for _, s in told(alex, "homework_due", "homework_overdue")} == {"pending"}
    homework.withdraw(dr, hw_id)
    assert {s for _, s in told(alex, "homework_due", "homework_overdue")} == {"withdrawn"}


def test_partners_have_a_bell_and_therapists_do_not(app: Flask, couple: Any) -> None:
    therapist_browser, _ = make_therapist(app, email="dr.lee@example.com", name="Dr Lee")
    assert 'id="bell"' not in therapist_browser.get("/therapist").get_data(as_text=True)
    assert 'id="bell"' in couple[0].get("/").get_data(as_text=True)
