"""Train the listener guard's linear model offline and export pure-Python weights.

Uses scikit-learn (a dev tool) here only; the app scores the exported JSON without it.
Training data: the moves we wrote (tests/domain/guard/data/written-train.txt), the couples'
dev corpus (tests/data/listener-moves-dev.csv) and AnnoMI rows with split=dev. AnnoMI test rows
are never read here.

    .venv/bin/python scripts/train_guard.py            # cross-validate, then export weights
    .venv/bin/python scripts/train_guard.py --cv-only  # estimates only
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from app.domain.guard import decide
from app.domain.guard.decide import classify
from app.domain.guard.evaluate import LABEL_CODES, Example, Report, evaluate, read_written
from app.domain.guard.features import features
from app.domain.guard.labels import LABELS, action_for
from app.domain.guard.model import WEIGHTS_PATH, LinearModel

DATA = ROOT / "tests" / "domain" / "guard" / "data"
DEV_CSV = ROOT / "tests" / "data" / "listener-moves-dev.csv"
ANNOMI_CSV = ROOT.parent / "shared" / "data" / "annomi" / "therapist-moves.csv"


_FEATURE_CACHE: dict[tuple[str, str], dict[str, float]] = {}


def cached_features(text: str, *, speaker_said: str = "") -> dict[str, float]:
    """Features are pure, so cross-validation computes each message's only once."""
    key = (text, speaker_said)
    if key not in _FEATURE_CACHE:
        _FEATURE_CACHE[key] = features(text, speaker_said=speaker_said)
    return _FEATURE_CACHE[key]


decide.features = cached_features  # type: ignore[assignment]


def read_dev() -> list[tuple[str, Example]]:
    with DEV_CSV.open(encoding="utf-8", newline="") as fh:
        return [
            (
                r["scenario"],
                Example(text=r["text"], label=r["label"], speaker_said=r["speaker_said"]),
            )  # type: ignore[arg-type]
            for r in csv.DictReader(fh)
        ]


def read_annomi_dev() -> list[tuple[str, Example]]:
    if not ANNOMI_CSV.exists():
        return []
    with ANNOMI_CSV.open(encoding="utf-8", newline="") as fh:
        return [
            (r["transcript_id"], Example(text=r["text"], label=r["label"]))  # type: ignore[arg-type]
            for r in csv.DictReader(fh)
            if r["split"] == "dev"  # never the test split
        ]


def fit(
    examples: Sequence[tuple[Example, float]], *, c: float = 1.0, min_count: int = 1
) -> LinearModel:
    """Fit multinomial logistic regression and convert it to the pure-Python model."""
    feats = [cached_features(ex.text, speaker_said=ex.speaker_said) for ex, _ in examples]
    counts: dict[str, int] = {}
    for f in feats:
        for k in f:
            counts[k] = counts.get(k, 0) + 1
    feats = [{k: v for k, v in f.items() if counts[k] >= min_count} for f in feats]
    vec = DictVectorizer()
    x = vec.fit_transform(feats)
    y = [ex.label for ex, _ in examples]
    w = [weight for _, weight in examples]
    clf = LogisticRegression(C=c, max_iter=3000)
    clf.fit(x, y, sample_weight=w)
    labels = [str(label) for label in clf.classes_]
    coef = clf.coef_
    weights: dict[str, list[float]] = {}
    for j, name in enumerate(vec.feature_names_):
        row = [round(float(coef[i, j]), 3) for i in range(len(labels))]
        if any(abs(v) >= 0.01 for v in row):
            weights[name] = row
    return LinearModel.from_json(
        {"labels": labels, "bias": [round(float(b), 4) for b in clf.intercept_], "weights": weights}
    )


HOLD = decide.HOLD_THRESHOLD


def predictor(model: LinearModel, **kw: float):  # type: ignore[no-untyped-def]
    kw.setdefault("hold_threshold", HOLD)

    def predict(ex: Example):  # type: ignore[no-untyped-def]
        label = classify(ex.text, speaker_said=ex.speaker_said, model=model, **kw) or "sympathy"
        return label, action_for(label)

    return predict


def show(name: str, report: Report) -> None:
    per = " ".join(f"{k[:6]}={v:.2f}" for k, v in report.per_label.items())
    print(
        f"{name:34s} n={report.rows:4d} stop={report.stop_rate:.3f} "
        f"false_hold={report.false_hold:.3f} | {per}"
    )


def folds(keys: Sequence[str], k: int, seed: int = 7) -> list[set[str]]:
    uniq = sorted(set(keys))
    random.Random(seed).shuffle(uniq)
    return [set(uniq[i::k]) for i in range(k)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cv-only", action="store_true")
    ap.add_argument("--c", type=float, default=1.0)
    ap.add_argument("--annomi-weight", type=float, default=0.3)
    ap.add_argument("--written-weight", type=float, default=1.0)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--no-cv", action="store_true")
    ap.add_argument("--hold-threshold", type=float, default=decide.HOLD_THRESHOLD)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    global HOLD
    HOLD = args.hold_threshold

    written = read_written(DATA / "written-train.txt")
    holdout = read_written(DATA / "written-holdout.txt")
    dev = read_dev()
    annomi = read_annomi_dev()
    ww, aw = args.written_weight, args.annomi_weight
    base = [(ex, ww) for ex in written] + [(ex, aw) for _, ex in annomi]
    kw = {"c": args.c, "min_count": args.min_count}

    if not args.no_cv:
        # 1. No couples' dev rows at all: the closest thing to an unseen couples corpus.
        m0 = fit(base, **kw)
        show("no-dev model -> dev.csv", evaluate([ex for _, ex in dev], predict=predictor(m0)))
        show("no-dev model -> written holdout", evaluate(holdout, predict=predictor(m0)))
        # 2. 10-fold CV over dev scenarios (each scenario is held out with all its rows).
        preds: dict[int, tuple[str, str]] = {}
        keys = [s for s, _ in dev]
        for fold in folds(keys, 10):
            train = base + [(ex, 1.0) for s, ex in dev if s not in fold]
            m = fit(train, **kw)
            p = predictor(m)
            for i, (s, ex) in enumerate(dev):
                if s in fold:
                    preds[i] = p(ex)
        ordered = iter([preds[i] for i in range(len(dev))])
        cv = evaluate([ex for _, ex in dev], predict=lambda ex: next(ordered))
        show("dev.csv 10-fold CV by scenario", cv)
        if args.verbose:
            for ex, got in cv.mistakes:
                print(f"   {ex.label:15s} -> {got:15s} {ex.text[:90]}")
        # 3. AnnoMI dev, 5-fold CV by transcript (still only dev rows).
        if annomi:
            apreds: list[tuple[str, str]] = []
            aex: list[Example] = []
            akeys = [t for t, _ in annomi]
            for fold in folds(akeys, 5):
                train = (
                    [(ex, ww) for ex in written]
                    + [(ex, 1.0) for _, ex in dev]
                    + [(ex, aw) for t, ex in annomi if t not in fold]
                )
                m = fit(train, **kw)
                p = predictor(m)
                for t, ex in annomi:
                    if t in fold:
                        aex.append(ex)
                        apreds.append(p(ex))
            it = iter(apreds)
            show("AnnoMI dev 5-fold CV by transcript", evaluate(aex, predict=lambda ex: next(it)))
    if args.cv_only:
        return
    full = base + [(ex, 1.0) for _, ex in dev]
    model = fit(full, **kw)
    data = {
        "labels": list(model.labels),
        "bias": list(model.bias),
        "weights": {k: list(v) for k, v in sorted(model.weights.items())},
    }
    WEIGHTS_PATH.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_PATH.relative_to(ROOT)}: {len(model.weights)} features")
    show("final model -> written holdout", evaluate(holdout, predict=predictor(model)))


if __name__ == "__main__":
    assert set(LABEL_CODES.values()) == set(LABELS)
    main()
