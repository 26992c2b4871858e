"""Sign-up by emailed link: it finishes with a password or a passkey, and never tells whether
an address already has an account (same status, body and timing)."""

from __future__ import annotations

import statistics
import time
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import EmailToken, User
from tests.conftest import (
    PASSWORD,
    Browser,
    create_user,
    latest_mail_to,
    link_in,
    smtp_server,
    text_part,
    without_csrf,
)
from tests.services.test_passkeys import passkey_sign_in, passkey_sign_up
from tests.webauthn_authenticator import SoftAuthenticator

TRIES = 20


def ask(app: Any, email: str, name: str = "Ana") -> tuple[Browser, Any]:
    b = Browser(app)
    b.refresh_token("/signup")
    return b, b.post("/signup", {"name": name, "email": email})


def accounts() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(User.email).order_by(User.id)))


def test_sign_up_finishes_with_a_password_from_the_emailed_link(app: Any) -> None:
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        b, resp = ask(app, "Ana@Example.com")
        assert resp.status_code == 302 and resp.headers["Location"] == "/signup/sent"
        assert "Check your email" in b.get("/signup/sent").get_data(as_text=True)
        (msg,) = catcher.wait_for(1)
    assert accounts() == []  # nothing exists until the link is used
    assert msg["To"] == "ana@example.com"
    assert msg["Subject"] == "Finish creating your Attune account"
    assert "Hi Ana" in text_part(msg)
    link = link_in(msg, "/signup/finish/")

    page = b.get(link)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "ana@example.com" in page.get_data(as_text=True)
    b.refresh_token(link)
    weak = b.post(link, {"password": "short"})
    assert weak.status_code == 400 and accounts() == []
    done = b.post(link, {"password": PASSWORD})  # the weak try did not spend the link
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Hi, Ana" in b.get("/").get_data(as_text=True)
    assert accounts() == ["ana@example.com"]

    again = Browser(app)
    assert again.get(link).status_code == 404  # used once
    assert Browser(app).login("ana@example.com", PASSWORD).status_code == 302


def test_sign_up_finishes_with_a_passkey(app: Any) -> None:
    auth = SoftAuthenticator()
    b = Browser(app)
    resp = passkey_sign_up(b, auth, email="bo@example.com", name="Bo")
    assert resp.status_code == 200 and resp.get_json()["ok"] is True
    assert b.get("/settings").status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email == "bo@example.com"))
    assert user is not None and user.password_hash is None and len(user.passkeys) == 1
    assert passkey_sign_in(Browser(app), auth).status_code == 200


def test_a_taken_address_is_told_so_by_email_and_nothing_changes(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        _, resp = ask(app, "ana@example.com", name="Mallory")
        (msg,) = catcher.wait_for(1)
    assert resp.status_code == 302 and resp.headers["Location"] == "/signup/sent"
    assert msg["Subject"] == "You already have an Attune account"
    body = text_part(msg)
    assert "you already have an account" in body and "/login" in body and "/forgot" in body
    assert "/signup/finish/" not in body and "Mallory" not in body
    assert accounts() == ["ana@example.com"]
    assert Browser(app).login("ana@example.com", PASSWORD).status_code == 302


def test_a_link_whose_address_was_taken_meanwhile_makes_nothing(app: Any) -> None:
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        b, _ = ask(app, "ana@example.com")
        link = link_in(catcher.wait_for(1)[0], "/signup/finish/")
    create_user("ana@example.com", "Ana")  # e.g. through a second, quicker link
    b.refresh_token("/signup")
    resp = b.post(link, {"password": "some other password here"})
    assert resp.status_code == 404 and "already has an Attune account" in resp.get_data(
        as_text=True)
    assert Browser(app).login("ana@example.com", PASSWORD).status_code == 302


def test_sign_up_from_an_invite_comes_back_to_it(app: Any) -> None:
    b = Browser(app)
    b.refresh_token("/signup?next=/pair")
    b.post("/signup", {"name": "Ana", "email": "ana@example.com"})
    link = link_in(latest_mail_to(app, "ana@example.com"), "/signup/finish/")
    b.refresh_token(link)
    assert b.post(link, {"password": PASSWORD}).headers["Location"] == "/pair"


def _timed(call: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def test_taken_and_free_addresses_get_the_same_answer_in_the_same_time(app: Any) -> None:
    """20 tries each, alternating, through a real SMTP server: same status and body (CSRF
    token aside), and median times within a generous band of each other."""
    create_user("taken@example.com", "Ana")
    taken_times, free_times = [], []
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        b = Browser(app)
        b.refresh_token("/signup")
        bodies = set()
        for i in range(TRIES):
            for email, times in (("taken@example.com", taken_times),
                                 (f"free{i}@example.com", free_times)):
                took, resp = _timed(lambda e=email: b.http.post(
                    "/signup", data={"name": "Ana", "email": e, "csrf_token": b.token}))
                times.append(took)
                bodies.add((resp.status_code, resp.headers["Location"],
                            without_csrf(resp.get_data(as_text=True))))
        catcher.wait_for(2 * TRIES)
    assert len(bodies) == 1, bodies
    taken, free = statistics.median(taken_times), statistics.median(free_times)
    print(f"\nsign-up (form), median of {TRIES}: taken {taken * 1000:.1f} ms, "
          f"free {free * 1000:.1f} ms")
    assert 0.5 < taken / free < 2.0, (taken, free)
    assert accounts() == ["taken@example.com"]


def test_passkey_sign_up_answers_the_same_too(app: Any) -> None:
    create_user("taken@example.com", "Ana")
    taken_times, free_times = [], []
    b = Browser(app)
    b.refresh_token("/signup")
    answers = set()
    for i in range(TRIES):
        for email, times in (("taken@example.com", taken_times),
                             (f"free{i}@example.com", free_times)):
            took, resp = _timed(lambda e=email: b.post_json(
                "/auth/passkey/register/options", {"email": e, "name": "Ana"}))
            times.append(took)
            answers.add((resp.status_code, resp.get_data(as_text=True)))
    assert answers == {(200, '{"check_email":true,"ok":true,"redirect":"/signup/sent"}\n')}
    taken, free = statistics.median(taken_times), statistics.median(free_times)
    print(f"\nsign-up (passkey), median of {TRIES}: taken {taken * 1000:.1f} ms, "
          f"free {free * 1000:.1f} ms")
    assert 0.5 < taken / free < 2.0, (taken, free)
    # Each asked address holds exactly one live link; the taken one's is never mailed.
    assert db.session.scalar(sa.select(sa.func.count(EmailToken.id))) == TRIES + 1
