"""Benchmark the listener guard: accuracy, time per message, start-up time and memory.

    .venv/bin/python benchmarks/guard_bench.py [--annomi PATH]      (make bench)

Prints per-label recall, stop rate, false-hold rate and p50/p99 ms per message (the whole
guard on one thread, tokenising included) for the couples' dev corpus, our written holdout,
our short replies and (when the file is there) the AnnoMI test split; then the start-up time
(import, model load and a first judgement in a fresh process) and the memory that loading the
guard adds to a process.  It only reports: nothing is tuned on any of these here, and AnnoMI
test is read by this benchmark alone.  The cross-validated and no-dev estimates come from
scripts/train_guard.py and scripts/train_guard_encoder.py (see docs/guard.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
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
SHORT = ROOT / "tests" / "domain" / "guard" / "data" / "short-replies.txt"
TARGETS = {
    "dev": (0.95, 0.03),
    "written-holdout": (0.95, 0.03),
    "short-replies": (0.90, 0.03),
    "annomi-test": (0.70, 0.15),
}
P99_TARGET_MS = 10.0
_START_SNIPPET = """
import time
import app  # the app package (and Flask, if its factory imports it) is not the guard's cost


def rss_mb():
    with open("/proc/self/statm") as fh:
        import os
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


before = rss_mb()
t0 = time.perf_counter()
import app.domain.guard as g
t1 = time.perf_counter()
g.load_guard()
g.judge("You should talk to her about it.", speaker_said="I felt jealous at the party.")
t2 = time.perf_counter()
for text in ("Mm, go on.", "So you felt left out when I went without you?", "Chill out."):
    g.judge(text, speaker_said="Nobody asked me to come along.")
print(f"{(t1 - t0) * 1000:.1f} {(t2 - t0) * 1000:.1f} {rss_mb() - before:.1f}")
"""


def cpu_ms(examples: list[Example]) -> tuple[float, float]:
    """p50 and p99 of the CPU time one judgement takes on its thread (ONNX Runtime computes on
    the calling thread with one intra-op thread), so other processes on a shared machine do not
    inflate it the way they inflate wall-clock time."""
    times: list[float] = []
    for ex in examples:
        start = time.thread_time()
        default_predict(ex)
        times.append((time.thread_time() - start) * 1000.0)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]


def show(name: str, report: Report, examples: list[Example]) -> None:
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
    cpu50, cpu99 = cpu_ms(examples)
    print(
        f"   wall p50 {report.p50_ms:.3f} ms  p99 {report.p99_ms:.3f} ms;"
        f" CPU p50 {cpu50:.3f} ms  p99 {cpu99:.3f} ms  (target p99 <= {P99_TARGET_MS:g} ms)"
    )
    print(f"   {'MEETS' if ok else 'MISSES'} the accuracy targets")


def start_up(runs: int = 5) -> tuple[float, float, float]:
    """Medians over fresh processes: ms to import the guard, ms to import it, load its models
    and judge once, and MB of memory (resident) that this adds to the process."""
    imports: list[float] = []
    firsts: list[float] = []
    memory: list[float] = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _START_SNIPPET],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        imports.append(float(out[0]))
        firsts.append(float(out[1]))
        memory.append(float(out[2]))
    mid = runs // 2
    return sorted(imports)[mid], sorted(firsts)[mid], sorted(memory)[mid]


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--annomi", type=Path, default=ANNOMI)
    args = ap.parse_args()
    examples, skipped = read_corpus(DEV)
    for ex in examples[:20]:
        default_predict(ex)  # load the models and warm up before timing
    show("dev", evaluate(examples, predict=default_predict, skipped=skipped), examples)
    # Never trained on: the closest things here to the unseen couples' corpora.
    for name, path in (("written-holdout", HOLDOUT), ("short-replies", SHORT)):
        rows = read_written(path)
        show(name, evaluate(rows, predict=default_predict), rows)
    if args.annomi.exists():
        test, skipped = read_corpus(args.annomi, split="test")
        show("annomi-test", evaluate(test, predict=default_predict, skipped=skipped), test)
    else:
        print(f"== annomi-test: {args.annomi} not found, skipped")
    print(f"== load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    imp, first, memory = start_up()
    print(
        f"== start-up: import {imp:.0f} ms; import + model load + first judgement {first:.0f} ms"
        " (target <= 1500 ms)"
    )
    print(f"== memory added by the guard per process: {memory:.0f} MB (target <= 200 MB)")


if __name__ == "__main__":
    main()
