"""Every route's access rule: anonymous visitors, other users, and side-effect-free GETs."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Exercise, Passkey
from tests.conftest import Browser

PUBLIC = {
    ("GET", "main.home"), ("GET", "main.offline"), ("GET", "main.manifest"),
    ("GET", "main.service_worker"), ("GET", "main.healthz"), ("GET", "static"),
    ("GET", "main.safety"),
    ("GET", "auth.signup"), ("POST", "auth.signup"), ("GET", "auth.login"),
    ("POST", "auth.login"), ("GET", "auth.forgot"), ("POST", "auth.forgot"),
    ("GET", "auth.reset"), ("POST", "auth.reset"), ("GET", "auth.signup_sent"),
    ("GET", "auth.signup_finish"), ("POST", "auth.signup_finish"),
    ("GET", "settings.confirm_email"), ("POST", "settings.confirm_email"), ("POST", "auth.passkey_register_options"),
    ("POST", "auth.passkey_register_verify"), ("POST", "auth.passkey_login_options"),
    ("POST", "auth.passkey_login_verify"), ("GET", "pairing.invite"),
}

# Every other route needs a signed-in user; path templates get placeholder ids.
PRIVATE = [
    ("POST", "/logout"), ("POST", "/logout-all"), ("GET", "/api/me"),
    ("GET", "/pair"), ("POST", "/pair/invite"), ("GET", "/pair/qr.svg"),
    ("POST", "/i/sometokensometokensometoken"), ("POST", "/pair/code"),
    ("GET", "/pair/unpair"), ("POST", "/pair/unpair"),
    ("GET", "/settings"), ("POST", "/settings/passkeys/1/rename"),
    ("POST", "/settings/passkeys/1/delete"), ("POST", "/settings/sessions/1/end"),
    ("POST", "/settings/name"), ("POST", "/settings/email"), ("POST", "/settings/password"),
    ("POST", "/settings/password/remove"), ("POST", "/settings/teaching"),
    ("GET", "/exercises"), ("POST", "/exercises"), ("POST", "/api/exercises"),
    ("GET", "/exercises/1"), ("GET", "/history"), ("GET", "/history/1"),
    ("GET", "/insights"), ("GET", "/settings/data/attune-export.json"),
    ("GET", "/settings/data/attune-conversations.csv"), ("GET", "/settings/delete"),
    ("POST", "/settings/delete"),
    ("GET", "/prompts"), ("POST", "/prompts"), ("POST", "/prompts/1/delete"),
    ("GET", "/api/prompts"), ("GET", "/api/prompts/surprise"), ("POST", "/api/prompts"),
    ("POST", "/api/prompts/1/delete"),
    # Therapists and sharing (tests/blueprints/test_therapists.py checks each role).
    ("GET", "/therapist"), ("POST", "/therapist/invites"), ("GET", "/therapist/couples/1"),
    ("POST", "/therapist/couples/1/homework"), ("GET", "/therapist/homework/1"),
    ("POST", "/therapist/homework/1"), ("POST", "/therapist/homework/1/withdraw"),
    ("GET", "/therapist/couples/1/print"), ("GET", "/therapist/couples/1/exercises/1"),
    ("GET", "/t/sometokensometokensometoken"), ("POST", "/t/sometokensometokensometoken"),
    ("GET", "/settings/therapists"), ("POST", "/settings/therapists/code"),
    ("POST", "/settings/therapists/1/sharing"), ("POST", "/settings/therapists/1/end"),
]


def test_every_route_is_classified(app: Any) -> None:
    """A new route must be added to PUBLIC or PRIVATE, so its rule is tested."""
    private_rules = set()
    adapter = app.url_map.bind("localhost")
    for method, path in PRIVATE:
        endpoint, _ = adapter.match(path, method=method)
        private_rules.add((method, endpoint))
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, rule.endpoint) in PUBLIC | private_rules, (method, rule.rule)


@pytest.mark.parametrize("method,path", PRIVATE)
def test_anonymous_visitors_are_sent_to_sign_in(app: Any, method: str, path: str) -> None:
    b = Browser(app)
    b.refresh_token("/login")
    resp = b.get(path) if method == "GET" else b.post(path, {})
    if path.startswith("/api/"):
        assert resp.status_code == 401
        return
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login")


def test_anonymous_json_callers_get_a_401_body(app: Any) -> None:
    b = Browser(app)
    resp = b.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me"})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"


def test_another_couples_exercise_is_not_found(couple: Any, make_browser: Any) -> None:
    alex, blair, _c = couple
    made = alex.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me"})
    ex_id = made.get_json()["exercise_id"]
    assert alex.get(f"/exercises/{ex_id}").status_code == 200
    assert blair.get(f"/exercises/{ex_id}").status_code == 200
    eve = make_browser("eve@example.com", "Eve")
    assert eve.get(f"/exercises/{ex_id}").status_code == 404
    assert eve.get(f"/history/{ex_id}").status_code == 404
    assert "the dishes" not in eve.get("/history").get_data(as_text=True)
    assert db.session.get(Exercise, ex_id).phase == "proposed"


def test_unpaired_people_cannot_start_exercises(make_browser: Any) -> None:
    solo = make_browser("solo@example.com", "Solo")
    assert solo.get("/exercises").headers["Location"] == "/pair"
    resp = solo.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_paired"
    assert db.session.scalar(sa.select(sa.func.count(Exercise.id))) == 0


def test_gets_have_no_side_effects(couple: Any) -> None:
    alex, blair, _c = couple
    counts_before = (db.session.scalar(sa.select(sa.func.count(Exercise.id))),
                     db.session.scalar(sa.select(sa.func.count(Passkey.id))))
    for path in ("/", "/pair", "/pair/unpair", "/settings", "/exercises", "/history"):
        assert alex.get(path).status_code in (200, 302)
    assert blair.get("/").status_code == 200
    assert "Alex &amp; Blair" in blair.get("/").get_data(as_text=True) or \
        "Blair &amp; Alex" in blair.get("/").get_data(as_text=True)
    counts_after = (db.session.scalar(sa.select(sa.func.count(Exercise.id))),
                    db.session.scalar(sa.select(sa.func.count(Passkey.id))))
    assert counts_before == counts_after
