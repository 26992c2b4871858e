"""A device's socket event budget is one budget, whichever process its sockets reach."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.scaleout.helpers import Cluster, Live

pytestmark = pytest.mark.scaleout


def test_f_a_devices_event_budget_holds_across_processes(cluster: Cluster, servers: Any,
                                                         make_couple: Any) -> None:
    p1, p2 = servers
    alex, blair = make_couple()
    ex_id = alex.propose(p1)
    flood = Live(alex, p1)
    started = time.monotonic()
    try:
        answers = [flood.join(ex_id) for _ in range(24)]
    finally:
        flood.close()
    # A burst of 20 goes through; beyond it, events are answered rate_limited.
    assert all(a["ok"] for a in answers[:20]), answers[:20]
    assert {a["error"]["code"] for a in answers[20:]} == {"rate_limited"}

    # The same device reconnects to the other process: still over its budget there.
    again = Live(alex, p2)
    try:
        answer = again.join(ex_id)
        elapsed = time.monotonic() - started
    finally:
        again.close()
    assert elapsed < 4, f"too slow to test a 4-second window ({elapsed:.1f} s)"
    assert answer["ok"] is False and answer["error"]["code"] == "rate_limited", answer

    # Someone else's device on that process has its own budget.
    other = Live(blair, p2)
    try:
        assert other.join(ex_id)["ok"]
    finally:
        other.close()
