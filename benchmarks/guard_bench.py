"""Benchmark the listener guard: dev and AnnoMI-test numbers, timing and import cost.

    .venv/bin/python benchmarks/guard_bench.py [--annomi PATH]

Prints per-label recall, stop rate, false-hold rate and p50/p99 ms per message for the couples'
dev corpus and (when the file is there) the AnnoMI test split, then the start-up cost.  It only
reports; nothing here is tuned on AnnoMI test.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.domain.guard.evaluate import (
    Example,
    Report,
    default_predict,
    evaluate,
    read_corpus,
    read_written,
)

DEV = ROOT / "tests" / "data" / "listener-moves-dev.csv"
# CI and every checkout keep shared/ beside the repository.
ANNOMI = ROOT.parent / "shared" / "data" / "annomi" / "therapist-moves.csv"
HOLDOUT = ROOT / "tests" / "domain" / "guard" / "data" / "written-holdout.txt"
TARGETS = {"dev": (0.95, 0.03), "written-holdout": (0.95, 0.03), "annomi-test": (0.70, 0.15)}
_IMPORT_SNIPPET = """
import time
import app  # the app package (and Flask, if its factory imports it) is not the guard's cost
t0 = time.perf_counter()
import app.domain.guard as g
t1 = time.perf_counter()
g.judge("warm up", speaker_said="")
t2 = time.perf_counter()
print(f"{(t1 - t0) * 1000:.1f} {(t2 - t0) * 1000:.1f}")
"""


def read_holdout() -> list[Example]:
    """Our held-out written moves ('@ said' lines give the speaker's context)."""
    return read_written(HOLDOUT)


def show(name: str, report: Report) -> None:
    """Print one corpus's numbers against its targets."""
    stop_target, hold_target = TARGETS[name]
    ok = report.stop_rate >= stop_target and report.false_hold <= hold_target
    print(
        f"== {name}: {report.rows} rows"
        + (f" ({report.skipped} skipped)" if report.skipped else "")
    )
    for label, recall in report.per_label.items():
        print(f"   {label:16s} recall {recall:.3f}  (n={report.support[label]})")
    print(f"   stop rate  {report.stop_rate:.3f}  (target >= {stop_target})")
    print(f"   false hold {report.false_hold:.3f}  (target <= {hold_target})")
    print(f"   p50 {report.p50_ms:.3f} ms  p99 {report.p99_ms:.3f} ms  (target p99 <= 2 ms)")
    print(f"   {'MEETS' if ok else 'MISSES'} the accuracy targets")


def import_cost(runs: int = 5) -> tuple[float, float]:
    """Median ms to import the guard, and to import it and judge one message, fresh process."""
    imports: list[float] = []
    firsts: list[float] = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT_SNIPPET],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        imports.append(float(out[0]))
        firsts.append(float(out[1]))
    return sorted(imports)[runs // 2], sorted(firsts)[runs // 2]


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--annomi", type=Path, default=ANNOMI)
    args = ap.parse_args()
    examples, skipped = read_corpus(DEV)
    default_predict(examples[0])  # load the weights before timing
    show("dev", evaluate(examples, predict=default_predict, skipped=skipped))
    # Never trained on: the closest thing here to the unseen couples corpus.
    show("written-holdout", evaluate(read_holdout(), predict=default_predict))
    if args.annomi.exists():
        test, skipped = read_corpus(args.annomi, split="test")
        show("annomi-test", evaluate(test, predict=default_predict, skipped=skipped))
    else:
        print(f"== annomi-test: {args.annomi} not found, skipped")
    imp, first = import_cost()
    print(
        f"== start-up: import {imp:.1f} ms, import + first judgement {first:.1f} ms"
        " (target < 300 ms)"
    )


if __name__ == "__main__":
    main()
