"""Score the guard against a labelled corpus: recall per label, stop rate, false holds, timing."""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from app.domain.guard.labels import ALLOWED_LABELS, LABELS, Action, Label


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled listener message and the speaker message it answered."""

    text: str
    label: Label
    speaker_said: str = ""


@dataclass(frozen=True, slots=True)
class Report:
    """What an evaluation found; rates are shares in [0, 1], times are milliseconds."""

    rows: int
    stop_rate: float
    false_hold: float
    per_label: dict[str, float]
    support: dict[str, int]
    confusion: dict[str, dict[str, int]]
    p50_ms: float
    p99_ms: float
    skipped: int = 0
    mistakes: list[tuple[Example, Label]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """The report as a JSON-ready mapping."""
        return {
            "rows": self.rows,
            "stop_rate": round(self.stop_rate, 4),
            "false_hold": round(self.false_hold, 4),
            "per_label": {k: round(v, 4) for k, v in self.per_label.items()},
            "support": self.support,
            "confusion": self.confusion,
            "p50_ms": round(self.p50_ms, 4),
            "p99_ms": round(self.p99_ms, 4),
            "skipped": self.skipped,
        }


# One-letter label codes of our own written moves ("@ speaker said" lines, then "X text").
LABEL_CODES: dict[str, Label] = {
    "R": "reflection",
    "O": "open_question",
    "K": "check",
    "C": "closed_question",
    "S": "sympathy",
    "A": "advice",
    "J": "judgement",
    "F": "self_focus",
    "D": "defensiveness",
    "M": "minimizing",
    "I": "information",
}


def read_written(path: Path) -> list[Example]:
    """Parse the '@ said' / 'X text' format of our own written moves."""
    said = ""
    out: list[Example] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            if line.startswith("# standalone"):
                said = ""
            continue
        if line.startswith("@ "):
            said = line[2:]
            continue
        code, _, text = line.partition(" ")
        out.append(Example(text=text, label=LABEL_CODES[code], speaker_said=said))
    return out


def read_corpus(path: Path, *, split: str | None = None) -> tuple[list[Example], int]:
    """Rows with a known label from a CSV with text,label (speaker_said, split optional)."""
    examples: list[Example] = []
    skipped = 0
    known = set(LABELS)
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if split is not None and (row.get("split") or "") != split:
                continue
            label = (row.get("label") or "").strip()
            if label not in known:
                skipped += 1
                continue
            examples.append(
                Example(
                    text=row.get("text") or "",
                    label=cast(Label, label),  # checked against LABELS above
                    speaker_said=row.get("speaker_said") or "",
                )
            )
    return examples, skipped


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def evaluate(
    examples: Iterable[Example],
    *,
    predict: Callable[[Example], tuple[Label, Action]],
    skipped: int = 0,
) -> Report:
    """Run ``predict`` over the examples and measure it against their labels."""
    support: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    confusion: dict[str, Counter[str]] = {}
    times: list[float] = []
    mistakes: list[tuple[Example, Label]] = []
    allowed = stopped = allowed_held = 0
    rows = 0
    for ex in examples:
        start = time.perf_counter()
        label, action = predict(ex)
        times.append((time.perf_counter() - start) * 1000.0)
        rows += 1
        support[ex.label] += 1
        confusion.setdefault(ex.label, Counter())[label] += 1
        if label == ex.label:
            hits[ex.label] += 1
        else:
            mistakes.append((ex, label))
        if ex.label in ALLOWED_LABELS:
            allowed += 1
            allowed_held += action != "allow"
        else:
            stopped += action != "allow"
    not_allowed = rows - allowed
    return Report(
        rows=rows,
        stop_rate=stopped / not_allowed if not_allowed else 1.0,
        false_hold=allowed_held / allowed if allowed else 0.0,
        per_label={k: hits[k] / support[k] for k in LABELS if support[k]},
        support={k: support[k] for k in LABELS if support[k]},
        confusion={k: dict(confusion[k]) for k in LABELS if k in confusion},
        p50_ms=_percentile(times, 0.5),
        p99_ms=_percentile(times, 0.99),
        skipped=skipped,
        mistakes=mistakes,
    )


def default_predict(ex: Example) -> tuple[Label, Action]:
    """The shipped guard as a predictor for ``evaluate``."""
    from app.domain.guard import judge  # late: the package imports this module

    verdict = judge(ex.text, speaker_said=ex.speaker_said)
    return verdict.label, verdict.action
