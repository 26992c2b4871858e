"""``make bench-load`` cannot rot: its smoke run (5 couples, both servers) runs in CI.

The capacity numbers themselves come from the benchmark on a quiet machine, not from here;
this proves the whole path works: a fresh PostgreSQL database from the migrations, the Redis
queue, Attune and the bare relay under gunicorn/gevent, couples made through the services,
real WebSocket clients, the table printed and the results written.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scaleout.helpers import METRICS, ROOT

pytestmark = pytest.mark.scaleout


def test_load_bench_smoke_run_prints_both_servers_and_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load_bench.py"), "--smoke",
                           "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    table = [line.split() for line in done.stdout.splitlines()]
    rows = {cells[0]: cells for cells in table if cells and cells[0] in {"attune", "relay"}
            and len(cells) > 2 and cells[1] == "5"}
    assert set(rows) == {"attune", "relay"}, done.stdout
    assert "capacity ratio attune/relay:" in done.stdout

    report = json.loads(out.read_text())
    steps = {s["server"]: s for s in report["steps"]}
    assert set(steps) == {"attune", "relay"}
    for name, step in steps.items():
        # Every partner connected and acted; every action was acknowledged and pushed.
        assert step["n"] == 5 and step["connected"] == 5, (name, step)
        assert step["actions"] >= 20, (name, step)
        assert step["errors"] == 0, (name, step["error_kinds"])
        assert 0 < step["push_ms"]["p50"] <= step["push_ms"]["p99"] <= step["push_ms"]["max"]
        assert step["server_rss_mb"] > 0
    METRICS["bench-load smoke p50 ms (attune / relay)"] = (
        f"{steps['attune']['push_ms']['p50']} / {steps['relay']['push_ms']['p50']}")
