"""The bell, its list, and the Settings card: over HTTP, as a browser would."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import Exercise, Notification, NotificationSettings
from app.services import exercises, notifications
from tests.services.test_notifications import ALL_ON, user


def bell_count(html: str) -> str | None:
    match = re.search(r'class="bell-count"\s*(hidden)?>([^<]*)<', html)
    assert match, "no bell on the page"
    return None if match.group(1) else match.group(2)


def test_the_bell_counts_new_notifications_and_the_list_shows_them(app: Flask, couple: Any
                                                                    ) -> None:
    _, blair_browser, _ = couple
    alex, blair = user("alex@example.com"), user("blair@example.com")
    assert bell_count(blair_browser.get("/").get_data(as_text=True)) is None
    exercise_id = exercises.propose(alex, {"kind": "speaker_listener", "first_speaker": "me"}).id
    page = blair_browser.get("/settings").get_data(as_text=True)
    assert bell_count(page) == "1"
    assert 'aria-label="Notifications: 1 new"' in page
    inbox = blair_browser.get("/notifications").get_data(as_text=True)
    assert "Alex invites you to an exercise" in inbox
    assert f'href="/exercises/{exercise_id}"' in inbox
    assert "New: " in inbox
    assert bell_count(blair_browser.get("/").get_data(as_text=True)) == "1"  # a GET changes nothing
    up_to = re.search(r'name="up_to" value="(\d+)"', inbox).group(1)  # type: ignore[union-attr]
    assert blair_browser.post("/notifications/read", {"up_to": "x"}).status_code == 400
    resp = blair_browser.post("/notifications/read", {"up_to": up_to})
    assert resp.status_code == 302
    assert bell_count(blair_browser.get("/").get_data(as_text=True)) is None  # seen now
    again = blair_browser.get("/notifications").get_data(as_text=True)
    assert "New: " not in again and "Alex invites you to an exercise" in again
    assert "Mark all as seen" not in again
    assert notifications.unread_count(blair.id) == 0


def test_the_list_is_private_and_needs_signing_in(app: Flask, couple: Any, make_browser: Any
                                                  ) -> None:
    alex = user("alex@example.com")
    exercises.propose(alex, {"kind": "speaker_listener", "first_speaker": "me"})
    stranger = make_browser("sam@example.com", "Sam")
    assert "Alex invites you" not in stranger.get("/notifications").get_data(as_text=True)
    anonymous = make_browser()
    resp = anonymous.get("/notifications")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_settings_save_switches_quiet_hours_and_zone(app: Flask, couple: Any) -> None:
    _, blair_browser, _ = couple
    blair = user("blair@example.com")
    page = blair_browser.get("/settings").get_data(as_text=True)
    assert 'id="notifications"' in page and "Turn on for this device" in page
    resp = blair_browser.post("/settings/notifications", {
        **ALL_ON, "on_ratings": "", "email": "1", "quiet": "1", "quiet_start": "21:30",
        "quiet_end": "06:45", "timezone": "Asia/Tokyo"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#notifications")
    prefs = notifications.prefs_of(blair.id)
    assert prefs.off == {"ratings"} and prefs.email and not prefs.push
    assert (prefs.quiet_start, prefs.quiet_end, prefs.timezone) == (21 * 60 + 30, 6 * 60 + 45,
                                                                    "Asia/Tokyo")
    page = blair_browser.get("/settings").get_data(as_text=True)
    assert 'value="21:30"' in page and 'value="Asia/Tokyo"' in page


def test_a_bad_choice_is_explained_keeps_what_was_typed_and_changes_nothing(
        app: Flask, couple: Any) -> None:
    _, blair_browser, _ = couple
    blair = user("blair@example.com")
    before = notifications.prefs_of(blair.id)
    resp = blair_browser.post("/settings/notifications", {
        **ALL_ON, "quiet": "1", "quiet_start": "23:00", "quiet_end": "07:00",
        "timezone": "Moon/Crater"})
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert "We don&#39;t know that time zone" in page
    assert 'value="Moon/Crater"' in page and 'aria-invalid="true"' in page
    assert notifications.prefs_of(blair.id) == before
    assert db.session.get(NotificationSettings, blair.id) is None
    resp = blair_browser.http.post("/settings/notifications", data={"timezone": "UTC"})
    assert resp.status_code == 400  # no CSRF token
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_the_export_holds_your_choices_and_what_you_were_told(app: Flask, couple: Any) -> None:
    import json

    _, blair_browser, _ = couple
    exercises.propose(user("alex@example.com"),
                      {"kind": "speaker_listener", "first_speaker": "me"})
    blair_browser.post("/settings/notifications", {**ALL_ON, "on_homework": "",
                                                   "timezone": "Europe/Paris"})
    data = json.loads(blair_browser.get("/settings/data/attune-export.json")
                      .get_data(as_text=True))
    told = data["account"]["notifications"]
    assert told["off"] == ["homework"] and told["timezone"] == "Europe/Paris"
    assert [n["title"] for n in told["sent"]] == ["Alex invites you to an exercise"]


def test_deleting_an_account_forgets_its_devices_choices_and_notifications(
        app: Flask, couple: Any) -> None:
    from app.models import PushSubscription

    alex_browser, _, _ = couple
    alex, blair = user("alex@example.com"), user("blair@example.com")
    exercise_id = exercises.propose(blair, {"kind": "speaker_listener",
                                            "first_speaker": "me"}).id
    notifications.subscribe(alex.id, {"endpoint": "https://push.example/abc",
                                      "keys": {"p256dh": "BPk", "auth": "xyz"}})
    notifications.save_prefs(alex.id, {**ALL_ON, "timezone": "UTC"})
    assert [n.kind for n in notifications.inbox(alex.id)] == ["proposed"]
    resp = alex_browser.post("/settings/delete", {"password": "correct horse battery staple",
                                                  "confirm": "yes"})
    assert resp.status_code == 302
    for model in (PushSubscription, Notification, NotificationSettings):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
            model.user_id == alex.id)) == 0, model
    assert db.session.get(Exercise, exercise_id) is not None  # Blair's history stays
