"""Train the listener guard's linear model offline and export pure-Python weights.

Uses scikit-learn (a dev tool) here only; the app scores the exported JSON without it.
Training data: only the moves we wrote (tests/domain/guard/data/written-train*.txt) and the
couples' dev corpus (tests/data/listener-moves-dev.csv). AnnoMI is never read here: nothing is
trained, tuned or selected on it (the benchmark reads its test split once, to report).

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
from app.domain.guard.decide import classify, no_words_label
from app.domain.guard.evaluate import LABEL_CODES, Example, Report, evaluate, read_written
from app.domain.guard.features import features
from app.domain.guard.labels import LABELS, action_for
from app.domain.guard.model import WEIGHTS_PATH, LinearModel

DATA = ROOT / "tests" / "domain" / "guard" / "data"
DEV_CSV = ROOT / "tests" / "data" / "listener-moves-dev.csv"


# The files the shipped encoder was trained on. Files added later (written-train-short.txt)
# teach the linear model only: the encoder's weights are not retrained or re-committed.
ENCODER_FILES = ("written-train.txt", "written-train-more.txt")


def read_train_written(*, only: Sequence[str] | None = None) -> list[Example]:
    """Every training file we wrote (written-train*.txt), or ``only`` those named."""
    out: list[Example] = []
    for path in sorted(DATA.glob("written-train*.txt")):
        if only is None or path.name in only:
            out.extend(read_written(path))
    return out


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


class Saved:
    """Stands in for the encoder: its probabilities for each message, computed by
    scripts/train_guard_encoder.py (out of fold), so a blend is scored through ``classify``."""

    def __init__(self, exs: Sequence[Example], rows: Sequence[Sequence[float]]) -> None:
        self.by_key = {(e.text, e.speaker_said): dict(zip(LABELS, r)) for e, r in zip(exs, rows)}

    def probabilities(self, text: str, *, speaker_said: str = "") -> dict[str, float]:
        return self.by_key[(text, speaker_said)]


def predictor(model: LinearModel, **kw: object):  # type: ignore[no-untyped-def]
    kw.setdefault("hold_threshold", HOLD)

    def predict(ex: Example):  # type: ignore[no-untyped-def]
        label = classify(ex.text, speaker_said=ex.speaker_said, model=model, **kw)  # type: ignore[arg-type]
        label = label or no_words_label(ex.text)
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


def blend_grid(  # type: ignore[no-untyped-def]
    enc, base, dev, holdout, short, kw, weights=(0.0, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0),
    thresholds=(0.4, 0.5, 0.6, 0.7),
) -> None:
    """Stop / false hold of each blend weight and hold threshold: no-dev and dev CV decide;
    the written holdout and the short replies are printed beside them, never chosen on."""
    dev_ex = [ex for _, ex in dev]
    m0 = fit(base, **kw)
    nodev_enc = Saved(dev_ex + holdout + short, enc["dev"] + enc["holdout"] + enc["short"])
    cv_enc = Saved(dev_ex, enc["dev_cv"]) if "dev_cv" in enc else None
    shipped: list[Report] = []
    fold_models = []
    for fold in folds([s for s, _ in dev], 10) if cv_enc is not None else ():
        fold_models.append((fold, fit(base + [(ex, 1.0) for s, ex in dev if s not in fold], **kw)))
    print("weight thr | no-dev dev    | dev CV        | holdout (no-dev) | short (no-dev)")
    for w in weights:
        for t in thresholds:
            opts = {"encoder": nodev_enc, "encoder_weight": w, "hold_threshold": t}
            cells = [evaluate(dev_ex, predict=predictor(m0, **opts))]
            preds: dict[int, tuple[str, str]] = {}
            for fold, m in fold_models if cv_enc is not None else ():
                p = predictor(m, encoder=cv_enc, encoder_weight=w, hold_threshold=t)
                for i, (s, ex) in enumerate(dev):
                    if s in fold:
                        preds[i] = p(ex)
            if preds:
                it = iter([preds[i] for i in range(len(dev))])
                cells.append(evaluate(dev_ex, predict=lambda ex, it=it: next(it)))
            cells.append(evaluate(holdout, predict=predictor(m0, **opts)))
            cells.append(evaluate(short, predict=predictor(m0, **opts)))
            print(f"{w:.1f}    {t:.1f} | " + " | ".join(
                f"{r.stop_rate:.3f}/{r.false_hold:.3f}" for r in cells), flush=True)
            if (w, t) == (decide.ENCODER_WEIGHT, decide.HOLD_THRESHOLD):
                shipped = cells
    print(f"shipped setting: weight {decide.ENCODER_WEIGHT}, threshold {decide.HOLD_THRESHOLD}")
    names = ["no-dev -> dev.csv", "dev.csv CV by scenario", "no-dev -> holdout", "no-dev -> short"]
    for name, report in zip(names if len(shipped) == 4 else names[:1] + names[2:], shipped):
        show(name, report)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cv-only", action="store_true")
    ap.add_argument("--c", type=float, default=1.0)
    ap.add_argument("--written-weight", type=float, default=1.0)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--no-cv", action="store_true")
    ap.add_argument("--hold-threshold", type=float, default=decide.HOLD_THRESHOLD)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--encoder-weight", type=float, default=decide.ENCODER_WEIGHT)
    ap.add_argument(
        "--encoder-probs",
        type=Path,
        help="JSON from train_guard_encoder.py --no-dev --cv: score blends of both models",
    )
    args = ap.parse_args()
    global HOLD
    HOLD = args.hold_threshold

    written = read_train_written()
    holdout = read_written(DATA / "written-holdout.txt")
    short = read_written(DATA / "short-replies.txt")
    dev = read_dev()
    ww = args.written_weight
    base = [(ex, ww) for ex in written]
    kw = {"c": args.c, "min_count": args.min_count}

    if args.encoder_probs:
        blend_grid(json.loads(args.encoder_probs.read_text()), base, dev, holdout, short, kw)
        return
    if not args.no_cv:
        # 1. No couples' dev rows at all: the closest thing to an unseen couples corpus.
        m0 = fit(base, **kw)
        show("no-dev model -> dev.csv", evaluate([ex for _, ex in dev], predict=predictor(m0)))
        show("no-dev model -> written holdout", evaluate(holdout, predict=predictor(m0)))
        show("no-dev model -> short replies", evaluate(short, predict=predictor(m0)))
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
    show("final model -> short replies", evaluate(short, predict=predictor(model)))


if __name__ == "__main__":
    assert set(LABEL_CODES.values()) == set(LABELS)
    main()
