"""Strictness, reasons and suggestions."""

from __future__ import annotations

import pytest

from app.domain.guard import QUESTION_BANK, judge, reflection_starter


def test_a_closed_question_is_a_nudge_and_advice_a_block() -> None:
    # Whether a nudge is delivered is the exercise's rule (exercises.delivered), not the guard's.
    assert judge("Did you feel angry?").action == "nudge"
    assert judge("You should talk to your boss.").action == "block"


def test_question_bank_has_the_issue_questions() -> None:
    for q in (
        "What was it like for you when…?",
        "What has been the hardest part for you?",
        "What do you need right now?",
        "What do you wish I understood about what you're feeling?",
        "Can you tell me more about that?",
        "How did that make you feel?",
        "Have you felt this way before?",
    ):
        assert q in QUESTION_BANK


@pytest.mark.parametrize(
    ("said", "starter"),
    [
        (
            "I felt jealous when you danced with Leah.",
            "It sounds like you felt jealous when I danced with Leah…",
        ),
        ("You never listen to me.", "It sounds like I never listen to you…"),
        (
            "I'm tired of my body being a project.",
            "It sounds like you're tired of your body being a project…",
        ),
        (
            "I was so angry that you told her first.",
            "It sounds like you were so angry that I told her first…",
        ),
        ("", "It sounds like this really matters to you…"),
        ("Can you help?", "It sounds like this really matters to you…"),
        ("🙂", "It sounds like this really matters to you…"),
    ],
)
def test_reflection_starter_swaps_persons(said: str, starter: str) -> None:
    assert reflection_starter(said) == starter


def test_blocked_message_gets_a_reflection_starter_from_the_speaker() -> None:
    verdict = judge(
        "You should talk to her.", speaker_said="I felt jealous when you danced with Leah."
    )
    assert verdict.action == "block"
    assert verdict.suggestion == "It sounds like you felt jealous when I danced with Leah…"


def test_closed_question_gets_an_open_question_from_the_bank() -> None:
    verdict = judge("Did you feel angry?", speaker_said="You were late again.")
    assert verdict.suggestion in QUESTION_BANK


def test_reason_is_one_kind_sentence() -> None:
    for text in ("You're overreacting.", "At least you still have a job.", "Poor you."):
        reason = judge(text).reason
        assert reason and reason.count(".") <= 1 and reason.endswith(".")


def test_empty_and_emoji_only_are_nudged_not_blocked() -> None:
    for text in ("", "   ", "❤️", "😂😂😂"):
        verdict = judge(text)
        assert verdict.action == "nudge"
        assert verdict.reason and verdict.suggestion
