"""Notifications from real exercises: recorded once, sent by the worker by email through a real
SMTP server on loopback, honouring switches, quiet hours and presence, never carrying words."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.domain.notifications import SWITCHES
from app.extensions import db
from app.models import Notification, Presence, User
from app.models.types import utcnow
from app.services import exercises, notifications, notify_worker
from tests.conftest import smtp_server, text_part

SECRET = "the night you forgot my birthday still hurts"
_ids = itertools.count(1)


def user(email: str) -> User:
    found = db.session.scalar(sa.select(User).where(User.email == email))
    assert found is not None
    return found


def act(who: User, exercise_id: int, type_: str, payload: Any = None) -> dict[str, Any]:
    ack = exercises.act(who, exercise_id=exercise_id, client_id=f"n-test-{next(_ids):05d}",
                        type_=type_, payload=payload or {})
    assert ack["ok"], ack
    return ack


def rows(for_user: User) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == for_user.id).order_by(Notification.id)))


# The Settings form with every switch on.
ALL_ON = {f"on_{s}": "1" for s in SWITCHES}


@pytest.fixture
def pair(couple: Any) -> tuple[User, User]:
    """Alex and Blair, everything switched on, email on, no quiet hours (whatever the hour)."""
    people = user("alex@example.com"), user("blair@example.com")
    for person in people:
        notifications.save_prefs(person.id, {**ALL_ON, "email": "1", "timezone": "UTC"})
    return people


def propose(alex: User) -> int:
    return exercises.propose(alex, {"kind": "speaker_listener", "first_speaker": "me",
                                    "topic": SECRET}).id


def test_a_proposal_is_emailed_to_the_partner_once_with_the_right_link(
        app: Flask, pair: tuple[User, User]) -> None:
    alex, blair = pair
    exercise_id = propose(alex)
    assert [(n.kind, n.status) for n in rows(blair)] == [("proposed", "pending")]
    assert rows(alex) == []
    with smtp_server() as (catcher, url):
        app.config.update(SMTP_URL=url, PUBLIC_URL="https://attune.example")
        stats = notify_worker.run_batch()
        assert (stats.email, stats.push) == (1, 0)
        (message,) = catcher.wait_for(1)
        assert catcher.envelopes[0][1] == ["blair@example.com"]
        assert message["To"] == "blair@example.com"
        assert message["Subject"] == "Alex invites you to an exercise"
        assert f"https://attune.example/exercises/{exercise_id}" in text_part(message)
        assert "https://attune.example/settings#notifications" in text_part(message)
        assert SECRET not in message.as_string()
        # A second worker pass (or a second worker) finds nothing more to send.
        assert notify_worker.run_batch().handled == 0
        assert len(catcher.messages) == 1
    (row,) = rows(blair)
    assert (row.status, row.outcome, row.sent_at is not None) == ("sent", "email", True)


def test_nothing_anyone_wrote_reaches_a_notification(app: Flask, pair: tuple[User, User]
                                                      ) -> None:
    alex, blair = pair
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        exercise_id = propose(alex)
        steps = [(blair, "accept", {}), (alex, "share", {"text": SECRET}),
                 (blair, "say", {"text": f"It sounds like {SECRET}"}), (alex, "end_turn", {}),
                 (blair, "share", {"text": SECRET.upper()}), (blair, "end_turn", {}),
                 (alex, "rate", {"seen": 4, "understood": 5, "note": SECRET}),
                 (blair, "rate", {"seen": 3, "understood": 4, "note": SECRET})]
        sent = notify_worker.run_batch().email
        for who, type_, payload in steps:
            act(who, exercise_id, type_, payload)
            sent += notify_worker.run_batch().email  # each goes out as it happens
        everything = rows(alex) + rows(blair)
        assert {n.kind for n in everything} >= {"proposed", "waiting", "ratings_revealed"}
        assert sent == len(everything) >= 5
        catcher.wait_for(sent)
        for message in catcher.messages:
            assert SECRET.lower() not in message.as_string().lower()
    for n in everything:
        assert SECRET.lower() not in f"{n.title} {n.body} {n.path} {n.key}".lower()


def test_nobody_is_interrupted_on_the_page_that_already_shows_it(
        app: Flask, pair: tuple[User, User]) -> None:
    alex, blair = pair
    db.session.add(Presence(sid="blair-home", user_id=blair.id, namespace="/",
                            seen_at=utcnow(), viewing="/"))
    db.session.commit()
    propose(alex)
    assert notify_worker.run_batch().email == 0
    (row,) = rows(blair)
    assert (row.status, row.outcome) == ("kept", "looking")
    # Seen where it happened: neither the bell's count nor its list repeats it.
    assert notifications.unread_count(blair.id) == 0
    assert notifications.inbox(blair.id) == []


def test_someone_who_opens_the_page_before_the_worker_runs_is_not_interrupted(
        app: Flask, pair: tuple[User, User]) -> None:
    alex, blair = pair
    exercise_id = propose(alex)
    db.session.add(Presence(sid="blair-live", user_id=blair.id, namespace="/",
                            seen_at=utcnow(), viewing=f"/exercises/{exercise_id}"))
    db.session.commit()
    stats = notify_worker.run_batch()
    assert (stats.email, stats.kept) == (0, 1)
    assert [(n.status, n.outcome) for n in rows(blair)] == [("kept", "looking")]


def test_a_tab_in_the_background_or_a_stale_socket_is_not_looking(
        app: Flask, pair: tuple[User, User]) -> None:
    alex, blair = pair
    db.session.add_all([
        Presence(sid="hidden", user_id=blair.id, namespace="/", seen_at=utcnow(), viewing=""),
        Presence(sid="stale", user_id=blair.id, namespace="/",
                 seen_at=utcnow() - timedelta(minutes=10), viewing="/")])
    db.session.commit()
    propose(alex)
    assert notify_worker.run_batch().email == 1


def test_a_switch_turned_off_keeps_it_in_the_bell_only(app: Flask, pair: tuple[User, User]
                                                        ) -> None:
    alex, blair = pair
    notifications.save_prefs(blair.id, {**ALL_ON, "on_partner": "", "email": "1",
                                        "timezone": "UTC"})
    propose(alex)
    stats = notify_worker.run_batch()
    assert (stats.email, stats.kept) == (0, 1)
    assert [(n.outcome, n.read_at) for n in rows(blair)] == [("switched_off", None)]
    assert notifications.unread_count(blair.id) == 1


def test_quiet_hours_hold_a_proposal_until_they_end(app: Flask, pair: tuple[User, User]
                                                    ) -> None:
    alex, blair = pair
    now = utcnow()
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end = (now + timedelta(hours=1)).strftime("%H:%M")
    notifications.save_prefs(blair.id, {**ALL_ON, "email": "1", "timezone": "UTC",
                                        "quiet": "1", "quiet_start": start, "quiet_end": end})
    propose(alex)
    stats = notify_worker.run_batch()
    assert (stats.email, stats.later) == (0, 1)
    (row,) = rows(blair)
    assert row.status == "pending"
    assert abs(row.next_attempt_at - (now + timedelta(hours=1))) < timedelta(minutes=2)
    assert notifications.unread_count(blair.id) == 1  # the bell has it meanwhile


def test_a_new_planned_time_withdraws_the_old_reminders(app: Flask, pair: tuple[User, User]
                                                        ) -> None:
    alex, blair = pair
    exercise_id = propose(alex)
    first = (utcnow() + timedelta(hours=3)).replace(microsecond=0)
    act(blair, exercise_id, "schedule", {"at": first.isoformat()})
    pending = [n for n in rows(alex) if n.status == "pending"]
    assert sorted(n.kind for n in pending) == ["starts_now", "starts_soon"]
    act(alex, exercise_id, "cancel")
    assert {n.status for n in rows(alex) if n.kind.startswith("starts")} == {"withdrawn"}
    assert all(n.kind != "starts_now" for n in notifications.inbox(alex.id))


def test_settings_refuse_a_bad_zone_or_empty_quiet_hours_and_change_nothing(
        app: Flask, pair: tuple[User, User]) -> None:
    _, blair = pair
    before = notifications.prefs_of(blair.id)
    with pytest.raises(notifications.SettingsError) as err:
        notifications.save_prefs(blair.id, {"timezone": "Atlantis/Deep"})
    assert err.value.field == "timezone"
    with pytest.raises(notifications.SettingsError) as err:
        notifications.save_prefs(blair.id, {"timezone": "UTC", "quiet": "1",
                                            "quiet_start": "22:00", "quiet_end": ""})
    assert err.value.field == "quiet"
    assert notifications.prefs_of(blair.id) == before


def test_homework_reminders_follow_its_date_and_go_when_it_is_done(
        app: Flask, pair: tuple[User, User]) -> None:
    from app.domain import notifications as nt

    alex, blair = pair
    names = {u.id: nt.Names(exercise="Speaker–Listener") for u in pair}
    due = utcnow() + timedelta(days=3)
    notifications.record(nt.for_homework(homework_id=4, partner_ids=(alex.id, blair.id),
                                         due=due, now=utcnow()), names)
    notifications.record(nt.for_homework(homework_id=4, partner_ids=(alex.id, blair.id),
                                         due=due, now=utcnow()), names)  # edited, same date
    assert sorted((n.kind, n.status) for n in rows(alex)) == [
        ("homework_due", "pending"), ("homework_overdue", "pending")]
    later = due + timedelta(days=2)
    notifications.record(nt.for_homework(homework_id=4, partner_ids=(alex.id, blair.id),
                                         due=later, now=utcnow()), names)
    mine = rows(alex)
    assert sorted((n.kind, n.status, n.due_at == later - timedelta(days=1)) for n in mine
                  if n.kind == "homework_due") == [("homework_due", "pending", True),
                                                   ("homework_due", "withdrawn", False)]
    notifications.record(nt.for_homework_done(homework_id=4), names)
    assert {n.status for n in rows(alex) + rows(blair)} == {"withdrawn"}


def test_a_linked_therapist_is_named_and_both_partners_are_told(
        app: Flask, pair: tuple[User, User]) -> None:
    from app.domain import notifications as nt

    alex, blair = pair
    names = {u.id: nt.Names(therapist="Dr Rowe") for u in pair}
    notifications.record(nt.for_therapist_linked(link_id=1, partner_ids=(alex.id, blair.id),
                                                 now=utcnow()), names)
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        assert notify_worker.run_batch().email == 2
        messages = catcher.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["alex@example.com", "blair@example.com"]
    assert {m["Subject"] for m in messages} == {"Dr Rowe is linked"}


def test_a_proposal_held_for_the_morning_is_not_sent_once_it_is_cancelled(
        app: Flask, pair: tuple[User, User]) -> None:
    alex, blair = pair
    now = utcnow()
    notifications.save_prefs(blair.id, {
        **ALL_ON, "email": "1", "timezone": "UTC", "quiet": "1",
        "quiet_start": (now - timedelta(hours=1)).strftime("%H:%M"),
        "quiet_end": (now + timedelta(hours=1)).strftime("%H:%M")})
    exercise_id = propose(alex)
    assert notify_worker.run_batch().later == 1
    act(alex, exercise_id, "cancel")
    (row,) = rows(blair)
    assert row.status == "withdrawn"
    row.next_attempt_at = utcnow() - timedelta(seconds=1)  # the morning came
    db.session.commit()
    assert notify_worker.run_batch().handled == 0
    assert notifications.inbox(blair.id) == []


def test_the_worker_updates_bells_through_the_publisher_when_scaled_out(
        app: Flask, pair: tuple[User, User]) -> None:
    from app.services import publisher

    class Recorder:
        def __init__(self) -> None:
            self.bells: list[tuple[int, int]] = []

        def inbox(self, user_id: int, unread: int) -> None:
            self.bells.append((user_id, unread))

        def __getattr__(self, name: str) -> Any:
            return lambda *args, **kwargs: None

    alex, blair = pair
    recorder = Recorder()
    publisher.install(app, recorder)  # type: ignore[arg-type]
    propose(alex)
    assert recorder.bells == [(blair.id, 1)]  # from the web process, as it happened
    recorder.bells.clear()
    notify_worker.run_batch()
    assert recorder.bells == []  # one process, no message queue: nobody else to tell
    app.config["SOCKETIO_MESSAGE_QUEUE"] = "redis://127.0.0.1:6379/15"
    db.session.execute(sa.update(Notification).values(status="pending", next_attempt_at=utcnow()))
    db.session.commit()
    notify_worker.run_batch()
    assert recorder.bells == [(blair.id, 1)]
