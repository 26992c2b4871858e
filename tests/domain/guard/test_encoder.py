"""The encoder: it loads once from the repository's files, refuses bad files, reads the pair,
and the cascade that skips it never changes whether a message is held."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.guard import LABELS, EncoderError, load_guard
from app.domain.guard.decide import classify
from app.domain.guard.encoder import ENCODER_DIR, Encoder
from app.domain.guard.labels import action_for
from app.domain.guard.model import default_model
from tests.domain.guard.test_properties import WORDY_TEXT


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder(ENCODER_DIR)


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "encoder"
    shutil.copytree(ENCODER_DIR, target)
    return target


def test_the_shipped_model_is_one_small_int8_file() -> None:
    size = (ENCODER_DIR / "model.onnx").stat().st_size
    assert 5_000_000 < size < 40_000_000


def test_probabilities_cover_every_label_and_sum_to_one(encoder: Encoder) -> None:
    probs = encoder.probabilities("You should talk to her.", speaker_said="I felt jealous.")
    assert set(probs) == set(LABELS)
    assert abs(sum(probs.values()) - 1.0) < 1e-4


def test_it_reads_the_speakers_message_too(encoder: Encoder) -> None:
    text = "Twice? I did the school run all month."
    alone = encoder.probabilities(text)
    paired = encoder.probabilities(text, speaker_said="You've been late for pick-up twice.")
    assert max(abs(alone[k] - paired[k]) for k in LABELS) > 0.001


def test_a_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = _copy(tmp_path)
    (broken / "model.onnx").unlink()
    with pytest.raises(EncoderError, match="model file .*model.onnx is missing"):
        load_guard(broken)


def test_a_corrupt_model_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = _copy(tmp_path)
    (broken / "model.onnx").write_bytes(b"not a model at all" * 100)
    with pytest.raises(EncoderError, match="could not be loaded"):
        load_guard(broken)


def test_a_corrupt_tokenizer_is_a_clear_error(tmp_path: Path) -> None:
    broken = _copy(tmp_path)
    (broken / "tokenizer.json").write_text("{", encoding="utf-8")
    with pytest.raises(EncoderError, match="could not be loaded"):
        load_guard(broken)


def test_a_model_with_other_labels_is_refused(tmp_path: Path) -> None:
    broken = _copy(tmp_path)
    (broken / "labels.json").write_text('["allow", "block"]', encoding="utf-8")
    with pytest.raises(EncoderError, match="other labels"):
        load_guard(broken)


def _held(label: str | None) -> tuple[bool, bool]:
    action = action_for(label) if label is not None else "nudge"
    return action != "allow", action == "block"


@settings(deadline=None, max_examples=150)
@given(text=WORDY_TEXT | st.text(max_size=120), said=WORDY_TEXT)
def test_the_cascade_never_changes_whether_a_message_is_held(
    encoder: Encoder, text: str, said: str
) -> None:
    kw = {"speaker_said": said, "model": default_model(), "encoder": encoder}
    assert _held(classify(text, cascade=True, **kw)) == _held(classify(text, cascade=False, **kw))
