"""``make serve``: the production launcher starts its processes, each healthy, and stops them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
import requests

from tests.scaleout.helpers import ROOT, Cluster, free_port

pytestmark = pytest.mark.scaleout
SERVE = [sys.executable, str(ROOT / "scripts" / "serve.py")]


def test_serve_refuses_several_processes_without_postgresql_or_redis() -> None:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    sqlite = subprocess.run(SERVE, env={**base, "SERVE_PROCESSES": "2"}, capture_output=True,
                            text=True, timeout=30, check=False)
    assert sqlite.returncode == 2 and "PostgreSQL" in sqlite.stderr
    no_redis = subprocess.run(SERVE, env={**base, "SERVE_PROCESSES": "2",
                                          "DATABASE_URL": "postgresql://x@127.0.0.1/x"},
                              capture_output=True, text=True, timeout=30, check=False)
    assert no_redis.returncode == 2 and "Redis" in no_redis.stderr


def test_serve_starts_healthy_processes_and_stops_them(cluster: Cluster, tmp_path: Any) -> None:
    port = free_port()
    while free_port() == port + 1:
        port = free_port()
    env: dict[str, Any] = {**cluster.env, "SERVE_PROCESSES": "2", "SERVE_PORT": str(port),
                           "ALLOWED_ORIGINS": f"http://localhost:{port}"}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(SERVE, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        for p in (port, port + 1):
            deadline = time.monotonic() + 60
            while True:
                try:
                    resp = requests.get(f"http://127.0.0.1:{p}/healthz", timeout=5)
                    break
                except requests.RequestException:  # not listening, or still loading
                    assert proc.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, f"process on {p} never answered"
                    time.sleep(0.2)
            assert resp.status_code == 200
            assert resp.json() == {"ok": True, "database": "ok", "redis": "ok"}
            assert len(resp.headers["X-Request-ID"]) >= 8
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=45) == 0
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
