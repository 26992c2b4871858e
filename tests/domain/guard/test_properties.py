"""The guard is total and deterministic on any string."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.guard import LABELS, Verdict, judge
from app.domain.guard.labels import action_for

ANY_TEXT = st.text(max_size=400)
WORDY_TEXT = st.lists(
    st.sampled_from(
        [
            "I",
            "you",
            "my",
            "your",
            "should",
            "feel",
            "sorry",
            "poor",
            "at",
            "least",
            "why",
            "don't",
            "what",
            "how",
            "did",
            ".",
            "?",
            "!",
            ",",
            "too",
            "me",
            "same",
            "but",
            "not",
            "true",
            "just",
            "maybe",
            "it",
            "sounds",
            "like",
            "😂",
            "\x00",
            "\n",
            "über",
            "你好",
        ]
    ),
    max_size=40,
).map(" ".join)


def _well_formed(verdict: Verdict) -> None:
    assert verdict.label in LABELS
    assert verdict.action == action_for(verdict.label)
    assert isinstance(verdict.reason, str) and verdict.reason
    assert isinstance(verdict.suggestion, str) and verdict.suggestion


@settings(deadline=None, max_examples=300)
@given(text=ANY_TEXT | WORDY_TEXT, said=ANY_TEXT | WORDY_TEXT)
def test_total_and_deterministic(text: str, said: str) -> None:
    first = judge(text, speaker_said=said)
    _well_formed(first)
    assert judge(text, speaker_said=said) == first


def test_awkward_inputs() -> None:
    awkward = [
        "",
        " \t\n ",
        "x" * 10_000,
        "You should talk to her. " * 450,
        "😂" * 50,
        "\x00\x01\x02\x1b[31m\x7f",
        "Je comprends que tu sois triste.",
        "你觉得怎么样？",
        "مرحبا كيف حالك",
        "?!?!?!",
        "...",
        "'",
        "I",
    ]
    for text in awkward:
        _well_formed(judge(text, speaker_said=text))
