"""Real-browser fixtures: a live Attune server on loopback and Debian's Chromium as a phone.

The server is the real app (``create_app``) on a fresh SQLite file, served by werkzeug's threaded
server on a background thread. Flask-SocketIO in threading mode wraps ``app.wsgi_app``, so
Socket.IO works over long-polling and over WebSocket (simple-websocket takes the raw socket that
werkzeug hands it). Pages are opened as ``http://localhost:PORT`` because WebAuthn refuses an IP
address as the relying-party id.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from app import create_app
from app.extensions import db, socketio
from tests.conftest import make_config

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 664}
SUMMARY_KEY = pytest.StashKey[list[str]]()
# The live servers' mail folders, so helpers can follow the links Attune emails.
MAIL_DIRS: list[Path] = []


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Show the audit scores at the end of the run, with or without ``-s``."""
    lines = config.stash.get(SUMMARY_KEY, [])
    if lines:
        terminalreporter.section("browser audits")
        for line in lines:
            terminalreporter.write_line(line)


@dataclass
class LiveServer:
    """A running Attune server: ``url`` is ``http://localhost:PORT``."""

    app: Flask
    port: int

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"


def _placeholder(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on 127.0.0.1:<free port>, one fresh database per test module."""
    # Bind first (port 0 = a free port, no race), then build the app knowing its origin.
    server: BaseWSGIServer = make_server("127.0.0.1", 0, _placeholder, threaded=True)
    port = server.server_port
    tmp = tmp_path_factory.mktemp("live")
    app = create_app(make_config(tmp, ALLOWED_ORIGINS=[f"http://localhost:{port}"]))
    with app.app_context():
        db.create_all()
    server.app = app
    MAIL_DIRS.append(Path(app.config["MAIL_DIR"]))

    werkzeug_log = logging.getLogger("werkzeug")
    old_level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # no line per request
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name=f"attune-live-{port}", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, port=port)
    finally:
        socketio.server.shutdown()  # the engine.io ping/service task
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        werkzeug_log.setLevel(old_level)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium (``playwright install`` cannot download here); never skip."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium); "
                    "it is missing, so the browser suite cannot run.", pytrace=False)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replace pytest-playwright 0.10's fallback ``base_url`` fixture: it is defined as an instance
    method, which pytest 9 deprecates with a warning that ``filterwarnings = error`` turns into an
    error. Each phone context gets the live server's URL instead (see ``phone``)."""


Scheme = Literal["light", "dark"]
PhoneFactory = Callable[..., Any]


@pytest.fixture
def phone(new_context: Any, live_server: LiveServer) -> PhoneFactory:
    """Make a phone-sized browser context (an iPhone 13/14-like screen) on the live server.

    Contexts are closed by pytest-playwright at the end of the test, before the server stops.
    """

    def factory(color_scheme: Scheme = "light", **kwargs: Any) -> Any:
        context = new_context(
            viewport=PHONE, screen=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
            color_scheme=color_scheme, reduced_motion="reduce", locale="en-GB",
            timezone_id="Europe/London", base_url=live_server.url, **kwargs)
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        return context

    return factory
