"""``make serve``: Attune in production on this machine — several gunicorn/gevent processes.

    SERVE_PROCESSES=2 SERVE_PORT=8001 make serve

Migrates the database once, then starts SERVE_PROCESSES processes (one gevent worker each,
deploy/gunicorn.conf.py) on 127.0.0.1:SERVE_PORT, SERVE_PORT+1, … for a proxy in front
(deploy/nginx.conf). More than one process needs PostgreSQL (DATABASE_URL) and Redis
(REDIS_URL) for the Socket.IO queue and the shared rate limits; it refuses to start without
them. Stops them all on Ctrl-C or SIGTERM, and stops the rest if one dies (a supervisor such as
systemd restarts the whole set).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def main() -> int:
    processes = int(os.environ.get("SERVE_PROCESSES", "2"))
    first_port = int(os.environ.get("SERVE_PORT", "8001"))
    database = os.environ.get("DATABASE_URL", "")
    if processes > 1 and not database.startswith(("postgresql://", "postgres://")):
        print("make serve: more than one process needs PostgreSQL: set DATABASE_URL="
              "postgresql://… (or SERVE_PROCESSES=1 for SQLite).", file=sys.stderr)
        return 2
    if processes > 1 and not os.environ.get("REDIS_URL"):
        print("make serve: more than one process needs Redis for the Socket.IO queue and the "
              "shared rate limits: set REDIS_URL=redis://127.0.0.1:6379/0.", file=sys.stderr)
        return 2
    migrated = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                              check=False)
    if migrated.returncode != 0:
        return migrated.returncode
    children = []
    for i in range(processes):
        env = {**os.environ, "BIND": f"127.0.0.1:{first_port + i}"}
        children.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "wsgi:app"],
            cwd=ROOT, env=env))
        print(f"attune process {i + 1} on http://127.0.0.1:{first_port + i}", flush=True)

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        dead = [c for c in children if c.poll() is not None]
        if dead:
            code = dead[0].returncode or 1
            print(f"make serve: a process exited ({code}); stopping the others", file=sys.stderr)
            break
        time.sleep(0.5)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown
    for child in children:
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
