"""Socket.IO test clients for two logged-in partners."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import Flask

from app.extensions import socketio
from tests.conftest import Browser

_ids = itertools.count(1)


class Socket:
    """A Socket.IO test client whose every call runs in a fresh app context, like a server."""

    def __init__(self, app: Flask, browser: Browser, namespace: str = "/exercise") -> None:
        self.app = app
        self.namespace = namespace
        with app.app_context():
            self.client = socketio.test_client(app, namespace=namespace,
                                               flask_test_client=browser.http)

    def connected(self) -> bool:
        """Whether the server accepted (and still holds) the connection."""
        return bool(self.client.is_connected(self.namespace))

    def emit(self, event: str, data: Any) -> Any:
        """Emit and return the acknowledgement."""
        with self.app.app_context():
            return self.client.emit(event, data, namespace=self.namespace, callback=True)

    def received(self) -> list[dict[str, Any]]:
        """Messages pushed by the server since the last call."""
        with self.app.app_context():
            return list(self.client.get_received(self.namespace))

    def pushed_events(self) -> list[dict[str, Any]]:
        """The events inside every pushed ``events`` message, in order."""
        out: list[dict[str, Any]] = []
        for msg in self.received():
            if msg["name"] == "events":
                out.extend(msg["args"][0]["events"])
        return out

    def act(self, exercise_id: int, type_: str, payload: Any = None,
            client_id: str | None = None) -> Any:
        """Send one action with a fresh client id (or the given one, for retries)."""
        return self.emit("act", {"exercise_id": exercise_id, "type": type_,
                                 "payload": payload or {},
                                 "client_id": client_id or f"test-{next(_ids):06d}"})

    def disconnect(self) -> None:
        """Close the connection."""
        with self.app.app_context():
            if self.connected():
                self.client.disconnect(namespace=self.namespace)


@pytest.fixture
def sockets(app: Flask, couple: Any) -> Any:
    """Alex's and Blair's browsers, a socket each on /exercise, and their user ids."""
    alex, blair, c = couple
    a, b = Socket(app, alex), Socket(app, blair)
    yield alex, blair, a, b, c
    a.disconnect()
    b.disconnect()
