"""Malformed JSON gets a 400 with a clear message on every route that accepts a body."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db

MALFORMED = [b'{"kind": ', b"not json at all", b'{"a": 1,}', b"\xff\xfe{}", b""]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def mutating_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) for every rule that takes a body, placeholders filled in."""
    out = []
    for rule in app.url_map.iter_rules():
        path = rule.build({name: 1 for name in rule.arguments}, append_unknown=False)[1]
        out.extend((method, path) for method in sorted(rule.methods & WRITE_METHODS))
    return out


def table_counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in db.metadata.sorted_tables if t.name != "audit_log"}


def test_every_route_refuses_malformed_json_with_a_clear_400(app: Any, couple: Any) -> None:
    alex, _blair, _c = couple
    alex.refresh_token("/settings")
    routes = mutating_routes(app)
    assert len(routes) >= 15 and ("POST", "/api/exercises") in routes  # the map was read
    before = table_counts()
    for method, path in routes:
        for body in MALFORMED:
            resp = alex.http.open(path, method=method, data=body, headers={
                "Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": alex.token})
            assert resp.status_code == 400, (method, path, body, resp.status_code)
            error = resp.get_json()["error"]
            assert error["code"] == "invalid_json", (path, error)
            assert error["message"].startswith("The request body isn't valid JSON"), error
    assert table_counts() == before  # nothing changed, and alex is still signed in
    assert alex.get("/settings").status_code == 200


def test_the_message_says_where_the_json_breaks(app: Any, couple: Any) -> None:
    alex, _blair, _c = couple
    alex.refresh_token("/settings")
    resp = alex.http.post("/api/exercises", data=b'{"kind": "speaker_listener",\n "first', headers={
        "Content-Type": "application/json", "X-CSRFToken": alex.token})
    assert resp.status_code == 400
    assert "line 2, column" in resp.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/api/exercises", "/auth/passkey/login/verify",
                                  "/auth/passkey/register/options"])
@pytest.mark.parametrize("body", [[], "text", 5, None])
def test_json_routes_need_an_object(app: Any, couple: Any, path: str, body: Any) -> None:
    alex, _blair, _c = couple
    alex.refresh_token("/settings")
    resp = alex.http.post(path, json=body, headers={"X-CSRFToken": alex.token,
                                                    "Accept": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["error"] == {
        "code": "invalid", "message": 'The request body must be a JSON object, like {"key": '
                                      '"value"}.'}


def test_a_valid_body_still_works(app: Any, couple: Any) -> None:
    alex, _blair, _c = couple
    resp = alex.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me"})
    assert resp.status_code == 201
