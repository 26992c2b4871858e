"""The deployment under test: two gunicorn/gevent processes on loopback sharing a fresh
PostgreSQL database (built by the migrations) and a Redis database (message queue and
rate-limit counters).

PostgreSQL and Redis must be running on 127.0.0.1 (CI has them): if they are not, these tests
FAIL with a message saying so; they never skip.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import redis

from tests.scaleout.helpers import BIN, METRICS, ROOT, Cluster, Person, free_port, pair

PG_HOST = os.environ.get("ATTUNE_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ATTUNE_TEST_PG_PORT", "5432"))
PG_USERS = ("root", "postgres")
REDIS_HOST = os.environ.get("ATTUNE_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("ATTUNE_TEST_REDIS_PORT", "6379"))
CLAIM_KEY = "attune-scaleout:claimed"


def _pg_admin() -> tuple[str, psycopg.Connection[Any]]:
    """An autocommit connection to the maintenance database ``test``; fails loudly."""
    errors = []
    for user in PG_USERS:
        url = f"postgresql://{user}@{PG_HOST}:{PG_PORT}/test"
        try:
            return user, psycopg.connect(url, autocommit=True, connect_timeout=3)
        except psycopg.Error as exc:
            errors.append(f"{user}: {str(exc).strip()}")
    pytest.fail(f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT} (database 'test', trust "
                f"auth as {' or '.join(PG_USERS)}): {'; '.join(errors)}. The scale-out tests need "
                "it; start PostgreSQL (see the machine's documentation).", pytrace=False)


def _claim_redis_db() -> tuple[int, redis.Redis]:
    """An empty Redis database number, claimed with a marker key; fails loudly."""
    try:
        probe = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=3)
        probe.ping()
        probe.close()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}: {exc}. The scale-out "
                    "tests need it; start Redis (see the machine's documentation).",
                    pytrace=False)
    numbers = list(range(1, 16))
    random.shuffle(numbers)
    for n in numbers:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=n)
        if client.dbsize() == 0 and client.set(CLAIM_KEY, "1", nx=True, ex=3600):
            return n, client
        client.close()
    pytest.fail("No empty Redis database (1–15) to run the scale-out tests in.", pytrace=False)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Fresh database + migrations, a claimed Redis db, and two server processes."""
    user, admin = _pg_admin()
    redis_db, redis_client = _claim_redis_db()
    db_name = f"attune_scaleout_{secrets.token_hex(4)}"
    db_url = f"postgresql://{user}@{PG_HOST}:{PG_PORT}/{db_name}"
    redis_url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}"
    log_dir = tmp_path_factory.mktemp("scaleout-logs")
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    origins = [f"http://localhost:{p}" for p in ports]
    env = {k: v for k, v in os.environ.items()
           if k not in {"ATTUNE_ENV", "PUBLIC_URL", "RP_ID", "PORT", "RATELIMIT_ENABLED",
                         "PYTHONTRACEMALLOC", "PYTHONDEVMODE", "PYTHONWARNINGS"}}
    env.update({
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "SOCKETIO_CHANNEL": f"attune-test-{db_name}",  # pub/sub ignores the db number
        "ALLOWED_ORIGINS": ",".join(origins),
        "SOCKETIO_ASYNC_MODE": "gevent",
        "PYTHONUNBUFFERED": "1",
        # Sign-up links arrive as .eml files here; the test people open them.
        "MAIL_DIR": str(tmp_path_factory.mktemp("scaleout-mail")),
    })
    admin.execute(f'CREATE DATABASE "{db_name}"')
    deployment = Cluster(db_url=db_url, redis_url=redis_url, env=env, log_dir=log_dir,
                         origins=origins)
    try:
        # The migrations, not create_all(): this proves they work on PostgreSQL.
        migrated = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
                                  cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=120, check=False)
        assert migrated.returncode == 0, (
            f"flask db upgrade failed on PostgreSQL:\n{migrated.stdout}\n{migrated.stderr}")
        # Start ids far apart from any other run on this machine: Socket.IO rooms are named by
        # ids and Redis pub/sub channels are shared by every Redis database number.
        with psycopg.connect(db_url, autocommit=True) as conn:
            for table in ("users", "couples", "exercises"):
                conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                             (table, random.randint(10**6, 10**9)))
        for i, port in enumerate(ports, start=1):
            deployment.spawn(f"process{i}", port)
        for server in deployment.servers:
            server.wait_ready()
        yield deployment
    finally:
        deployment.stop()
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.close()
        redis_client.flushdb()
        redis_client.close()


@pytest.fixture
def servers(cluster: Cluster) -> tuple[Any, Any]:
    """The two long-lived processes (checked alive before each test)."""
    p1, p2 = cluster.servers[0], cluster.servers[1]
    assert p1.alive and p2.alive, "a server process died:\n" + p1.log_tail() + p2.log_tail()
    return p1, p2


@pytest.fixture
def make_couple(cluster: Cluster, servers: tuple[Any, Any]) -> Iterator[Any]:
    """Factory: two people sign up over HTTP (one on each process) and pair."""
    made: list[Person] = []

    def factory(via: str = "code") -> tuple[Person, Person]:
        p1, p2 = servers
        alex, blair = Person("Alex"), Person("Blair")
        made.extend([alex, blair])
        alex.signup(p1, cluster.mail_dir)
        blair.signup(p2, cluster.mail_dir)
        pair(alex, p1, blair, p2, via=via)
        alex.user_id = cluster.user_id(alex.email)
        blair.user_id = cluster.user_id(blair.email)
        return alex, blair

    yield factory
    for person in made:
        person.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print what the scale-out tests measured."""
    if not METRICS:
        return
    terminalreporter.section("scale-out measurements")
    for key, value in METRICS.items():
        if isinstance(value, float):
            value = f"{value:.1f}"
        terminalreporter.write_line(f"{key}: {value}")
