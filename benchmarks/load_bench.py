"""How many couples one Attune process carries, against a bare Flask-SocketIO relay.

    make bench-load                      # the whole ladder, both servers, profile at capacity
    .venv/bin/python benchmarks/load_bench.py --steps 25,50,75 --seconds 10
    .venv/bin/python benchmarks/load_bench.py --smoke        # N = 5, both servers (CI)

Builds its own deployment on loopback: a fresh PostgreSQL database (from the migrations) beside
the tests' ``test`` database, an empty Redis database number for the Socket.IO queue, and two
``gunicorn -k gevent -w 1`` processes: Attune (``wsgi:app``) and the bare relay
(``benchmarks/load/relay_app.py``: the same event names, no sign-in, state or database). Couples
are made through the services (paired, an exercise proposed and accepted, a signed-in session
each), then ``benchmarks/load/client.py`` — a separate asyncio process — drives them over real
WebSockets: the speaker shares and the listener reflects (through the guard) in turn, each
partner about once a second.

For each N (10, then steps of 25 couples, then 50) the two servers run one after the other, alternating
which goes first, so machine noise hits both: push latency p50/p95/p99/max, errors, the server
worker's CPU and memory, the client's CPU, the load average. **Capacity** is the largest N with
p99 ≤ 100 ms and no errors; a server stops climbing after two failed steps in a row. Prints the
table and the capacity ratio, writes ``bench/results/latest.json`` and, when py-spy is
installed, profiles Attune's worker at its capacity and prints the top frames. ``--two`` adds
"attune2": two Attune processes sharing the Redis queue, speakers on one and listeners on the
other; ``--baseline DIR`` adds another checkout ("before") to compare a change in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg
import redis

BIN = Path(sys.executable).parent
PG = os.environ.get("ATTUNE_BENCH_PG", "127.0.0.1:5432")
REDIS_HOST = "127.0.0.1"
P99_LIMIT_MS = 100.0
DEFAULT_STEPS = [10, 25, 50, 75, 100] + list(range(150, 801, 50))
RESULTS = ROOT / "bench" / "results" / "latest.json"
USER_AGENT = "attune-load-bench/1"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- deployment -------------------------------------------------------------------------------


class Server:
    """One gunicorn/gevent process with one worker; its worker's pid for CPU and py-spy."""

    def __init__(self, name: str, app: str, env: dict[str, str], log_dir: Path,
                 chdir: Path = ROOT) -> None:
        self.name, self.app, self.env, self.chdir = name, app, env, chdir
        self.port = free_port()
        self.origin = f"http://localhost:{self.port}"
        self.log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 (closed in stop)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-k", "gevent", "-w", "1", "--no-control-socket",
             "--bind", f"127.0.0.1:{self.port}", "--worker-connections", "4000",
             "--timeout", "120", "--graceful-timeout", "2", "--log-level", "warning",
             "--chdir", str(self.chdir), self.app],
            cwd=self.chdir, env=self.env, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited; see its log")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz",
                                            timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} not ready after {timeout} s")

    @property
    def worker_pid(self) -> int:
        assert self.proc is not None
        pid = self.proc.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return int(children[0])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 2)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)
        self.log.close()


class Deployment:
    """A fresh database and Redis db, both servers, and the couples made so far."""

    def __init__(self, tmp: Path, baseline: Path | None = None, two: bool = False) -> None:
        self.tmp = tmp
        self.baseline = baseline
        self.two = two
        self.admin = self._admin()
        self.db_name = f"attune_load_{secrets.token_hex(4)}"
        self.admin.execute(f'CREATE DATABASE "{self.db_name}"')
        self.redis_db, self.redis = self._claim_redis()
        self.db_url = f"postgresql://{self.admin.info.user}@{PG}/{self.db_name}"
        self.redis_url = f"redis://{REDIS_HOST}:6379/{self.redis_db}"
        self.secret = secrets.token_urlsafe(48)
        self.couples: list[dict[str, Any]] = []
        self.servers: dict[str, Server] = {}
        self.app: Any = None

    @staticmethod
    def _admin() -> psycopg.Connection[Any]:
        for user in ("root", "postgres"):
            try:
                return psycopg.connect(f"postgresql://{user}@{PG}/test", autocommit=True,
                                       connect_timeout=3)
            except psycopg.Error:
                continue
        raise SystemExit(f"PostgreSQL is not reachable on {PG} (database test, trust auth)")

    @staticmethod
    def _claim_redis() -> tuple[int, redis.Redis]:
        numbers = list(range(1, 16))
        random.shuffle(numbers)
        for n in numbers:
            client = redis.Redis(host=REDIS_HOST, port=6379, db=n)
            if client.dbsize() == 0 and client.set("attune-load:claimed", "1", nx=True,
                                                   ex=7200):
                return n, client
            client.close()
        raise SystemExit("no empty Redis database (1–15) for the benchmark")

    def env(self, origin_port: int, channel: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in {"ATTUNE_ENV", "PUBLIC_URL", "RP_ID", "PORT", "PYTHONWARNINGS"}}
        env.update(SECRET_KEY=self.secret, DATABASE_URL=self.db_url, REDIS_URL=self.redis_url,
                   SOCKETIO_CHANNEL=channel, SOCKETIO_ASYNC_MODE="gevent",
                   ALLOWED_ORIGINS=f"http://localhost:{origin_port}",
                   MAIL_DIR=str(self.tmp / "mail"), PYTHONUNBUFFERED="1")
        return env

    def start(self) -> None:
        migrate_env = self.env(0, "unused")
        migrate_env["ALLOWED_ORIGINS"] = "http://localhost:1"
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                       env=migrate_env, check=True, capture_output=True)
        attune = Server("attune", "wsgi:app", {}, self.tmp)
        relay = Server("relay", "relay_app:app", {}, self.tmp, chdir=ROOT / "benchmarks" / "load")
        attune.env = self.env(attune.port, f"attune-load-{self.db_name}")
        if self.two:
            # A second Attune process on the same database and queue channel: with "attune2"
            # the speakers are on the first and the listeners on this one.
            second = Server("attune-b", "wsgi:app", {}, self.tmp)
            both = f"http://localhost:{attune.port},http://localhost:{second.port}"
            attune.env = {**attune.env, "ALLOWED_ORIGINS": both}
            second.env = {**attune.env}
        relay.env = self.env(relay.port, f"attune-relay-{self.db_name}")
        self.servers = {"attune": attune, "relay": relay}
        if self.two:
            self.servers["attune-b"] = second
        if self.baseline is not None:
            # Another checkout of Attune (e.g. main before a change), on the same database.
            before = Server("before", "wsgi:app", {}, self.tmp, chdir=self.baseline)
            before.env = self.env(before.port, f"attune-before-{self.db_name}")
            self.servers["before"] = before
        for server in self.servers.values():
            server.start()
        for server in self.servers.values():
            server.wait_ready()
        self._make_app()

    def _make_app(self) -> None:
        from app import create_app
        from app.config import engine_options

        url = "postgresql+psycopg://" + self.db_url.split("://", 1)[1]
        self.app = create_app({
            "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
            "SECRET_KEY": self.secret, "SOCKETIO_ASYNC_MODE": "threading",
            "SOCKETIO_MESSAGE_QUEUE": None, "MAIL_DIR": str(self.tmp / "mail"),
            "ALLOWED_ORIGINS": ["http://localhost:1"]})

    def ensure_couples(self, n: int) -> None:
        """Make couples through the services until there are ``n``: paired, an exercise
        proposed and accepted (active, the first partner speaking), a session each."""
        if len(self.couples) >= n:
            return
        import flask_login.utils
        from flask.sessions import SecureCookieSessionInterface

        from app.extensions import db
        from app.models import User
        from app.services import exercises, pairing, sessions

        app = self.app
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        assert serializer is not None
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                      headers={"User-Agent": USER_AGENT}):
            identifier = flask_login.utils._create_identifier()

            def cookie(user: User) -> str:
                key = sessions.start(user, user_agent=USER_AGENT)
                value = serializer.dumps({"_user_id": str(user.id), "_fresh": True,
                                          "_id": identifier, "sk": key, "_permanent": True})
                return f"{cookie_name}={value}"

            while len(self.couples) < n:
                i = len(self.couples)
                tag = secrets.token_hex(3)
                alex = User(email=f"alex-{i}-{tag}@load.example", display_name="Alex")
                blair = User(email=f"blair-{i}-{tag}@load.example", display_name="Blair")
                db.session.add_all([alex, blair])
                db.session.commit()
                invite = pairing.create_invite(alex)
                pairing.redeem(invite.invite, blair)
                exercise = exercises.propose(alex, {"kind": "speaker_listener",
                                                    "first_speaker": "me", "topic": "the week"})
                ack = exercises.act(blair, exercise_id=exercise.id, client_id=f"accept-{tag}",
                                    type_="accept", payload={})
                assert ack["ok"], ack
                self.couples.append({"exercise_id": exercise.id, "speaker": cookie(alex),
                                     "listener": cookie(blair)})
                db.session.remove()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        if self.app is not None:
            from app.extensions import db

            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self.admin.close()
        self.redis.flushdb()
        self.redis.close()


# --- one measured step ------------------------------------------------------------------------


def run_step(dep: Deployment, name: str, n: int, seconds: float, warmup: float,
             step_no: int) -> dict[str, Any]:
    server = dep.servers["attune" if name == "attune2" else name]
    plan: dict[str, Any] = {
        "url": f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket",
        "origin": server.origin, "seconds": seconds, "warmup": warmup,
        "server_pids": [server.worker_pid], "couples": dep.couples[:n],
        "tag": f"s{step_no}{name[0]}{name[-1]}{secrets.token_hex(2)}"}
    if name == "attune2":
        second = dep.servers["attune-b"]
        plan.update(listener_url=f"ws://127.0.0.1:{second.port}/socket.io/?EIO=4"
                    "&transport=websocket", listener_origin=second.origin,
                    server_pids=[server.worker_pid, second.worker_pid])
    load_before = load_average()
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load" / "client.py")],
                          input=json.dumps(plan), capture_output=True, text=True,
                          timeout=seconds + warmup + 600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the load client failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout)
    result.update(server=name, n=n, load_before=load_before, load_after=load_average())
    result["ok"] = (result["errors"] == 0 and result["connected"] == n
                    and result["push_ms"]["p99"] <= P99_LIMIT_MS and result["actions"] > 0)
    return result


def row(r: dict[str, Any]) -> str:
    p = r["push_ms"]
    kinds = ",".join(f"{k}:{v}" for k, v in sorted(r["error_kinds"].items()))
    return (f"{r['server']:<7}{r['n']:>5}{r['actions_per_s']:>8}{p['p50']:>8}{p['p95']:>8}"
            f"{p['p99']:>8}{p['max']:>8}{r['errors']:>7}{r['server_cpu_pct']:>7}"
            f"{r['server_cpu_ms_per_action'] or 0:>8}{r['server_rss_mb']:>7}"
            f"{r['client_cpu_pct']:>7}  {r['load_before']:<15}{'ok' if r['ok'] else 'FAIL'}"
            f"{'  ' + kinds if kinds else ''}")


HEADER = (f"{'server':<7}{'N':>5}{'act/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}"
          f"{'errors':>7}{'cpu%':>7}{'ms/act':>8}{'rssMB':>7}{'cli%':>7}  {'load (1/5/15)':<15}")


# --- profile ----------------------------------------------------------------------------------


def profile(dep: Deployment, n: int, seconds: float, warmup: float) -> dict[str, Any] | None:
    """py-spy on Attune's worker while the client drives ``n`` couples; top frames."""
    spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if spy is None:
        print("py-spy is not installed (pip install py-spy): no profile")
        return None
    server = dep.servers["attune"]
    out = dep.tmp / "profile.txt"
    recorder = subprocess.Popen(
        [spy, "record", "-p", str(server.worker_pid), "--nonblocking", "--function",
         "--full-filenames",
         "-d", str(int(seconds + warmup)), "-f", "raw", "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    result = run_step(dep, "attune", n, seconds, warmup, 999)
    _, err = recorder.communicate(timeout=120)
    if not out.exists():
        print(f"py-spy recorded nothing: {err.decode(errors='replace')[-500:]}")
        return None
    return summarize_profile(out.read_text(), n, result)


def _frame_name(frame: str) -> str:
    # "func (path/to/module.py:12)" → "func (module.py)" with the package for context
    func, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    parts = Path(path).parts
    short = "/".join(parts[-2:]) if len(parts) >= 2 else path
    return f"{func} ({short})"


PACKAGES = ("sqlalchemy", "psycopg", "flask_login", "flask_socketio", "socketio", "engineio",
            "simple_websocket", "wsproto", "gevent", "redis", "json", "zlib", "onnxruntime",
            "tokenizers", "flask", "werkzeug")


def _package(frame: str) -> str:
    where = frame.partition(" (")[2]
    if where.startswith(str(ROOT / "app")):
        return "attune (app/)"
    for pkg in PACKAGES:
        if f"-packages/{pkg}/" in where or f"-packages/{pkg}." in where or \
                f"/python3.11/{pkg}/" in where:
            return pkg
    return "other (stdlib, …)"


def summarize_profile(raw: str, n: int, result: dict[str, Any]) -> dict[str, Any]:
    inner: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if f and not f.startswith("process ")
                  and not f.startswith("thread ")]
        if not frames:
            continue
        total += count
        inner[_frame_name(frames[-1])] += count
        packages[_package(frames[-1])] += count
        for name in {_frame_name(f) for f in frames}:
            inclusive[name] += count

    def top(counter: Counter[str], k: int) -> list[tuple[str, float]]:
        return [(name, round(100 * c / total, 1)) for name, c in counter.most_common(k)]

    return {"n": n, "busy_samples": total, "step": result,
            "innermost": top(inner, 15), "inclusive": top(inclusive, 25),
            "innermost_by_package": top(packages, 12)}


def print_profile(prof: dict[str, Any]) -> None:
    print(f"\nProfile of Attune's worker at {prof['n']} couples ({prof['busy_samples']} busy "
          "samples; py-spy --nonblocking)")
    print("  innermost, by package:")
    for name, pct in prof["innermost_by_package"]:
        print(f"    {pct:5.1f} %  {name}")
    print("  innermost frames:")
    for name, pct in prof["innermost"]:
        print(f"    {pct:5.1f} %  {name}")
    print("  inclusive frames:")
    for name, pct in prof["inclusive"]:
        print(f"    {pct:5.1f} %  {name}")


# --- main -------------------------------------------------------------------------------------


def capacity(results: list[dict[str, Any]], name: str) -> int:
    passed = [r["n"] for r in results if r["server"] == name and r["ok"]]
    return max(passed, default=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", help="comma-separated couple counts (default 10, then "
                        "25..100 by 25, then by 50 to 800)")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds a step")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--only", choices=["attune", "relay"])
    parser.add_argument("--smoke", action="store_true", help="N = 5, both servers, short")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--two", action="store_true", help="also measure 'attune2': two "
                        "Attune processes sharing the Redis queue, speakers on one, listeners "
                        "on the other (CPU and memory summed)")
    parser.add_argument("--baseline", type=Path, help="another checkout of Attune (e.g. "
                        "`git worktree add /tmp/base main`), measured as a third server "
                        "'before', interleaved with the others")
    args = parser.parse_args()
    if args.smoke:
        steps, args.seconds, args.warmup, args.no_profile = [5], 4.0, 1.0, True
    elif args.steps:
        steps = sorted({int(s) for s in args.steps.split(",")})
    else:
        steps = DEFAULT_STEPS
    names = [args.only] if args.only else ["attune", "relay"]
    if args.two and not args.only:
        names.append("attune2")
    if args.baseline:
        names.append("before")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="attune-load-") as tmp_name:
        dep = Deployment(Path(tmp_name), args.baseline, two=args.two)
        results: list[dict[str, Any]] = []
        prof = None
        try:
            dep.start()
            print(f"deployment ready: PostgreSQL {dep.db_name}, Redis db {dep.redis_db}; "
                  f"{os.cpu_count()} cores, load {load_average()}")
            print(HEADER)
            failed = dict.fromkeys(names, 0)
            for i, n in enumerate(steps):
                climbing = [s for s in names if failed[s] < 2]
                if not climbing:
                    break
                dep.ensure_couples(n)
                order = climbing[i % len(climbing):] + climbing[:i % len(climbing)]
                for name in order:
                    r = run_step(dep, name, n, args.seconds, args.warmup, i)
                    results.append(r)
                    print(row(r), flush=True)
                    collapsed = r["push_ms"]["p50"] > 1000 or r["connected"] < n
                    failed[name] = 2 if collapsed else (0 if r["ok"] else failed[name] + 1)
            caps = {name: capacity(results, name) for name in names}
            if "attune" in names and not args.no_profile:
                at = caps["attune"] or steps[0]
                prof = profile(dep, at, args.seconds, args.warmup)
        finally:
            dep.stop()
    print()
    for name in names:
        print(f"capacity {name}: {caps[name]} couples (p99 ≤ {P99_LIMIT_MS:.0f} ms, no errors)")
    ratio = None
    if "relay" in caps and "attune" in caps:
        if caps["relay"]:
            ratio = round(caps["attune"] / caps["relay"], 3)
            print(f"capacity ratio attune/relay: {ratio}")
            for other in ("attune2", "before"):
                if other in caps:
                    print(f"capacity ratio {other}/relay: "
                          f"{round(caps[other] / caps['relay'], 3)}")
        else:
            print("capacity ratio attune/relay: none (even the relay missed p99 ≤ "
                  f"{P99_LIMIT_MS:.0f} ms at its first step: the machine is too busy; load "
                  f"{load_average()})")
    for name in names:
        mine = [r["server_cpu_ms_per_action"] for r in results
                if r["server"] == name and r["server_cpu_ms_per_action"]]
        if mine:
            print(f"server CPU per action, {name}: median {sorted(mine)[len(mine) // 2]} ms "
                  f"over {len(mine)} steps")
    if prof:
        print_profile(prof)
    report = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                          "load_at_end": load_average()},
              "seconds_per_step": args.seconds, "p99_limit_ms": P99_LIMIT_MS,
              "steps": results, "capacity": caps, "ratio": ratio, "profile": prof,
              "took_s": round(time.perf_counter() - started, 1)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {args.json} ({report['took_s']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
