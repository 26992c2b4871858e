"""A linear classifier over the guard's features, scored in pure Python from exported weights."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, cast

from app.domain.guard.labels import LABELS, Label

WEIGHTS_PATH: Final = Path(__file__).with_name("model_weights.json")


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Multinomial logistic regression: one weight row per feature, one column per label."""

    labels: tuple[Label, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, Sequence[float]]

    def probabilities(self, feats: Mapping[str, float]) -> dict[Label, float]:
        """Softmax probability of each label for one feature set."""
        get = self.weights.get
        rows: list[Sequence[float]] = [self.bias]
        for name, value in feats.items():
            row = get(name)
            if row is not None:
                # Features are binary, so rows add up without a multiply (zip keeps it fast).
                rows.append(row if value == 1.0 else tuple(w * value for w in row))
        scores = [sum(column) for column in zip(*rows)]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {label: e / total for label, e in zip(self.labels, exps)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> LinearModel:
        """Build a model from the exported JSON mapping (labels, bias, weights)."""
        labels = tuple(cast(Sequence[str], data["labels"]))
        unknown = set(labels) - set(LABELS)
        if unknown:
            raise ValueError(f"unknown labels in weights: {sorted(unknown)}")
        bias = tuple(float(b) for b in cast(Sequence[float], data["bias"]))
        raw = cast(Mapping[str, Sequence[float]], data["weights"])
        weights = {name: tuple(float(w) for w in row) for name, row in raw.items()}
        return cls(labels=cast(tuple[Label, ...], labels), bias=bias, weights=weights)


@cache
def default_model() -> LinearModel:
    """The model shipped with the repo (trained by scripts/train_guard.py), loaded once."""
    with WEIGHTS_PATH.open(encoding="utf-8") as fh:
        return LinearModel.from_json(json.load(fh))
