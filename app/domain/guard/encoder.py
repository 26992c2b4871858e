"""The guard's encoder: a small fine-tuned transformer that reads the listener's message together
with the speaker's last message and gives a probability for each listener-move label.

The weights ship in the repository (``encoder/model.onnx``, int8, trained by
scripts/train_guard_encoder.py) with the tokenizer (``encoder/tokenizer.json``); nothing is
downloaded.  ONNX Runtime runs it on one thread, so one judgement never takes more than one core.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from app.domain.guard.labels import LABELS, Label
from app.domain.guard.text import clean

ENCODER_DIR: Final = Path(__file__).with_name("encoder")
# Listener and speaker together are cut to this many tokens (the longer of the two first).
MAX_TOKENS: Final = 64


class EncoderError(RuntimeError):
    """The encoder's files are missing or unreadable: the guard cannot judge meaning."""


def configure_tokenizer(tok: Tokenizer, *, pad: bool = False) -> Tokenizer:
    """Truncate pairs to MAX_TOKENS (and pad batches) the same way in training and at run time."""
    tok.enable_truncation(max_length=MAX_TOKENS)
    if pad:
        tok.enable_padding()
    else:
        tok.no_padding()
    return tok


def encoder_inputs(text: str, speaker_said: str) -> tuple[str, str]:
    """The pair the encoder reads: both messages cleaned as the rest of the guard cleans them."""
    return clean(text), clean(speaker_said)


class Encoder:
    """One loaded encoder: an ONNX Runtime session and its tokenizer."""

    def __init__(self, directory: Path = ENCODER_DIR) -> None:
        model, vocab, names = (directory / n for n in ("model.onnx", "tokenizer.json", "labels.json"))
        for path in (model, vocab, names):
            if not path.is_file():
                raise EncoderError(
                    f"The listener guard's model file {path} is missing; reinstall Attune or "
                    "run scripts/train_guard_encoder.py --final."
                )
        try:
            labels = json.loads(names.read_text(encoding="utf-8"))
            self._tok = configure_tokenizer(Tokenizer.from_file(str(vocab)))
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.log_severity_level = 3
            self._session = ort.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # any unreadable file is the same failure for the operator
            raise EncoderError(
                f"The listener guard's model in {directory} could not be loaded ({exc}); "
                "reinstall Attune or run scripts/train_guard_encoder.py --final."
            ) from exc
        if list(labels) != list(LABELS):
            raise EncoderError(f"The listener guard's model in {directory} has other labels.")
        self._labels: tuple[Label, ...] = LABELS
        # One run at the longest input now, so the first real message does not pay for
        # ONNX Runtime growing its buffers (and a file that loads but cannot run fails here).
        try:
            self.probabilities("warm up " * MAX_TOKENS, speaker_said="warm up " * MAX_TOKENS)
        except Exception as exc:
            raise EncoderError(
                f"The listener guard's model in {directory} loads but does not run ({exc})."
            ) from exc

    def probabilities(self, text: str, *, speaker_said: str = "") -> dict[Label, float]:
        """Softmax probability of each label for one listener message and its context."""
        enc = self._tok.encode(*encoder_inputs(text, speaker_said))
        feeds = {
            "input_ids": np.array([enc.ids], dtype=np.int64),
            "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([enc.type_ids], dtype=np.int64),
        }
        (probs,) = self._session.run(["probs"], feeds)
        return {label: float(p) for label, p in zip(self._labels, probs[0])}
