"""The guard meets the product thresholds on the couples' dev corpus, and generalises."""

from __future__ import annotations

from pathlib import Path

from app.domain.guard import load_guard
from app.domain.guard.decide import classify, no_words_label
from app.domain.guard.encoder import Encoder
from app.domain.guard.evaluate import (
    Example,
    default_predict,
    evaluate,
    read_corpus,
    read_written,
)
from app.domain.guard.labels import Action, Label, action_for
from app.domain.guard.model import default_model

DATA = Path(__file__).resolve().parents[2] / "data"
HOLDOUT = Path(__file__).with_name("data") / "written-holdout.txt"


def test_dev_corpus_meets_the_thresholds() -> None:
    examples, _ = read_corpus(DATA / "listener-moves-dev.csv")
    assert len(examples) == 260
    report = evaluate(examples, predict=default_predict)
    assert report.stop_rate >= 0.95, report.as_json()
    assert report.false_hold <= 0.03, report.as_json()


def test_dev_corpus_meets_the_thresholds_with_the_encoder_on_every_message() -> None:
    # The shipped cascade skips the encoder where it cannot change a hold decision; here it
    # reads every message, so the thresholds hold for the blend itself.
    load_guard()
    encoder = Encoder()

    def predict(ex: Example) -> tuple[Label, Action]:
        label = classify(
            ex.text, speaker_said=ex.speaker_said, model=default_model(), encoder=encoder,
            cascade=False,
        ) or no_words_label(ex.text)
        return label, action_for(label)

    examples, _ = read_corpus(DATA / "listener-moves-dev.csv")
    report = evaluate(examples, predict=predict)
    assert report.stop_rate >= 0.95, report.as_json()
    assert report.false_hold <= 0.03, report.as_json()


def _holdout() -> list[Example]:
    return read_written(HOLDOUT)


def test_written_holdout_never_trained_on() -> None:
    report = evaluate(_holdout(), predict=default_predict)
    assert report.rows > 100
    assert report.stop_rate >= 0.85, report.as_json()
    assert report.false_hold <= 0.05, report.as_json()


def test_short_replies_written_apart_are_judged_well() -> None:
    # Presence, thanks and short validation get through; short fixing and brushing-off do not.
    report = evaluate(read_written(HOLDOUT.with_name("short-replies.txt")), predict=default_predict)
    assert report.rows >= 100
    assert report.stop_rate >= 0.90, report.as_json()
    assert report.false_hold <= 0.12, report.as_json()
