"""Two real server processes, one database, one Redis: partners on different processes.

Each test signs people up and pairs them over HTTP, then drives python-socketio clients over
WebSocket against ``gunicorn -k gevent`` processes on loopback; the database is read directly
with psycopg to check what was stored.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import socketio

from tests.scaleout.helpers import METRICS, NS, Cluster, Live, Person, new_client_id, percentile

pytestmark = pytest.mark.scaleout

SHARE = "I felt alone when you stayed late at work."
ADVICE = "You should just tell me earlier."
REFLECTION = "It sounds like you felt alone when I stayed late."


def _types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def _covered(live: Live, exercise_id: int, joined: dict[str, Any]) -> list[int]:
    """Every seq a client has seen: the join's replay plus everything pushed since."""
    seqs = {e["seq"] for e in joined["events"]} | {e["seq"] for e in live.pushed(exercise_id)}
    return sorted(seqs)


# --- a. a whole exercise, one partner on each process --------------------------------------


def test_a_whole_exercise_with_partners_on_different_processes(
        cluster: Cluster, servers: Any, make_couple: Any) -> None:
    p1, p2 = servers
    alex, blair = make_couple(via="link")
    assert cluster.query(
        "SELECT count(*) FROM couples WHERE %s IN (partner_a_id, partner_b_id) "
        "AND %s IN (partner_a_id, partner_b_id)", alex.user_id, blair.user_id)[0][0] == 1
    ex_id = alex.propose(p1)

    a, b = Live(alex, p1), Live(blair, p2)
    try:
        assert a.transport == "websocket" and b.transport == "websocket"
        a_join = a.join(ex_id)
        b_join = b.join(ex_id)
        assert a_join["ok"] and b_join["ok"]
        assert _types(b_join["events"]) == ["proposed"]

        latencies: list[float] = []
        ack_ms: list[float] = []

        def across(actor: Live, watcher: Live, type_: str, payload: Any = None) -> dict[str, Any]:
            """Act on one process; the partner on the other must be told via Redis."""
            sent = time.perf_counter()
            ack = actor.act(ex_id, type_, payload)
            acked = time.perf_counter()
            assert ack["ok"], ack
            ack_ms.append((acked - sent) * 1000)
            arrived = watcher.wait_for_seq(ex_id, ack["seq"], timeout=5)
            assert arrived is not None, f"{type_} (seq {ack['seq']}) never crossed processes"
            latencies.append((arrived - sent) * 1000)
            return ack

        across(b, a, "accept")
        assert a.last_view(ex_id)["phase"] == "active"
        assert a.last_view(ex_id)["my_role"] == "speaker"

        shared = across(a, b, "say", {"text": SHARE})
        assert [e["payload"]["text"] for e in b.pushed(ex_id) if e["type"] == "shared"] == [SHARE]
        assert shared["events"][-1]["type"] == "shared"

        held = across(b, a, "say", {"text": ADVICE})
        assert held["guard"]["held"] is True and held["guard"]["label"] == "advice"
        assert held["guard"]["suggestion"]
        # Alex sees the held message only as a numbered gap-filler, never its words.
        alex_saw = [e for e in a.pushed(ex_id) if e["seq"] == held["seq"]]
        assert alex_saw == [{"seq": held["seq"], "type": "hidden"}]

        landed = across(b, a, "say", {"text": REFLECTION})
        assert landed["guard"]["held"] is False
        msgs = [e for e in a.pushed(ex_id) if e["type"] == "listener_message"]
        assert [m["payload"] for m in msgs] == [{"text": REFLECTION, "delivered": True}]

        across(a, b, "confirm", {"kind": "landed"})
        across(a, b, "end_turn")
        assert b.last_view(ex_id)["my_role"] == "speaker"
        across(b, a, "say", {"text": "I'm tired of cooking every night."})
        across(a, b, "check")
        across(b, a, "confirm", {"kind": "more"})
        across(b, a, "end_turn")
        assert a.last_view(ex_id)["phase"] == "rating"

        first = across(a, b, "rate", {"seen": 8, "understood": 7, "note": "for me only"})
        sealed = [e for e in b.pushed(ex_id) if e["seq"] == first["seq"]]
        assert sealed == [{"seq": first["seq"], "type": "hidden"}]
        assert not b.last_view(ex_id)["partner_rating"]
        across(b, a, "rate", {"seen": 9, "understood": 6})

        for live in (a, b):
            revealed = [e for e in live.pushed(ex_id) if e["type"] == "ratings_revealed"]
            assert len(revealed) == 1
            ratings = revealed[0]["payload"]["ratings"]
            assert len(ratings) == 2 and all("note" not in r for r in ratings)
            view = live.last_view(ex_id)
            assert view["phase"] == "complete"
            assert view["my_rating"] and view["partner_rating"]

        phase, seq = cluster.exercise(ex_id)
        assert phase == "complete"
        assert cluster.assert_gapless(ex_id) == seq
        # Each partner saw every number once, via its own process or Redis: no gap.
        assert _covered(a, ex_id, a_join) == list(range(1, seq + 1))
        assert _covered(b, ex_id, b_join) == list(range(1, seq + 1))
        for live in (a, b):
            pushed = [e["seq"] for e in live.pushed(ex_id)]
            assert len(pushed) == len(set(pushed)), "an event was pushed twice"
    finally:
        a.close()
        b.close()
    METRICS["a. cross-process push, ms (act sent -> partner's push on the other process)"] = (
        f"n={len(latencies)} p50={percentile(latencies, 50):.1f} "
        f"max={max(latencies):.1f}")
    METRICS["a. ack, ms (act sent -> acknowledged)"] = (
        f"n={len(ack_ms)} p50={percentile(ack_ms, 50):.1f} max={max(ack_ms):.1f}")


# --- b. concurrent and conflicting actions from both processes -----------------------------


def _settle(live: Live, ex_id: int, type_: str, payload: Any, client_id: str,
            first: dict[str, Any] | None = None) -> tuple[dict[str, Any], int]:
    """Resend (same client id) while the server answers ``conflict``, as a client must.

    ``rate_limited`` (one socket's token bucket ran dry, which the burst below can do on a
    slow machine) is resent after a pause, as app/static/js/exercise.js does (0.8-1.5 s).
    Returns the final acknowledgement and how many conflicts were seen."""
    ack = first if first is not None else live.act(ex_id, type_, payload, client_id=client_id)
    conflicts = limited = 0
    while not ack["ok"] and conflicts < 20 and limited < 5:
        code = ack["error"]["code"]
        assert ack["error"]["message"]
        if code == "conflict":
            conflicts += 1
        elif code == "rate_limited":
            limited += 1
            time.sleep(0.8)
        else:
            break
        ack = live.act(ex_id, type_, payload, client_id=client_id)
    return ack, conflicts


def _at_once(calls: list[Any]) -> list[Any]:
    """Run the calls on their own threads, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_b_concurrent_actions_from_both_processes_store_once(
        cluster: Cluster, servers: Any, make_couple: Any) -> None:
    p1, p2 = servers
    alex, blair = make_couple()
    ex_id = alex.propose(p1)
    # Alex has a phone on each process; so has Blair.
    a1, a2, b1, b2 = Live(alex, p1), Live(alex, p2), Live(blair, p1), Live(blair, p2)
    lives = (a1, a2, b1, b2)
    try:
        for live in lives:
            assert live.join(ex_id)["ok"]
        assert b2.act(ex_id, "accept")["ok"]
        conflicts = 0

        # 1. Both partners press "ready" at the same instant, from different processes.
        rounds = 5
        for r in range(rounds):
            assert (a1 if r % 2 else b2).act(ex_id, "call_break", {"minutes": 20})["ok"]
            ids = [new_client_id("ready-a"), new_client_id("ready-b")]
            firsts = _at_once([lambda c=ids[0]: a1.act(ex_id, "ready", client_id=c),
                               lambda c=ids[1]: b2.act(ex_id, "ready", client_id=c)])
            for live, cid, first in zip((a1, b2), ids, firsts):
                ack, n = _settle(live, ex_id, "ready", {}, cid, first)
                conflicts += n
                assert ack["ok"], ack
            assert cluster.exercise(ex_id)[0] == "active"
        by_type = dict(cluster.query(
            "SELECT type, count(*) FROM exercise_events WHERE exercise_id = %s GROUP BY type",
            ex_id))
        assert by_type["break_called"] == rounds and by_type["resumed"] == rounds
        assert by_type["ready"] == 2 * rounds

        # 2. Ten shares at once on process 1, and the same ten (same client ids) retried at
        #    the same moment on process 2, as a phone that switched networks would.
        n = 10
        ids = [new_client_id(f"share{i}") for i in range(n)]
        texts = [f"Share number {i}: the week felt long and I missed you." for i in range(n)]
        calls = []
        for i in range(n):
            for live in (a1, a2):
                calls.append(lambda live=live, i=i: (i, live, live.act(
                    ex_id, "say", {"text": texts[i]}, client_id=ids[i])))
        started = time.perf_counter()
        firsts = _at_once(calls)
        first_errors = Counter(ack["error"]["code"] for _, _, ack in firsts if not ack["ok"])
        finals: dict[int, list[dict[str, Any]]] = {i: [] for i in range(n)}
        for i, live, first in firsts:
            if not first["ok"]:
                assert first["error"]["code"] in ("conflict", "rate_limited"), first
            ack, c = _settle(live, ex_id, "say", {"text": texts[i]}, ids[i], first)
            conflicts += c
            assert ack["ok"], ack
            finals[i].append(ack)
        settled_ms = (time.perf_counter() - started) * 1000
        for i, acks in finals.items():
            # One applied it; the other was answered from the stored acknowledgement.
            assert sorted(bool(a.get("duplicate")) for a in acks) == [False, True], acks
            assert len({a["seq"] for a in acks}) == 1

        stored = cluster.query(
            "SELECT client_id, count(*) FROM client_actions WHERE exercise_id = %s "
            "AND client_id = ANY(%s) GROUP BY client_id", ex_id, ids)
        assert sorted(stored) == sorted((cid, 1) for cid in ids)
        shared = [r[0] for r in cluster.query(
            "SELECT payload->>'text' FROM exercise_events WHERE exercise_id = %s "
            "AND type = 'shared'", ex_id)]
        assert sorted(shared) == sorted(texts)
        dupes = cluster.query(
            "SELECT client_id FROM client_actions WHERE exercise_id = %s GROUP BY client_id "
            "HAVING count(*) > 1", ex_id)
        assert dupes == []
        seq = cluster.assert_gapless(ex_id)

        # 3. Both end the exercise early at the same instant: exactly one wins.
        end_ids = [new_client_id("end-a"), new_client_id("end-b")]
        firsts = _at_once([lambda: a2.act(ex_id, "end_early", client_id=end_ids[0]),
                           lambda: b1.act(ex_id, "end_early", client_id=end_ids[1])])
        ends = [_settle(live, ex_id, "end_early", {}, cid, first)[0]
                for live, cid, first in zip((a2, b1), end_ids, firsts)]
        assert sorted(a["ok"] for a in ends) == [False, True], ends
        loser = next(a for a in ends if not a["ok"])
        assert loser["error"]["code"] != "conflict" and loser["error"]["message"]
        phase, seq = cluster.exercise(ex_id)
        assert phase == "ended_early"
        assert cluster.assert_gapless(ex_id) == seq

        # Every phone of both partners heard each share exactly once, whichever process it
        # is on, and saw every number up to the end.
        for live in lives:
            assert live.wait_for_seq(ex_id, seq, timeout=5) is not None
            pushed = live.pushed(ex_id)
            assert sorted(e["payload"]["text"] for e in pushed if e["type"] == "shared") == (
                sorted(texts))
            numbers = [e["seq"] for e in pushed]
            assert len(numbers) == len(set(numbers))
    finally:
        for live in lives:
            live.close()
    METRICS["b. concurrency"] = (
        f"{rounds} simultaneous ready pairs + {n} shares x2 sockets (20 concurrent acts): "
        f"{first_errors['conflict']} first answers were 'conflict' and "
        f"{first_errors['rate_limited']} 'rate_limited', "
        f"{conflicts} conflicts resent in "
        f"all, settled in {settled_ms:.0f} ms; stored {len(stored)} client actions, "
        f"0 duplicates, seq 1..{seq} gapless")


# --- c. the Origin check on the real server -------------------------------------------------


EVIL = ("https://evil.example", "null")


def test_c_cross_site_sockets_are_refused_by_the_real_server(
        cluster: Cluster, servers: Any, make_couple: Any) -> None:
    alex, _ = make_couple()  # the victim, signed in
    cookie = alex.cookie_header()
    for server in servers:
        url = f"{server.base}/socket.io/?EIO=4&transport=polling"
        for origin in EVIL:
            with requests.get(url, headers={"Origin": origin, "Cookie": cookie},
                              timeout=5) as resp:
                assert resp.status_code == 400, (server.name, origin, resp.status_code)
                assert "Access-Control-Allow-Origin" not in resp.headers
        for origin in cluster.origins:  # either process's origin: one deployment
            with requests.get(url, headers={"Origin": origin, "Cookie": cookie},
                              timeout=5) as resp:
                assert resp.status_code == 200, (server.name, origin, resp.status_code)
                assert resp.text.startswith("0{")  # the Engine.IO open packet
                assert resp.headers["Access-Control-Allow-Origin"] == origin

        for origin in EVIL:
            with pytest.raises(socketio.exceptions.ConnectionError):
                Live(alex, server, origin=origin)  # WebSocket handshake with that Origin
            with pytest.raises(socketio.exceptions.ConnectionError):
                Live(alex, server, transports=["polling"], headers={"Origin": origin})

        ok = Live(alex, server)  # the allowed origin, same cookie
        try:
            assert ok.transport == "websocket"
            ack = ok.call("join", {"exercise_id": 1, "after_seq": 0})
            assert ack["ok"] is False and ack["error"]["code"] == "not_found"
        finally:
            ok.close()

        anonymous = Person("Anon")
        try:
            with pytest.raises(socketio.exceptions.ConnectionError):
                Live(anonymous, server)  # allowed origin, no session: refused
        finally:
            anonymous.close()


# --- d. rate limits shared across processes ---------------------------------------------------


LIMIT_MESSAGE = "Too many attempts. Please wait a minute and try again."


def test_d_sign_in_rate_limit_is_shared_across_processes(cluster: Cluster,
                                                         servers: Any) -> None:
    p1, p2 = servers
    mallory, bystander = Person("Mallory"), Person("Bystander")
    try:
        mallory.get(p1, "/login")
        for i in range(10):
            server = servers[i % 2]  # alternate: 5 on each process
            # A new address each time: this is the per-client limit, not the per-account one.
            resp = mallory.post_form(server, "/login", {"email": f"victim{i}@example.com",
                                                        "password": f"guess number {i}"})
            assert resp.status_code == 401, (i, server.name, resp.status_code)
            assert int(resp.headers["X-RateLimit-Remaining"]) == 9 - i, "counted per process"
        for server in (p1, p2, p1):
            resp = mallory.post_form(server, "/login", {"email": "victim@example.com",
                                                        "password": "one more"})
            assert resp.status_code == 429, (server.name, resp.status_code)
            assert LIMIT_MESSAGE in resp.text
            assert int(resp.headers["Retry-After"]) > 0
        resp = mallory.http.post(p2.base + "/login", timeout=10, headers={
            "Accept": "application/json"}, data={"email": "victim@example.com",
                                                  "password": "json", "csrf_token": mallory.token})
        assert resp.status_code == 429
        assert resp.json() == {"ok": False, "error": {"code": "rate_limited",
                                                      "message": LIMIT_MESSAGE}}
        # Counted per client IP: someone else signing in is unaffected.
        bystander.get(p2, "/login")
        resp = bystander.post_form(p2, "/login", {"email": "nobody@example.com",
                                                  "password": "not it at all"})
        assert resp.status_code == 401
    finally:
        mallory.close()
        bystander.close()


# --- e. a process killed mid-exercise ---------------------------------------------------------


def test_e_a_killed_process_loses_nothing_acknowledged(cluster: Cluster, servers: Any,
                                                       make_couple: Any) -> None:
    p1, p2 = servers
    doomed = cluster.spawn("process3-doomed", origin=p1.origin)
    doomed.wait_ready()
    alex, blair = make_couple()
    ex_id = alex.propose(p1)
    a, b = Live(alex, p1), Live(blair, doomed)
    b_back: Live | None = None
    acked: dict[str, int] = {}
    try:
        assert a.join(ex_id)["ok"]
        b_join = b.join(ex_id)

        def did(live: Live, type_: str, payload: Any = None) -> dict[str, Any]:
            cid = new_client_id(type_)
            ack = live.act(ex_id, type_, payload, client_id=cid)
            assert ack["ok"], ack
            acked[cid] = ack["seq"]
            return ack

        did(b, "accept")
        for i in range(3):
            shared = did(a, "say", {"text": f"Before the crash, part {i}."})
            assert b.wait_for_seq(ex_id, shared["seq"]) is not None
            did(b, "say", {"text": f"It sounds like part {i} mattered a lot to you."})

        # Blair sends one more reflection; the process dies before or after storing it.
        pending_id = new_client_id("pending")
        pending_text = "It sounds like the whole week weighed on you."
        pending_acks: list[Any] = []
        b.sio.emit("act", {"exercise_id": ex_id, "type": "say", "client_id": pending_id,
                           "payload": {"text": pending_text}}, namespace=NS,
                   callback=lambda *args: pending_acks.append(args))
        killed = time.perf_counter()
        doomed.kill()
        assert b.wait_until(lambda: b.disconnected_at is not None, timeout=10)
        assert b.disconnected_at is not None
        detected_ms = (b.disconnected_at - killed) * 1000

        # Alex carries on, on process 1, while Blair is away.
        missed = [did(a, "say", {"text": f"After the crash, part {i}."}) for i in range(3)]

        # Blair's phone reconnects to the other process and catches up from its last seq.
        last_seen = max(_covered(b, ex_id, b_join))
        reconnect = time.perf_counter()
        b_back = Live(blair, p2)
        replay = b_back.join(ex_id, after_seq=last_seen)
        caught_up_ms = (time.perf_counter() - reconnect) * 1000
        assert replay["ok"]
        replayed = [e["seq"] for e in replay["events"]]
        assert replayed == list(range(last_seen + 1, replay["seq"] + 1))
        assert {m["seq"] for m in missed} <= set(replayed)
        assert [e["payload"]["text"] for e in replay["events"] if e["type"] == "shared"] == [
            f"After the crash, part {i}." for i in range(3)]

        # The unacknowledged action is resent with the same id: applied once, whatever
        # happened before the crash.
        again = b_back.act(ex_id, "say", {"text": pending_text}, client_id=pending_id)
        assert again["ok"], again
        acked[pending_id] = again["seq"]
        stored_before_kill = bool(again.get("duplicate"))

        stored = dict(cluster.query(
            "SELECT client_id, count(*) FROM client_actions WHERE exercise_id = %s "
            "GROUP BY client_id", ex_id))
        assert all(stored.get(cid) == 1 for cid in acked), "an acknowledged action was lost"
        assert len(cluster.query(
            "SELECT 1 FROM exercise_events WHERE exercise_id = %s "
            "AND payload->>'text' = %s", ex_id, pending_text)) == 1
        seq = cluster.assert_gapless(ex_id)
        # Blair's transcript (before the crash + replay + live pushes since) equals the DB's.
        assert b_back.wait_for_seq(ex_id, seq) is not None or again["seq"] == seq
        seen = set(_covered(b, ex_id, b_join)) | set(replayed) | {
            e["seq"] for e in again["events"]} | {e["seq"] for e in b_back.pushed(ex_id)}
        assert sorted(seen) == list(range(1, seq + 1))
        assert p1.alive and p2.alive and not doomed.alive
    finally:
        a.close()
        b.close()
        if b_back is not None:
            b_back.close()
    METRICS["e. kill -> caught up"] = (
        f"disconnect noticed {detected_ms:.0f} ms after SIGKILL; reconnect to the other "
        f"process + join replay {caught_up_ms:.0f} ms; {len(acked)} acknowledged actions, "
        f"all stored once; pending action stored before the kill: {stored_before_kill}")
