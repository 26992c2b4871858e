"""Settings: change name, email (confirmed at the new address, the old one told) and password,
re-authenticating; remove the password once a passkey exists, never the last way in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import User, UserSession
from app.models.types import utcnow
from tests.conftest import (
    PASSWORD,
    Browser,
    create_user,
    latest_mail_to,
    link_in,
    smtp_server,
    text_part,
)
from tests.realtime.conftest import Socket
from tests.services.test_passkeys import passkey_sign_in, passkey_sign_up
from tests.webauthn_authenticator import SoftAuthenticator

NEW = "a completely new sentence"


def user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def signed_in(app: Any, email: str = "ana@example.com") -> Browser:
    b = Browser(app)
    assert b.login(email).status_code == 302
    return b


def test_change_name(app: Any, make_browser: Any) -> None:
    b = make_browser("ana@example.com", "Ana")
    assert b.post("/settings/name", {"name": "  Ana María "}).status_code == 302
    assert user("ana@example.com").display_name == "Ana María"
    bad = b.post("/settings/name", {"name": "   "})
    assert bad.status_code == 400 and "what to call you" in bad.get_data(as_text=True)
    assert user("ana@example.com").display_name == "Ana María"


def test_change_password_needs_the_current_one_and_signs_out_other_devices(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    here, other = signed_in(app), signed_in(app)
    live = Socket(app, other, namespace="/")
    wrong = here.post("/settings/password", {"current_password": "not it at all",
                                             "new_password": NEW})
    assert wrong.status_code == 400 and "isn&#39;t your current password" in wrong.get_data(
        as_text=True)
    weak = here.post("/settings/password", {"current_password": PASSWORD, "new_password": "x"})
    assert weak.status_code == 400 and "at least 10 characters" in weak.get_data(as_text=True)
    assert other.get("/settings").status_code == 200  # nothing changed yet

    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        ok = here.post("/settings/password", {"current_password": PASSWORD, "new_password": NEW})
        notice = catcher.wait_for(1)[0]
    assert ok.status_code == 302
    assert notice["Subject"] == "Your Attune password was changed"
    assert here.get("/settings").status_code == 200
    assert other.get("/settings").status_code == 302 and not live.connected()
    assert Browser(app).login("ana@example.com", PASSWORD).status_code == 401
    assert Browser(app).login("ana@example.com", NEW).status_code == 302


def test_a_passkey_only_account_adds_a_password_soon_after_signing_in(app: Any) -> None:
    b = Browser(app)
    passkey_sign_up(b, SoftAuthenticator(), email="bo@example.com", name="Bo")
    page = b.get("/settings").get_data(as_text=True)
    assert "Add a password" in page and "Current password" not in page
    db.session.execute(sa.update(UserSession).values(created_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    stale = b.post("/settings/password", {"new_password": NEW})
    assert stale.status_code == 400 and "sign out and in again" in stale.get_data(as_text=True)
    db.session.execute(sa.update(UserSession).values(created_at=utcnow()))
    db.session.commit()
    assert b.post("/settings/password", {"new_password": NEW}).status_code == 302
    assert Browser(app).login("bo@example.com", NEW).status_code == 302


def test_the_password_goes_only_once_a_passkey_exists(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    b = signed_in(app)
    assert "Remove my password" not in b.get("/settings").get_data(as_text=True)
    last = b.post("/settings/password/remove", {"remove_password": PASSWORD})
    assert last.status_code == 400 and "only way in" in last.get_data(as_text=True)
    assert user("ana@example.com").password_hash

    auth = SoftAuthenticator()
    b.refresh_token("/settings")
    opts = b.post_json("/auth/passkey/register/options", {}).get_json()
    assert b.post_json("/auth/passkey/register/verify",
                       {"credential": auth.create(opts)}).status_code == 200
    b.refresh_token("/settings")
    assert "Remove my password" in b.get("/settings").get_data(as_text=True)
    wrong = b.post("/settings/password/remove", {"remove_password": "not my password"})
    assert wrong.status_code == 400 and user("ana@example.com").password_hash
    assert b.post("/settings/password/remove", {"remove_password": PASSWORD}).status_code == 302
    assert user("ana@example.com").password_hash is None
    assert Browser(app).login("ana@example.com", PASSWORD).status_code == 401
    assert passkey_sign_in(Browser(app), auth).status_code == 200
    # And now the passkey is the last way in: it cannot be removed.
    pk = user("ana@example.com").passkeys[0]
    b.post(f"/settings/passkeys/{pk.id}/delete")
    assert len(user("ana@example.com").passkeys) == 1


def test_change_email_is_confirmed_at_the_new_address_and_told_to_the_old(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    b = signed_in(app)
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        wrong = b.post("/settings/email", {"new_email": "ana@new.example",
                                           "email_password": "not my password"})
        assert wrong.status_code == 400 and catcher.messages == []
        ok = b.post("/settings/email", {"new_email": "Ana@New.example",
                                        "email_password": PASSWORD})
        assert ok.status_code == 302
        confirm, told = catcher.wait_for(2)
        assert user("ana@example.com") is not None  # nothing moves until the link is used
        assert confirm["To"] == "ana@new.example" and told["To"] == "ana@example.com"
        assert "ana@new.example" in text_part(told)
        link = link_in(confirm, "/settings/email/confirm/")

        assert Browser(app).get(link).status_code == 200  # a GET changes nothing
        assert user("ana@example.com") is not None
        b.refresh_token(link)
        done = b.post(link)
        assert done.status_code == 302
        changed = catcher.wait_for(3)[2]
    assert changed["To"] == "ana@example.com" and "ana@new.example" in text_part(changed)
    assert user("ana@example.com") is None and user("ana@new.example") is not None
    assert Browser(app).login("ana@new.example").status_code == 302
    assert Browser(app).login("ana@example.com").status_code == 401
    assert b.post(link).status_code == 404  # once only


def test_an_address_taken_meanwhile_is_not_moved_to(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    b = signed_in(app)
    b.post("/settings/email", {"new_email": "bo@example.com", "email_password": PASSWORD})
    link = link_in(latest_mail_to(app, "bo@example.com"), "/settings/email/confirm/")
    create_user("bo@example.com", "Bo")
    b.refresh_token(link)
    resp = b.post(link)
    assert resp.status_code == 404 and "already uses that address" in resp.get_data(
        as_text=True)
    assert user("ana@example.com") is not None
