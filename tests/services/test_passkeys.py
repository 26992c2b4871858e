"""Passkey ceremonies through the server with a small software authenticator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Passkey, User, WebAuthnChallenge
from app.models.types import utcnow
from tests.conftest import Browser, latest_mail_to, link_in
from tests.webauthn_authenticator import SoftAuthenticator


def sign_up_options(b: Browser, email: str = "ana@example.com", name: str = "Ana") -> Any:
    """Ask to sign up, follow the emailed link, and start the passkey ceremony there."""
    b.refresh_token("/signup")
    asked = b.post_json("/auth/passkey/register/options", {"email": email, "name": name})
    assert asked.get_json() == {"ok": True, "check_email": True, "redirect": "/signup/sent"}
    link = link_in(latest_mail_to(b.app, email), "/signup/finish/")
    b.refresh_token(link)
    opts = b.post_json("/auth/passkey/register/options",
                       {"signup_token": link.rsplit("/", 1)[1]})
    assert opts.status_code == 200, opts.get_data(as_text=True)
    return opts.get_json()


def passkey_sign_up(b: Browser, auth: SoftAuthenticator, email: str = "ana@example.com",
                    name: str = "Ana") -> Any:
    """Sign up with a passkey alone, through the emailed link."""
    opts = sign_up_options(b, email, name)
    resp = b.post_json("/auth/passkey/register/verify",
                       {"credential": auth.create(opts), "name": "My phone"})
    b.refresh_token("/settings" if resp.status_code == 200 else "/signup")
    return resp


def passkey_sign_in(b: Browser, auth: SoftAuthenticator, **kw: Any) -> Any:
    """Run the username-less sign-in ceremony."""
    b.refresh_token("/login")
    opts = b.post_json("/auth/passkey/login/options", {})
    assert opts.status_code == 200
    options = opts.get_json()
    assert options["allowCredentials"] == []
    assert options["userVerification"] == "required"
    resp = b.post_json("/auth/passkey/login/verify", {"credential": auth.get(options, **kw)})
    b.refresh_token("/settings" if resp.status_code == 200 else "/login")
    return resp


def test_sign_up_with_a_passkey_alone_then_sign_in_with_it(app: Any) -> None:
    auth = SoftAuthenticator()
    b = Browser(app)
    resp = passkey_sign_up(b, auth)
    assert resp.status_code == 200 and resp.get_json()["ok"] is True
    user = db.session.scalar(sa.select(User).where(User.email == "ana@example.com"))
    assert user is not None and user.password_hash is None
    assert [p.name for p in user.passkeys] == ["My phone"]
    assert b.get("/settings").status_code == 200

    assert b.post("/logout").status_code == 302
    other = Browser(app)
    resp = passkey_sign_in(other, auth)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert other.get("/settings").status_code == 200
    db.session.expire_all()
    pk = db.session.scalar(sa.select(Passkey))
    assert pk is not None and pk.sign_count == 1 and pk.last_used_at is not None


def test_registration_options_require_a_resident_verified_passkey(app: Any) -> None:
    b = Browser(app)
    opts = sign_up_options(b)
    assert opts["authenticatorSelection"]["residentKey"] == "required"
    assert opts["authenticatorSelection"]["userVerification"] == "required"
    assert opts["rp"]["id"] == "localhost"
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0  # no account yet


def test_a_replayed_challenge_is_refused(app: Any) -> None:
    auth = SoftAuthenticator()
    b = Browser(app)
    opts = sign_up_options(b)
    cred = auth.create(opts)
    assert b.post_json("/auth/passkey/register/verify", {"credential": cred}).status_code == 200
    b.refresh_token("/settings")
    assert b.post("/logout").status_code == 302
    b.refresh_token("/login")
    again = b.post_json("/auth/passkey/register/verify", {"credential": cred})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "challenge_missing"
    assert db.session.scalar(sa.select(sa.func.count(Passkey.id))) == 1


def test_an_expired_challenge_is_refused(app: Any) -> None:
    auth = SoftAuthenticator()
    b = Browser(app)
    opts = sign_up_options(b)
    db.session.execute(sa.update(WebAuthnChallenge).values(
        expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    resp = b.post_json("/auth/passkey/register/verify", {"credential": auth.create(opts)})
    assert resp.get_json()["error"]["code"] == "challenge_expired"
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_a_challenge_is_bound_to_its_session(app: Any) -> None:
    auth = SoftAuthenticator()
    victim, attacker = Browser(app), Browser(app)
    opts = sign_up_options(victim)
    attacker.refresh_token("/signup")
    resp = attacker.post_json("/auth/passkey/register/verify", {"credential": auth.create(opts)})
    assert resp.get_json()["error"]["code"] == "challenge_missing"


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:9999"])
def test_a_wrong_origin_is_refused(app: Any, origin: str) -> None:
    auth = SoftAuthenticator()
    b = Browser(app)
    opts = sign_up_options(b)
    resp = b.post_json("/auth/passkey/register/verify",
                       {"credential": auth.create(opts, origin=origin)})
    assert resp.get_json()["error"]["code"] == "passkey_invalid"
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_user_verification_is_required(app: Any) -> None:
    auth = SoftAuthenticator(verify_user=False)
    resp = passkey_sign_up(Browser(app), auth)
    assert resp.get_json()["error"]["code"] == "passkey_invalid"


def test_a_sign_count_that_goes_backwards_is_refused(app: Any) -> None:
    auth = SoftAuthenticator()
    passkey_sign_up(Browser(app), auth)
    assert passkey_sign_in(Browser(app), auth, counter=5).status_code == 200
    resp = passkey_sign_in(Browser(app), auth, counter=3)
    assert resp.get_json()["error"]["code"] == "passkey_invalid"


def test_an_unknown_passkey_gets_a_clear_error(app: Any) -> None:
    resp = passkey_sign_in(Browser(app), SoftAuthenticator(user_handle=b"x" * 32))
    body = resp.get_json()
    assert body["error"]["code"] == "passkey_unknown"
    assert "isn't registered" in body["error"]["message"]


def test_malformed_bodies_get_clear_errors(app: Any) -> None:
    b = Browser(app)
    b.refresh_token("/login")
    b.post_json("/auth/passkey/login/options", {})
    for body in ([], "x", {"credential": 5}, {"credential": {"rawId": "%%%"}}):
        resp = b.post_json("/auth/passkey/login/verify", body)
        assert resp.status_code in (400, 409)
        assert resp.get_json()["ok"] is False


def test_manage_passkeys_add_rename_and_remove_but_not_the_last(app: Any) -> None:
    first, second = SoftAuthenticator(), SoftAuthenticator()
    b = Browser(app)
    passkey_sign_up(b, first)
    b.refresh_token("/settings")
    opts = b.post_json("/auth/passkey/register/options", {}).get_json()
    assert len(opts["excludeCredentials"]) == 1
    added = b.post_json("/auth/passkey/register/verify",
                        {"credential": second.create(opts), "name": "Laptop"})
    assert added.status_code == 200
    ids = db.session.scalars(sa.select(Passkey.id).order_by(Passkey.id)).all()
    assert len(ids) == 2

    b.refresh_token("/settings")
    assert b.post(f"/settings/passkeys/{ids[1]}/rename", {"name": "  Work laptop "}
                  ).status_code == 302
    bad = b.post(f"/settings/passkeys/{ids[1]}/rename", {"name": ""})
    assert bad.status_code == 400 and "give the passkey a name" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Passkey, ids[1]).name == "Work laptop"

    page = b.get("/settings").get_data(as_text=True)
    assert "Work laptop" in page and "not used yet" in page

    b.refresh_token("/settings")
    assert b.post(f"/settings/passkeys/{ids[0]}/delete").status_code == 302
    b.refresh_token("/settings")
    b.post(f"/settings/passkeys/{ids[1]}/delete")
    db.session.expire_all()
    assert db.session.scalars(sa.select(Passkey.id)).all() == [ids[1]]
    assert "only way to sign in" in b.get("/settings").get_data(as_text=True)
    assert b.get("/settings").status_code == 200  # this device stays signed in


def test_removing_a_passkey_signs_out_other_devices(app: Any) -> None:
    first, second = SoftAuthenticator(), SoftAuthenticator()
    phone = Browser(app)
    passkey_sign_up(phone, first)
    phone.refresh_token("/settings")
    opts = phone.post_json("/auth/passkey/register/options", {}).get_json()
    phone.post_json("/auth/passkey/register/verify", {"credential": second.create(opts)})
    laptop = Browser(app)
    passkey_sign_in(laptop, second)
    assert laptop.get("/settings").status_code == 200
    lost = db.session.scalar(sa.select(Passkey.id).order_by(Passkey.id.desc()))
    phone.refresh_token("/settings")
    phone.post(f"/settings/passkeys/{lost}/delete")
    assert laptop.get("/settings").status_code == 302
    assert phone.get("/settings").status_code == 200


def test_another_users_passkey_cannot_be_touched(app: Any, make_browser: Any) -> None:
    owner = Browser(app)
    passkey_sign_up(owner, SoftAuthenticator())
    pk = db.session.scalar(sa.select(Passkey.id))
    intruder = make_browser("eve@example.com", "Eve")
    assert intruder.post(f"/settings/passkeys/{pk}/rename", {"name": "mine"}).status_code == 404
    assert intruder.post(f"/settings/passkeys/{pk}/delete").status_code == 404
    db.session.expire_all()
    assert db.session.get(Passkey, pk).name == "My phone"
