"""Web Push end to end: a browser subscribes over HTTP, the partner proposes, the worker sends,
and a push service stand-in on loopback checks the VAPID signature and decrypts the payload
with the subscription's private key. A 410 removes the subscription."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import Notification, PushSubscription, User
from app.models.types import utcnow
from app.services import exercises, notifications, notify_worker, webpush
from tests.conftest import smtp_server
from tests.push_service import PushService, Subscriber
from tests.services.test_notifications import ALL_ON, SECRET, user


@pytest.fixture
def push_service() -> Any:
    with PushService() as service:
        yield service


@pytest.fixture
def people(couple: Any, app: Flask, tmp_path: Any) -> tuple[Any, User, User]:
    app.config["VAPID_KEY_FILE"] = str(tmp_path / "vapid.pem")
    alex, blair = user("alex@example.com"), user("blair@example.com")
    for person in (alex, blair):
        notifications.save_prefs(person.id, {**ALL_ON, "email": "1", "timezone": "UTC"})
    return couple[1], alex, blair


def test_a_proposal_reaches_the_partners_browser_signed_and_encrypted(
        app: Flask, people: Any, push_service: PushService) -> None:
    blair_browser, alex, blair = people
    phone = Subscriber(push_service.endpoint("blair-phone"))
    key = blair_browser.get("/api/push/key").get_json()["key"]
    resp = blair_browser.post_json("/api/push/subscribe", {
        "subscription": phone.subscription(), "timezone": "Europe/Lisbon"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert notifications.prefs_of(blair.id).timezone == "Europe/Lisbon"

    exercise_id = exercises.propose(alex, {"kind": "speaker_listener", "first_speaker": "me",
                                           "topic": SECRET}).id
    stats = notify_worker.run_batch()
    assert (stats.push, stats.email) == (1, 0)
    (got,) = push_service.wait_for(1)
    assert got.path == "/push/blair-phone"
    assert got.vapid_key == key  # signed by the key the browser subscribed with
    assert got.claims["aud"] == push_service.origin
    message = json.loads(phone.decrypt(got.body))
    assert message["title"] == "Alex invites you to an exercise"
    assert message["body"] == "Speaker–Listener: say yes, pick a time, or say not now."
    assert message["url"] == f"/exercises/{exercise_id}"
    assert SECRET not in json.dumps(message)
    row = db.session.scalar(sa.select(Notification).where(Notification.user_id == blair.id))
    assert (row.status, row.outcome) == ("sent", "push")
    # A resend would replace, not add: the push service by Topic, the phone by tag.
    assert got.headers.get("topic") == f"n{row.id}", got.headers
    assert message["tag"] == f"attune-proposed-{exercise_id}"
    # Someone else's key cannot read it.
    with pytest.raises(Exception):  # noqa: B017  (cryptography raises InvalidTag)
        Subscriber(phone.endpoint, auth_secret=phone.auth_secret).decrypt(got.body)


def test_a_gone_subscription_is_removed_and_email_takes_over(
        app: Flask, people: Any, push_service: PushService) -> None:
    blair_browser, alex, _ = people
    phone = Subscriber(push_service.endpoint("old-phone"))
    assert blair_browser.post_json("/api/push/subscribe", {
        "subscription": phone.subscription()}).status_code == 200
    push_service.gone.add("/push/old-phone")
    exercises.propose(alex, {"kind": "speaker_listener", "first_speaker": "me"})
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        stats = notify_worker.run_batch()
        assert (stats.gone, stats.push, stats.email) == (1, 0, 1)
        (message,) = catcher.wait_for(1)
        assert message["To"] == "blair@example.com"
    assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 0
    assert push_service.received == []


def test_subscribing_needs_a_signed_in_person_a_csrf_token_and_a_real_subscription(
        app: Flask, people: Any, make_browser: Any, push_service: PushService) -> None:
    blair_browser, _, _ = people
    good = Subscriber(push_service.endpoint("x")).subscription()
    stranger = make_browser()
    stranger.refresh_token("/login")
    resp = stranger.post_json("/api/push/subscribe", {"subscription": good})
    assert resp.status_code in (302, 401)
    resp = blair_browser.http.post("/api/push/subscribe", json={"subscription": good},
                                   headers={"Accept": "application/json"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "csrf"
    for bad in ({"endpoint": "ftp://x", "keys": good["keys"]},
                {"endpoint": good["endpoint"], "keys": {"p256dh": "x"}},
                {**good, "extra": 1}, "not an object", None):
        resp = blair_browser.post_json("/api/push/subscribe", {"subscription": bad})
        assert resp.status_code == 400, bad
        assert resp.get_json()["error"]["message"] == "That push subscription is not valid."
    assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 0


def test_development_makes_its_vapid_key_once_and_keeps_it(app: Flask, tmp_path: Any) -> None:
    app.config["VAPID_KEY_FILE"] = str(tmp_path / "k.pem")
    first = webpush.public_key()
    assert first and (tmp_path / "k.pem").exists()
    assert oct((tmp_path / "k.pem").stat().st_mode & 0o777) == "0o600"
    assert webpush.public_key() == first
    app.config.update(ENV_NAME="production", VAPID_PRIVATE_KEY="")
    assert webpush.public_key() is None


def test_a_subscription_must_name_a_public_push_service_in_production(
        app: Flask, people: Any) -> None:
    blair_browser, _, blair = people
    app.config["PUSH_ALLOW_LOOPBACK"] = False
    keys = {"p256dh": "BPk", "auth": "xyz"}
    for endpoint in ("http://127.0.0.1:9/push/x", "https://127.0.0.1/push", "https://10.0.0.5/x",
                     "https://[::1]/x", "https://localhost/x", "https://redis.internal/x",
                     "https://user:pw@push.example/x", "http://push.example/x"):
        resp = blair_browser.post_json("/api/push/subscribe", {
            "subscription": {"endpoint": endpoint, "keys": keys}})
        assert resp.status_code == 400, endpoint
    resp = blair_browser.post_json("/api/push/subscribe", {
        "subscription": {"endpoint": "https://push.example/send/abc", "keys": keys}})
    assert resp.status_code == 200
    assert notifications.subscription_count(blair.id) == 1


def test_a_busy_push_service_is_tried_again_later_and_no_device_gets_it_twice(
        app: Flask, people: Any, push_service: PushService) -> None:
    blair_browser, alex, blair = people
    phone, laptop = (Subscriber(push_service.endpoint(n)) for n in ("phone", "laptop"))
    for device in (phone, laptop):
        assert blair_browser.post_json("/api/push/subscribe", {
            "subscription": device.subscription()}).status_code == 200
    push_service.busy.add("/push/laptop")
    exercises.propose(alex, {"kind": "speaker_listener", "first_speaker": "me"})
    before = utcnow()
    stats = notify_worker.run_batch()
    assert (stats.retry, stats.push) == (1, 0)
    row = db.session.scalar(sa.select(Notification).where(Notification.user_id == blair.id))
    assert (row.status, row.attempts) == ("pending", 1)
    assert "503" in row.last_error
    wait = row.next_attempt_at - before
    assert timedelta(seconds=25) < wait < timedelta(seconds=40)  # the first backoff: 30 s
    assert notify_worker.run_batch().handled == 0  # not due yet
    push_service.busy.clear()
    row.next_attempt_at = utcnow() - timedelta(seconds=1)  # the 30 s have passed
    db.session.commit()
    assert notify_worker.run_batch().push == 1
    assert sorted(r.path for r in push_service.wait_for(2)) == ["/push/laptop", "/push/phone"]
    db.session.refresh(row)
    assert (row.status, row.outcome) == ("sent", "push")
