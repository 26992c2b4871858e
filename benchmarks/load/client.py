"""The load client of ``make bench-load``: many partners on real WebSockets, in one cheap process.

    python benchmarks/load/client.py < plan.json > result.json

One asyncio loop speaks Engine.IO 4 / Socket.IO 5 over WebSocket (the ``websockets`` library,
offering per-message deflate as browsers do) to namespace ``/exercise``, carrying each
partner's session cookie and the allowed Origin. Each couple takes turns: the speaker shares,
half a second later the listener reflects, and so on, so each partner acts about once a
second. One action is in flight per couple; its **push latency** is the time from sending it to
the partner's ``events`` push carrying its ``seq``. Timing starts after ``warmup`` seconds and
lasts ``seconds``; the client reads the server worker's CPU from /proc over exactly that window
and reports its own CPU, so it can be seen not to be the bottleneck.

The plan (stdin, JSON): ``url``, ``origin``, ``seconds``, ``warmup``, ``server_pids`` (their
CPU is summed), ``couples``: ``[{"exercise_id", "speaker": cookie, "listener": cookie}]``, and
optionally ``listener_url``/``listener_origin``: the listeners' process when the speakers' and
listeners' are two (their pushes then cross the Redis queue).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import sys
import time
from collections import Counter
from typing import Any

import websockets

NS = "/exercise"
TIMEOUT = 5.0  # an action not acknowledged and pushed by then is an error
USER_AGENT = "attune-load-bench/1"
SEQ = re.compile(r'"seq":\s*(\d+)')
SHARES = [
    "When I got home tonight the kitchen was a mess again and I felt invisible.",
    "I worry that we only talk about logistics now, never about us.",
    "Work has been relentless and I come home with nothing left to give.",
    "It stung when my sister's visit got cancelled without anyone asking me.",
]
REFLECTIONS = [
    "It sounds like you felt invisible when you came home to the mess.",
    "So you miss talking about us, not just the schedule. Is that right?",
    "You're saying work drains you and there's nothing left by evening.",
    "What was the hardest part of it for you?",
]
CLK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def proc_rss_mb(pid: int) -> float:
    """Resident memory of a process in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Partner:
    """One partner's socket: sends events with ack ids, resolves acks and push waiters."""

    def __init__(self, url: str, origin: str, cookie: str) -> None:
        self.url, self.origin, self.cookie = url, origin, cookie
        self.ws: Any = None
        self.acks: dict[int, asyncio.Future[tuple[float, str]]] = {}
        self.push_waiter: asyncio.Future[tuple[float, int]] | None = None
        self.next_id = 0
        self.closed = False
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.ws = await websockets.connect(
            self.url, origin=self.origin, open_timeout=60, ping_interval=None,
            close_timeout=2, max_size=2**20, compression="deflate",
            additional_headers={"Cookie": self.cookie}, user_agent_header=USER_AGENT)
        opened = await self.ws.recv()
        if not opened.startswith("0"):
            raise RuntimeError(f"unexpected open packet {opened[:40]!r}")
        await self.ws.send(f"40{NS},")
        answer = await self.ws.recv()
        if not answer.startswith(f"40{NS}"):
            raise RuntimeError(f"namespace refused: {answer[:80]!r}")
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        prefix_ack, prefix_push = f"43{NS},", f'42{NS},["events"'
        try:
            async for msg in self.ws:
                if msg == "2":
                    await self.ws.send("3")
                elif msg.startswith(prefix_ack):
                    rest = msg[len(prefix_ack):]
                    cut = rest.index("[")
                    fut = self.acks.pop(int(rest[:cut]), None)
                    if fut is not None and not fut.done():
                        fut.set_result((time.perf_counter(), rest[cut:]))
                elif msg.startswith(prefix_push):
                    waiter = self.push_waiter
                    if waiter is not None and not waiter.done():
                        found = SEQ.search(msg)
                        waiter.set_result((time.perf_counter(), int(found.group(1))
                                           if found else -1))
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed = True
            for fut in self.acks.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("closed"))

    async def call(self, event: str, data: Any) -> asyncio.Future[tuple[float, str]]:
        ack_id = self.next_id
        self.next_id += 1
        fut: asyncio.Future[tuple[float, str]] = asyncio.get_running_loop().create_future()
        self.acks[ack_id] = fut
        await self.ws.send(f"42{NS},{ack_id}" + json.dumps([event, data]))
        return fut

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


class Stats:
    def __init__(self) -> None:
        self.push_ms: list[float] = []
        self.ack_ms: list[float] = []
        self.errors: Counter[str] = Counter()
        self.actions = 0
        self.late = 0


async def run_couple(couple: dict[str, Any], sp: Partner, li: Partner, start: float,
                     measure_from: float, end: float, stats: Stats, tag: str) -> None:
    loop = asyncio.get_running_loop()
    exercise_id = couple["exercise_id"]
    k = 0
    t_next = start + random.random()  # spread the couples over the first second
    while t_next < end:
        delay = t_next - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        actor, other = (sp, li) if k % 2 == 0 else (li, sp)
        words = SHARES if actor is sp else REFLECTIONS
        text = f"{words[(k // 2) % len(words)]} ({k})"
        counted = t_next >= measure_from
        pushed: asyncio.Future[tuple[float, int]] = loop.create_future()
        other.push_waiter = pushed
        sent = time.perf_counter()
        try:
            ack_fut = await actor.call("act", {
                "exercise_id": exercise_id, "client_id": f"{tag}-{exercise_id}-{k:06d}",
                "type": "say", "payload": {"text": text}})
            acked_at, raw = await asyncio.wait_for(ack_fut, TIMEOUT)
            ack = json.loads(raw)[0]
            if not ack.get("ok"):
                raise LookupError(str(ack.get("error", {}).get("code", "not_ok")))
            remaining = TIMEOUT - (time.perf_counter() - sent)
            pushed_at, seq = await asyncio.wait_for(pushed, max(0.01, remaining))
            if seq != ack.get("seq"):
                raise LookupError("seq_mismatch")
            if counted:
                stats.actions += 1
                stats.ack_ms.append((acked_at - sent) * 1000)
                stats.push_ms.append((pushed_at - sent) * 1000)
        except TimeoutError:
            if counted:
                stats.errors["timeout"] += 1
        except LookupError as exc:
            if counted:
                stats.errors[str(exc)] += 1
        except (ConnectionError, websockets.ConnectionClosed):
            stats.errors["disconnected"] += 1
            return
        k += 1
        t_next += 0.5
        now = loop.time()
        if t_next < now:  # fell behind: the next action goes now, not in a burst
            if counted:
                stats.late += 1
            t_next = now


def percentile(values: list[float], p: float) -> float:
    data = sorted(values)
    if not data:
        return 0.0
    index = max(0, min(len(data) - 1, -(-len(data) * p // 100) - 1))
    return data[int(index)]


async def main_async(plan: dict[str, Any]) -> dict[str, Any]:
    couples = plan["couples"]
    tag = plan.get("tag", "lb")
    partners: list[tuple[dict[str, Any], Partner, Partner]] = []
    connect_errors: Counter[str] = Counter()
    gate = asyncio.Semaphore(25)
    connect_started = time.perf_counter()

    async def connect(couple: dict[str, Any]) -> None:
        sp = Partner(plan["url"], plan["origin"], couple["speaker"])
        li = Partner(plan.get("listener_url", plan["url"]),
                     plan.get("listener_origin", plan["origin"]), couple["listener"])
        async with gate:
            try:
                await sp.open()
                await li.open()
                for partner in (sp, li):
                    fut = await partner.call("join", {"exercise_id": couple["exercise_id"],
                                                      "after_seq": 10**9})
                    _, raw = await asyncio.wait_for(fut, 30)
                    if not json.loads(raw)[0].get("ok"):
                        raise RuntimeError(f"join refused: {raw[:120]}")
            except Exception as exc:  # noqa: BLE001 (counted and reported)
                connect_errors[type(exc).__name__] += 1
                await asyncio.gather(sp.close(), li.close(), return_exceptions=True)
                return
        partners.append((couple, sp, li))

    await asyncio.gather(*(connect(c) for c in couples))
    connect_s = time.perf_counter() - connect_started
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    measure_from = start + plan["warmup"]
    end = measure_from + plan["seconds"]
    stats = Stats()
    tasks = [asyncio.create_task(run_couple(c, sp, li, start, measure_from, end, stats, tag))
             for c, sp, li in partners]
    await asyncio.sleep(max(0.0, measure_from - loop.time()))
    pids = plan.get("server_pids", [])
    cpu0 = sum(proc_cpu_seconds(pid) for pid in pids)
    mine0 = time.process_time()
    wall0 = time.perf_counter()
    await asyncio.sleep(max(0.0, end - loop.time()))
    wall = time.perf_counter() - wall0
    cpu = sum(proc_cpu_seconds(pid) for pid in pids) - cpu0
    mine = time.process_time() - mine0
    rss = sum(proc_rss_mb(pid) for pid in pids)
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(*(p.close() for _, sp, li in partners for p in (sp, li)),
                         return_exceptions=True)
    errors = stats.errors + connect_errors
    return {
        "couples": len(couples), "connected": len(partners), "connect_s": round(connect_s, 1),
        "window_s": round(wall, 2), "actions": stats.actions,
        "actions_per_s": round(stats.actions / wall, 1) if wall else 0.0,
        "push_ms": {p: round(percentile(stats.push_ms, q), 1)
                    for p, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))},
        "ack_ms": {p: round(percentile(stats.ack_ms, q), 1)
                   for p, q in (("p50", 50), ("p99", 99))},
        "errors": sum(errors.values()), "error_kinds": dict(errors), "late": stats.late,
        "server_cpu_pct": round(100 * cpu / wall, 1) if wall else 0.0,
        "server_cpu_ms_per_action": round(1000 * cpu / stats.actions, 2) if stats.actions
        else None,
        "server_rss_mb": round(rss, 1),
        "client_cpu_pct": round(100 * mine / wall, 1) if wall else 0.0,
    }


def main() -> int:
    plan = json.load(sys.stdin)
    result = asyncio.run(main_async(plan))
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
