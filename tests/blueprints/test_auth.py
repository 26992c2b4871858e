"""Sign-up and sign-in pages, sessions, sign-out, CSRF and rate limits over HTTP."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, Browser, create_user


def test_bad_sign_up_keeps_what_was_typed_and_says_why(app: Any) -> None:
    b = Browser(app)
    b.refresh_token("/signup")
    resp = b.post("/signup", {"name": "Ana", "email": "ana@example"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "doesn&#39;t look like an email address" in html
    assert 'value="Ana"' in html and 'value="ana@example"' in html
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_wrong_password_is_refused_without_saying_which_part(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    b = Browser(app)
    resp = b.login("ana@example.com", "not the password")
    assert resp.status_code == 401
    assert "don&#39;t match an account" in resp.get_data(as_text=True)
    assert b.get("/settings").status_code == 302


def test_login_gives_a_new_session_identifier(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    b = Browser(app)
    b.refresh_token("/login")
    before = b.http.get_cookie("attune_session")
    b.post("/login", {"email": "ana@example.com", "password": PASSWORD})
    after = b.http.get_cookie("attune_session")
    assert before is not None and after is not None and before.value != after.value
    assert after.http_only and after.same_site == "Lax"


def test_next_only_goes_to_local_pages(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    b = Browser(app)
    b.refresh_token("/login")
    resp = b.post("/login?next=https://evil.example/", {"email": "ana@example.com",
                                                         "password": PASSWORD})
    assert resp.headers["Location"] == "/"


def test_sign_out_ends_the_session(make_browser: Any) -> None:
    b = make_browser("ana@example.com", "Ana")
    assert b.get("/settings").status_code == 200
    assert b.post("/logout").status_code == 302
    assert b.get("/settings").status_code == 302


def test_sign_out_of_all_devices_ends_other_sessions(app: Any, make_browser: Any) -> None:
    phone = make_browser("ana@example.com", "Ana")
    laptop = Browser(app)
    laptop.login("ana@example.com")
    assert laptop.get("/settings").status_code == 200
    phone.post("/logout-all")
    assert laptop.get("/settings").status_code == 302
    assert phone.get("/settings").status_code == 302
    again = Browser(app)
    again.login("ana@example.com")
    assert again.get("/settings").status_code == 200


def test_post_without_csrf_token_is_refused(make_browser: Any) -> None:
    b = make_browser("ana@example.com", "Ana")
    resp = b.http.post("/logout-all")
    assert resp.status_code == 400
    assert b.get("/settings").status_code == 200  # nothing changed


def test_json_post_without_csrf_header_is_refused(app: Any) -> None:
    b = Browser(app)
    resp = b.http.post("/auth/passkey/login/options", json={})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "csrf"


def test_sign_in_is_rate_limited_with_a_clear_message(tmp_path: Any) -> None:
    from app import create_app
    from tests.conftest import make_config

    app = create_app(make_config(tmp_path, RATELIMIT_ENABLED=True))
    with app.app_context():
        db.create_all()
        b = Browser(app)
        b.refresh_token("/login")
        # A different address each time: this is the per-client limit, not the per-account one.
        codes = [b.post("/login", {"email": f"x{i}@example.com", "password": "nope nope nope"})
                 .status_code for i in range(11)]
        assert codes[:10] == [401] * 10
        assert codes[10] == 429
        last = b.post("/login", {"email": "x@example.com", "password": "nope nope nope"})
        assert "Too many attempts" in last.get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()


def test_sign_up_shows_every_problem_at_once(app: Any) -> None:
    b = Browser(app)
    b.refresh_token("/signup")
    resp = b.post("/signup", {"name": " ", "email": "nope"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "what to call you" in html and "look like an email" in html
