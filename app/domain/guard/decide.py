"""Combine the decisive rules and the model into one label for a listener message."""

from __future__ import annotations

from typing import Final

from app.domain.guard.features import features
from app.domain.guard.labels import ALLOWED_LABELS, SEVERITY, Label
from app.domain.guard.model import LinearModel
from app.domain.guard.rules import DECISIVE, cues
from app.domain.guard.text import clean, sentences, strip_fillers, tokens

# Share of probability on the not-allowed labels above which a message is held.  Chosen by
# cross-validation on the couples' corpus (see docs/guard.md); 0.5 held more allowed messages.
HOLD_THRESHOLD: Final = 0.6
# The model may overrule a decisive "check" only when it is this sure the message is a hold.
CHECK_OVERRULE: Final = 0.9


def _hold_share(probs: dict[Label, float]) -> float:
    return sum(p for label, p in probs.items() if label not in ALLOWED_LABELS)


def _top_hold(probs: dict[Label, float]) -> Label:
    holds = [(p, label) for label, p in probs.items() if label not in ALLOWED_LABELS]
    return max(holds)[1]


def _top(probs: dict[Label, float]) -> Label:
    return max((p, label) for label, p in probs.items())[1]


def _worst(labels: list[Label]) -> Label:
    return max(labels, key=lambda label: SEVERITY[label])


def decisive_labels(sentence: str) -> list[Label]:
    """Labels that the doc's outright patterns give one sentence."""
    found = cues(" ".join(strip_fillers(tokens(sentence))))
    return [label for name, label in DECISIVE if name in found]


def classify(
    text: str,
    *,
    speaker_said: str,
    model: LinearModel,
    hold_threshold: float = HOLD_THRESHOLD,
    use_rules: bool = True,
) -> Label | None:
    """The message's label, or None when it has no words to judge."""
    sents = sentences(clean(text))
    if not sents:
        return None
    ruled: list[Label] = []
    for sent in sents if use_rules else ():
        ruled.extend(decisive_labels(sent))
    ruled_holds = [label for label in ruled if label not in ALLOWED_LABELS]
    if ruled_holds:
        # "The worst one decides": a named pattern anywhere holds the whole message.
        return _worst(ruled_holds)
    probs = model.probabilities(features(text, speaker_said=speaker_said))
    hold_share = _hold_share(probs)
    if ruled and hold_share < CHECK_OVERRULE:
        return ruled[0]
    if hold_share >= hold_threshold:
        return _top_hold(probs)
    allowed = {label: p for label, p in probs.items() if label in ALLOWED_LABELS}
    return _top(allowed)
