"""Share → push latency of live exercises with the guard's encoder against the rules-only guard.

    .venv/bin/python benchmarks/guard_realtime_bench.py [--couples 4] [--messages 20]   (make bench)

One run, one deployment on loopback (a fresh PostgreSQL database from the migrations, an empty
Redis database, two ``gunicorn -k gevent -w 1`` processes sharing them): process "encoder" runs
the shipped guard, process "rules" the same guard with ``GUARD_ENCODER=off`` (rules and the
linear model only, the guard before the encoder). Half the couples have their listener on each
process, the speaker on the other, and both halves talk at the same time, so the two guards are
measured under the same load. Each round the speaker shares a line of the couples' dev corpus
and the listener answers with that row's reply; the listener's message is judged by the process
it was sent to.

Printed per guard: share → push (the speaker's share until the listener's phone has it: the
guard plays no part, a control) and listener message → push (the listener's send until the
speaker's phone has the event, delivered or held, which includes the judgement), and the
acknowledgement time of the listener's message. Bounded and torn down at the end.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from realtime_bench import build, teardown

from tests.scaleout.helpers import Cluster, Live, Person, new_client_id, pair, percentile

DEV = ROOT / "tests" / "data" / "listener-moves-dev.csv"
GUARDS = ("encoder", "rules")


def rows() -> list[tuple[str, str]]:
    """(what the speaker said, what the listener answered) from the couples' dev corpus."""
    with DEV.open(encoding="utf-8", newline="") as fh:
        return [(r["speaker_said"], r["text"]) for r in csv.DictReader(fh)
                if r["speaker_said"].strip() and r["text"].strip()]


class Couple(threading.Thread):
    """One couple whose listener is on ``guard``'s process and speaker on the other."""

    def __init__(self, cluster: Cluster, guard: str, pairs: list[tuple[str, str]]) -> None:
        super().__init__(daemon=True)
        self.cluster, self.guard, self.pairs = cluster, guard, pairs
        self.share_ms: list[float] = []
        self.message_ms: list[float] = []
        self.ack_ms: list[float] = []
        self.held = 0
        self.errors: list[str] = []
        self.ready = threading.Event()
        self.go = threading.Event()

    def run(self) -> None:
        by_name = {s.name: s for s in self.cluster.servers}
        here = by_name[self.guard]
        there = by_name["rules" if self.guard == "encoder" else "encoder"]
        speaker, listener = Person("Sam"), Person("Lee")
        s = li = None
        try:
            speaker.signup(there, self.cluster.mail_dir)
            listener.signup(here, self.cluster.mail_dir)
            pair(speaker, there, listener, here, via="code")
            ex_id = speaker.propose(there)
            s, li = Live(speaker, there), Live(listener, here)
            s.join(ex_id)
            li.join(ex_id)
            assert li.act(ex_id, "accept")["ok"]
            self.ready.set()
            self.go.wait()
            for said, answer in self.pairs:
                sent = time.perf_counter()
                ack = s.act(ex_id, "say", {"text": said})
                if not ack["ok"]:
                    self.errors.append(ack["error"]["code"])
                    continue
                arrived = li.wait_for_seq(ex_id, ack["seq"], timeout=15)
                if arrived is None:
                    self.errors.append("share_push_lost")
                    continue
                self.share_ms.append((arrived - sent) * 1000)
                sent = time.perf_counter()
                ack = li.act(ex_id, "say", {"text": answer}, client_id=new_client_id("gb"))
                self.ack_ms.append((time.perf_counter() - sent) * 1000)
                if not ack["ok"]:
                    self.errors.append(ack["error"]["code"])
                    continue
                self.held += bool(ack.get("guard", {}).get("held"))
                arrived = s.wait_for_seq(ex_id, ack["seq"], timeout=15)
                if arrived is None:
                    self.errors.append("message_push_lost")
                else:
                    self.message_ms.append((arrived - sent) * 1000)
                time.sleep(0.25)  # a person reads before answering; the server caps each socket
        except Exception as exc:  # noqa: BLE001 (reported, not raised, in a worker thread)
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.ready.set()
            for live in (s, li):
                if live is not None:
                    live.close()
            speaker.close()
            listener.close()


def line(values: list[float]) -> str:
    """p50 / p99 / max of a list of milliseconds."""
    return (f"p50 {percentile(values, 50):6.1f}  p99 {percentile(values, 99):6.1f}  "
            f"max {max(values, default=0):6.1f} ms  (n={len(values)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--couples", type=int, default=4, help="couples per guard")
    parser.add_argument("--messages", type=int, default=20, help="rounds per couple")
    args = parser.parse_args()
    per_guard = max(1, min(args.couples, 20))
    rounds = max(1, min(args.messages, 60))
    corpus = rows()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="attune-gbench-") as tmp:
        started = time.perf_counter()
        cluster, admin, db_name, r = build(Path(tmp), {
            "encoder": {"GUARD_ENCODER": "on"}, "rules": {"GUARD_ENCODER": "off"}})
        try:
            print(f"== realtime: share -> push with the encoder against the rules-only guard "
                  f"({per_guard} couples per guard x {rounds} rounds, both at once; deployment "
                  f"ready in {time.perf_counter() - started:.1f} s)")
            couples = []
            for _ in range(per_guard):
                picked = rng.sample(corpus, rounds)  # the same lines for both guards
                couples += [Couple(cluster, guard, picked) for guard in GUARDS]
            for i, c in enumerate(couples):
                c.start()
                if i % 4 == 3:  # sign-ups cost scrypt: do not stampede
                    c.ready.wait(90)
            for c in couples:
                c.ready.wait(180)
            for c in couples:
                c.go.set()
            for c in couples:
                c.join(rounds * 30 + 60)
            errors = [e for c in couples for e in c.errors]
            for guard in GUARDS:
                mine = [c for c in couples if c.guard == guard]
                held = sum(c.held for c in mine)
                sent = sum(len(c.ack_ms) for c in mine)
                print(f"   guard {guard:7s} share -> push            "
                      + line([x for c in mine for x in c.share_ms]))
                print(f"   guard {guard:7s} listener message -> push "
                      + line([x for c in mine for x in c.message_ms]))
                print(f"   guard {guard:7s} listener message ack     "
                      + line([x for c in mine for x in c.ack_ms]) + f"; held {held}/{sent}")
            print(f"   load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
                  f"errors: {len(errors)} {sorted(set(errors))[:5]}")
            return 0 if not errors else 1
        finally:
            teardown(cluster, admin, db_name, r)


if __name__ == "__main__":
    raise SystemExit(main())
