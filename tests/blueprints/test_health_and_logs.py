"""The health endpoint says what is unreachable; request logs carry an id and no secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from tests.conftest import make_config


def test_health_is_ok_when_the_database_answers(client: Any) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"ok": True, "database": "ok", "redis": "not used"}


def _app(tmp_path: Any, **overrides: Any) -> Iterator[Flask]:
    application = create_app(make_config(tmp_path, **overrides))
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def test_health_names_an_unreachable_database(tmp_path: Any) -> None:
    for app in _app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/no/such/dir.db"):
        resp = app.test_client().get("/healthz")
        assert resp.status_code == 503
        assert resp.get_json()["database"] == "unreachable"


def test_health_names_an_unreachable_redis(tmp_path: Any) -> None:
    for app in _app(tmp_path, REDIS_URL="redis://127.0.0.1:1/0"):
        with app.app_context():
            db.create_all()
        resp = app.test_client().get("/healthz")
        assert resp.status_code == 503
        assert resp.get_json() == {"ok": False, "database": "ok", "redis": "unreachable"}


@pytest.fixture
def json_logs(tmp_path: Any) -> Iterator[tuple[Flask, io.StringIO]]:
    """An app logging JSON lines; what its handler writes (to stderr in production) is kept."""
    written = io.StringIO()
    attune = logging.getLogger("attune")
    for app in _app(tmp_path, LOG_FORMAT="json"):
        db.create_all()
        (handler,) = [h for h in attune.handlers if getattr(h, "attune_json", False)]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(written)
        yield app, written
    for handler in [h for h in attune.handlers if getattr(h, "attune_json", False)]:
        attune.removeHandler(handler)
    attune.propagate = True


def _lines(written: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in written.getvalue().splitlines()]


def test_each_request_is_one_json_line_with_its_id_and_never_the_secret_path(
        json_logs: tuple[Flask, io.StringIO]) -> None:
    app, written = json_logs
    client = app.test_client()
    secret = "s3cr3t-invite-token-abcdefghijklmnop"
    resp = client.get(f"/i/{secret}?note=private+words")
    rid = resp.headers["X-Request-ID"]
    lines = [line for line in _lines(written) if line["message"] == "request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == rid and line["route"] == "/i/<token>"
    assert line["method"] == "GET" and line["status"] == resp.status_code and line["ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "attune.request"
    text = json.dumps(lines)
    assert secret not in text and "private" not in text


def test_a_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(
        json_logs: tuple[Flask, io.StringIO]) -> None:
    app, written = json_logs
    client = app.test_client()
    kept = client.get("/", headers={"X-Request-ID": "proxy-1234abcd"})
    assert kept.headers["X-Request-ID"] == "proxy-1234abcd"
    replaced = client.get("/", headers={"X-Request-ID": "bad id; with spaces"})
    assert replaced.headers["X-Request-ID"] != "bad id; with spaces"
    assert len(replaced.headers["X-Request-ID"]) == 12
    ids = [line["request_id"] for line in _lines(written) if line["message"] == "request"]
    assert ids == ["proxy-1234abcd", replaced.headers["X-Request-ID"]]
