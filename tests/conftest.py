"""Shared fixtures: an app on a fresh SQLite file, clients, users and a paired couple."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as email_default
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from app.models import User
from app.services import pairing
from app.services.accounts import sign_up_with_password

PASSWORD = "correct horse battery staple"


class MailCatcher:
    """What a real SMTP server on loopback received (aiosmtpd), as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content, _class=EmailMessage,
                                                policy=email_default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until ``count`` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} messages arrived"
        return self.messages


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(port: int | None = None, host: str = "127.0.0.1") -> Iterator[
        tuple[MailCatcher, str]]:
    """A real SMTP server on loopback for the duration; yields it and its SMTP_URL."""
    from aiosmtpd.controller import Controller

    catcher = MailCatcher()
    controller = Controller(catcher, hostname=host, port=port or free_port(host))
    controller.start()
    try:
        yield catcher, f"smtp://{host}:{controller.port}"
    finally:
        controller.stop()


def text_part(message: EmailMessage) -> str:
    """The plain-text body of a message."""
    part = message.get_body(("plain",))
    assert part is not None, "message has no text/plain part"
    return str(part.get_content())


def link_in(message: EmailMessage, path_prefix: str) -> str:
    """The path (from ``path_prefix`` on) of the link in a message's plain text."""
    match = re.search(rf"https?://[^\s/]+({re.escape(path_prefix)}[^\s]*)", text_part(message))
    assert match, f"no {path_prefix} link in: {text_part(message)}"
    return match.group(1)


def mail_folder(app: Flask) -> list[EmailMessage]:
    """The messages written to the development mail folder, oldest first."""
    folder = Path(app.config["MAIL_DIR"])
    return [message_from_bytes(p.read_bytes(), _class=EmailMessage, policy=email_default)
            for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


def latest_mail_to(app: Flask, email: str) -> EmailMessage:
    """The newest message in the mail folder addressed to ``email``."""
    mine = [m for m in mail_folder(app) if m["To"] == email]
    assert mine, f"no mail to {email}"
    return mine[-1]


def make_config(tmp_path: Any, **overrides: Any) -> dict[str, Any]:
    """Test settings: a throwaway database, a fixed secret, threading sockets."""
    cfg = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/attune-test.sqlite3",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 15,
                                                       "check_same_thread": False}},
        "SOCKETIO_ASYNC_MODE": "threading",
        "SOCKETIO_MESSAGE_QUEUE": None,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        # The same scrypt code path at a test-friendly cost (production uses the default).
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        # Mail goes to a folder of .eml files (tests read it); SMTP tests set SMTP_URL.
        "SMTP_URL": "",
        "MAIL_DIR": f"{tmp_path}/mail",
    }
    cfg.update(overrides)
    return cfg


@pytest.fixture
def app(tmp_path: Any) -> Iterator[Flask]:
    """A fresh app and schema for one test."""
    application = create_app(make_config(tmp_path))
    with application.app_context():
        db.create_all()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An anonymous browser."""
    app.test_client_class = _FreshContextClient
    return app.test_client()


def csrf_from(html: str) -> str:
    """Pull the CSRF token out of a rendered page."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def without_csrf(html: str) -> str:
    """A page with its per-session CSRF token blanked, so two visitors' pages compare equal."""
    html = re.sub(r'(name="csrf-token" content=")[^"]+', r"\1", html)
    return re.sub(r'(name="csrf_token" value=")[^"]+', r"\1", html)


class _FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production: ``g`` (the cached user, the
    CSRF token) must not leak from one request to the next while a test holds a context."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


class Browser:
    """A test client that behaves like a browser: it carries the CSRF token."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        app.test_client_class = _FreshContextClient
        self.http = app.test_client()
        self.token = ""

    def refresh_token(self, path: str = "/") -> str:
        """Load a page and keep its CSRF token."""
        resp = self.http.get(path)
        if resp.status_code == 200 and b"csrf" in resp.data:
            self.token = csrf_from(resp.get_data(as_text=True))
        return self.token

    def get(self, path: str, **kw: Any) -> Any:
        """GET a page."""
        return self.http.get(path, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        """POST a form with the CSRF token."""
        if not self.token:
            self.refresh_token("/login")
        return self.http.post(path, data={**(data or {}), "csrf_token": self.token}, **kw)

    def post_json(self, path: str, body: Any = None, **kw: Any) -> Any:
        """POST JSON with the CSRF header, as the app's fetch() does."""
        if not self.token:
            self.refresh_token("/login")
        return self.http.post(path, json=body if body is not None else {},
                              headers={"X-CSRFToken": self.token, "Accept": "application/json"},
                              **kw)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        """Sign in with a password and pick up the new session's token."""
        self.refresh_token("/login")
        resp = self.post("/login", {"email": email, "password": password})
        self.refresh_token("/settings")
        return resp


def create_user(email: str, name: str, password: str = PASSWORD) -> User:
    """Make an account with a password."""
    return sign_up_with_password(email=email, name=name, password=password)


@pytest.fixture
def make_browser(app: Flask) -> Any:
    """Factory for browsers, optionally signed in as a new user."""

    def factory(email: str | None = None, name: str = "Sam") -> Browser:
        browser = Browser(app)
        if email:
            create_user(email, name)
            resp = browser.login(email)
            assert resp.status_code == 302
        return browser

    return factory


@pytest.fixture
def couple(app: Flask, make_browser: Any) -> tuple[Browser, Browser, Any]:
    """Two signed-in partners, Alex and Blair, paired."""
    alex = make_browser("alex@example.com", "Alex")
    blair = make_browser("blair@example.com", "Blair")
    a = db.session.scalar(db.select(User).where(User.email == "alex@example.com"))
    b = db.session.scalar(db.select(User).where(User.email == "blair@example.com"))
    new = pairing.create_invite(a)
    c = pairing.redeem(new.invite, b)
    return alex, blair, c
