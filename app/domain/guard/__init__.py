"""The listener guard: label a listener's message and decide whether it reaches the speaker.

Pure and typed: no Flask, no database, no network.  ``judge`` reads the listener's text and the
speaker's last message and returns a :class:`Verdict` (label, action, a kind reason and a
suggestion), following docs/listener-moves.md.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from app.domain.guard.decide import classify, no_words_label
from app.domain.guard.encoder import ENCODER_DIR, Encoder, EncoderError
from app.domain.guard.labels import (
    ALLOWED_LABELS,
    BLOCK_LABELS,
    LABELS,
    NUDGE_LABELS,
    Action,
    Label,
    Strictness,
    Verdict,
    action_for,
)
from app.domain.guard.model import default_model
from app.domain.guard.suggest import QUESTION_BANK, reason_for, reflection_starter, suggestion_for

__all__ = [
    "ALLOWED_LABELS",
    "BLOCK_LABELS",
    "LABELS",
    "NUDGE_LABELS",
    "QUESTION_BANK",
    "Action",
    "EncoderError",
    "Label",
    "Strictness",
    "Verdict",
    "judge",
    "load_guard",
    "reflection_starter",
]

@cache
def _encoder_at(directory: Path) -> Encoder:
    return Encoder(directory)  # a failed load raises and is not cached


_active: dict[str, Path | None] = {"encoder": ENCODER_DIR}


def load_guard(encoder_dir: Path | None = None, *, use_encoder: bool = True) -> None:
    """Load the guard's models now, once per process (the app calls this at start-up).

    Raises :class:`EncoderError` with a clear message when the encoder's files are missing or
    unreadable, so a server never starts with a guard that cannot judge meaning.
    ``use_encoder=False`` judges with the rules and the linear model only (the guard before
    the encoder); the realtime benchmark compares the two, production never turns it off.
    """
    directory = Path(encoder_dir) if encoder_dir is not None else ENCODER_DIR
    if use_encoder:
        _encoder_at(directory)
    default_model()
    _active["encoder"] = directory if use_encoder else None


def judge(text: str, *, speaker_said: str = "", attempt: int | None = None) -> Verdict:
    """Label one listener message and say whether it may reach the speaker, and why.

    ``attempt`` counts the listener's held messages in a row (0 for the first) so that each
    new try gets a different suggestion.
    """
    found = classify(
        text,
        speaker_said=speaker_said,
        model=default_model(),
        encoder=None if (where := _active["encoder"]) is None else _encoder_at(where),
    )
    label = no_words_label(text) if found is None else found
    return Verdict(
        label=label,
        action=action_for(label),
        reason=reason_for(None if found is None and label == "sympathy" else label),
        suggestion=suggestion_for(label, text=text, speaker_said=speaker_said, attempt=attempt),
    )
