"""Forgotten password, end to end through a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import EmailToken, UserSession
from app.models.types import utcnow
from tests.conftest import (
    PASSWORD,
    Browser,
    create_user,
    csrf_from,
    link_in,
    smtp_server,
    text_part,
    without_csrf,
)
from tests.realtime.conftest import Socket

NEW_PASSWORD = "a brand new kettle of fish"


def ask_for_reset(app: Any, email: str) -> Any:
    b = Browser(app)
    b.refresh_token("/forgot")
    return b, b.post("/forgot", {"email": email})


def test_reset_link_works_once_and_ends_every_other_session(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    phone, laptop = Browser(app), Browser(app)
    phone.login("ana@example.com")
    laptop.login("ana@example.com")
    live = Socket(app, laptop, namespace="/")
    assert live.connected()

    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        stranger, resp = ask_for_reset(app, "Ana@Example.com")
        assert resp.status_code == 200 and "Check your email" in resp.get_data(as_text=True)
        (msg,) = catcher.wait_for(1)
    assert msg["To"] == "ana@example.com" and msg["Subject"] == "Reset your Attune password"
    assert "Hi Ana" in text_part(msg) and "works once and for one hour" in text_part(msg)
    link = link_in(msg, "/reset/")

    page = stranger.get(link)
    assert page.status_code == 200 and "ana@example.com" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    stranger.token = ""
    stranger.refresh_token(link)
    weak = stranger.post(link, {"password": "short"})
    assert weak.status_code == 400 and "at least 10 characters" in weak.get_data(as_text=True)
    done = stranger.post(link, {"password": NEW_PASSWORD})  # a weak try did not burn the link
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Hi, Ana" in stranger.get("/").get_data(as_text=True)

    # Every session from before is over, sockets included; only the new one remains.
    assert phone.get("/settings").status_code == 302
    assert laptop.get("/settings").status_code == 302
    assert not live.connected()
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 1

    # The old password is gone, the new one works, and the link is spent.
    assert Browser(app).login("ana@example.com", PASSWORD).status_code == 401
    assert Browser(app).login("ana@example.com", NEW_PASSWORD).status_code == 302
    again = Browser(app)
    assert again.get(link).status_code == 404
    again.refresh_token("/forgot")
    replay = again.post(link, {"password": "yet another fine password"})
    assert replay.status_code == 404
    assert "expired or was already used" in replay.get_data(as_text=True)
    assert Browser(app).login("ana@example.com", NEW_PASSWORD).status_code == 302


def test_a_changed_password_is_announced_by_email(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        b, _ = ask_for_reset(app, "ana@example.com")
        link = link_in(catcher.wait_for(1)[0], "/reset/")
        b.refresh_token(link)
        b.post(link, {"password": NEW_PASSWORD})
        notice = catcher.wait_for(2)[1]
    assert notice["Subject"] == "Your Attune password was changed"
    assert "every other device" in text_part(notice)


def test_a_reset_link_expires(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        b, _ = ask_for_reset(app, "ana@example.com")
        link = link_in(catcher.wait_for(1)[0], "/reset/")
    b.refresh_token(link)
    db.session.execute(sa.update(EmailToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    resp = b.post(link, {"password": NEW_PASSWORD})
    assert resp.status_code == 404 and "expired" in resp.get_data(as_text=True)
    assert Browser(app).login("ana@example.com", PASSWORD).status_code == 302


def test_a_newer_link_replaces_the_older_one(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        ask_for_reset(app, "ana@example.com")
        ask_for_reset(app, "ana@example.com")
        first, second = (link_in(m, "/reset/") for m in catcher.wait_for(2))
    b = Browser(app)
    assert b.get(first).status_code == 404
    assert b.get(second).status_code == 200


def test_an_unknown_address_gets_the_same_answer_and_a_note_not_a_link(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        _, known = ask_for_reset(app, "ana@example.com")
        _, unknown = ask_for_reset(app, "nobody@example.com")
        note = catcher.wait_for(2)[1]
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.get_data(as_text=True)) == without_csrf(
        unknown.get_data(as_text=True))
    assert note["To"] == "nobody@example.com"
    assert "no Attune account uses it" in text_part(note) and "/reset/" not in text_part(note)
    assert "/signup" in text_part(note)


def test_a_forged_host_cannot_redirect_the_link(app: Any) -> None:
    app.config["PUBLIC_URL"] = "https://attune.example"
    create_user("ana@example.com", "Ana")
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        b = Browser(app)
        page = b.http.get("/forgot", base_url="http://evil.example").get_data(as_text=True)
        b.http.post("/forgot", base_url="http://evil.example",
                    data={"email": "ana@example.com", "csrf_token": csrf_from(page)})
        body = text_part(catcher.wait_for(1)[0])
    assert "https://attune.example/reset/" in body and "evil.example" not in body


def test_a_bad_address_is_refused_and_nothing_is_sent(app: Any) -> None:
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        _, resp = ask_for_reset(app, "not-an-address")
    assert resp.status_code == 400 and "look like an email" in resp.get_data(as_text=True)
    assert catcher.messages == []
