"""The notification worker, exactly once on PostgreSQL: two workers share 200 due reminders,
and a worker killed mid-batch loses nothing (the other sends the rest).

Real processes (``flask notify worker``) against a fresh PostgreSQL database built by the
migrations, pushing to the push service stand-in on loopback, which checks every message's
VAPID signature; the test decrypts each one with its subscription's private key.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.models.types import utcnow
from app.services.webpush import new_private_pem
from tests.push_service import PushService, Subscriber
from tests.scaleout.conftest import _pg_admin
from tests.scaleout.helpers import BIN, METRICS, ROOT

pytestmark = pytest.mark.scaleout
COUNT = 200


@pytest.fixture
def database(tmp_path: Any) -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh database built by the migrations, and the workers' environment."""
    user, admin = _pg_admin()
    name = f"attune_notify_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://{user}@127.0.0.1:5432/{name}"
    env = {k: v for k, v in os.environ.items() if k not in {"ATTUNE_ENV", "PUBLIC_URL"}}
    env.update({"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48),
                "VAPID_PRIVATE_KEY": new_private_pem(), "PYTHONUNBUFFERED": "1",
                "MAIL_DIR": str(tmp_path / "mail")})
    try:
        done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        yield url, env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def seed(url: str, service: PushService, batch: str) -> dict[str, Subscriber]:
    """COUNT people, each with a push subscription and one reminder that is due now."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    phones: dict[str, Subscriber] = {}
    now = utcnow().replace(tzinfo=None)
    with engine.begin() as conn:
        for i in range(COUNT):
            name = f"{batch}-{i}"
            phone = Subscriber(service.endpoint(name))
            phones[f"/push/{name}"] = phone
            keys = phone.subscription()["keys"]
            user_id = conn.execute(sa.text(
                "INSERT INTO users (email, display_name, webauthn_handle, created_at) "
                "VALUES (:e, :n, :h, :t) RETURNING id"),
                {"e": f"{name}@example.com", "n": f"P{i}", "h": secrets.token_bytes(32),
                 "t": now}).scalar_one()
            conn.execute(sa.text(
                "INSERT INTO notification_settings (user_id, \"off\", push, email, quiet_start,"
                " quiet_end, timezone) VALUES (:u, '', true, true, NULL, NULL, 'UTC')"),
                {"u": user_id})
            conn.execute(sa.text(
                "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at) "
                "VALUES (:u, :e, :p, :a, :t)"),
                {"u": user_id, "e": phone.endpoint, "p": keys["p256dh"], "a": keys["auth"],
                 "t": now})
            conn.execute(sa.text(
                "INSERT INTO notifications (user_id, kind, key, title, body, path, shown_on, "
                "created_at, due_at, status, next_attempt_at, attempts, outcome, reached, "
                "last_error) VALUES (:u, 'starts_now', :k, :title, 'You and Alex planned it "
                "for now.', '/exercises/1', '/exercises/1', :t, :t, 'pending', :t, 0, '', "
                "'[]', '')"),
                {"u": user_id, "k": f"planned:{name}", "title": f"Time for {name}",
                 "t": now - timedelta(seconds=1)})
    engine.dispose()
    return phones


def worker(env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    """One ``flask notify worker`` process."""
    return subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "notify", "worker",
                             "--poll", "0.2"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=20)


def wait_distinct(service: PushService, paths: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if paths <= {r.path for r in service.received}:
            return
        time.sleep(0.05)
    missing = paths - {r.path for r in service.received}
    raise AssertionError(f"{len(missing)} never arrived; rejected: {service.rejected[:3]}")


def statuses(url: str) -> Counter[str]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT status, outcome FROM notifications")).all()
    engine.dispose()
    return Counter(f"{s}/{o}" for s, o in rows)


def check_payloads(service: PushService, phones: dict[str, Subscriber]) -> None:
    for got in service.received:
        message = json.loads(phones[got.path].decrypt(got.body))
        assert message["title"] == f"Time for {got.path.removeprefix('/push/')}"


def test_two_workers_send_200_due_reminders_once_each(database: Any, tmp_path: Any) -> None:
    url, env = database
    with PushService(delay=0.005) as service, open(tmp_path / "workers.log", "wb") as log:
        phones = seed(url, service, "pair")
        started = time.monotonic()
        a, b = worker(env, log), worker(env, log)
        try:
            wait_distinct(service, set(phones), timeout=120)
            seconds = time.monotonic() - started
            time.sleep(1.0)  # anything extra would show up now
        finally:
            stop(a, b)
        paths = Counter(r.path for r in service.received)
        duplicates = sum(n - 1 for n in paths.values())
        METRICS["notify: two workers, due reminders sent"] = len(paths)
        METRICS["notify: two workers, duplicates"] = duplicates
        METRICS["notify: two workers, seconds for 200 (incl. start-up)"] = seconds
        assert len(paths) == COUNT and duplicates == 0, paths.most_common(3)
        check_payloads(service, phones)
    assert statuses(url) == Counter({"sent/push": COUNT})
    text = (tmp_path / "workers.log").read_text()
    assert text.count("notification worker ready") == 2, text[-2000:]


def test_a_worker_killed_mid_batch_loses_nothing(database: Any, tmp_path: Any) -> None:
    url, env = database
    with PushService(delay=0.02) as service, open(tmp_path / "workers.log", "wb") as log:
        phones = seed(url, service, "kill")
        first = worker(env, log)
        second = None
        try:
            deadline = time.monotonic() + 90
            while len(service.received) < COUNT // 4 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert first.poll() is None, "the first worker stopped by itself"
            first.send_signal(signal.SIGKILL)  # no goodbye: mid-send, lock held
            first.wait(timeout=10)
            killed_at = len(service.received)
            assert killed_at < COUNT, "the first worker finished before it could be killed"
            second = worker(env, log)
            wait_distinct(service, set(phones), timeout=120)
            time.sleep(1.0)
        finally:
            stop(*(p for p in (first, second) if p is not None))
        paths = Counter(r.path for r in service.received)
        duplicates = sum(n - 1 for n in paths.values())
        METRICS["notify: killed worker, sent before the kill"] = killed_at
        METRICS["notify: killed worker, lost"] = COUNT - len(paths)
        METRICS["notify: killed worker, repeated (the one in flight)"] = duplicates
        assert len(paths) == COUNT  # nothing lost
        # At most the message in flight at the kill is sent again; it carries the same Topic,
        # so a push service replaces it, and the same tag, so the phone shows it once.
        assert duplicates <= 1, paths.most_common(3)
        for path, n in paths.items():
            if n > 1:
                topics = {r.headers.get("topic") for r in service.received if r.path == path}
                assert len(topics) == 1
        check_payloads(service, phones)
    assert statuses(url) == Counter({"sent/push": COUNT})
