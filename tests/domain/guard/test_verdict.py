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
            "It sounds like you felt jealous when I danced with Leah.",
        ),
        ("You never listen to me.", "It sounds like I never listen to you."),
        (
            "I'm tired of my body being a project.",
            "It sounds like you're tired of your body being a project.",
        ),
        (
            "I was so angry that you told her first.",
            "It sounds like you were so angry that I told her first.",
        ),
        ("", "It sounds like this really matters to you."),
        ("Can you help?", "It sounds like this really matters to you."),
        ("🙂", "It sounds like this really matters to you."),
    ],
)
def test_reflection_starter_swaps_persons(said: str, starter: str) -> None:
    assert reflection_starter(said) == starter


def test_blocked_message_gets_a_suggestion_that_names_the_speakers_feeling() -> None:
    verdict = judge(
        "You should talk to her.", speaker_said="I felt jealous when you danced with Leah."
    )
    assert verdict.action == "block"
    assert "jealous" in verdict.suggestion
    assert "Leah" not in verdict.suggestion  # the feeling, not the facts again


SAID = "I felt jealous when you danced with Leah."
HELD = [
    ("You should talk to her.", "advice"),
    ("You're overreacting.", "judgement"),
    ("That's not what happened.", "defensiveness"),
    ("At least you still have a job.", "minimizing"),
    ("Me too, my day was awful.", "self_focus"),
    ("Oh you poor thing.", "sympathy"),
]


@pytest.mark.parametrize(("text", "label"), HELD)
def test_suggestions_are_whole_sentences_about_the_feeling(text: str, label: str) -> None:
    verdict = judge(text, speaker_said=SAID)
    assert verdict.label == label
    assert not verdict.suggestion.endswith("\u2026") and "..." not in verdict.suggestion
    assert verdict.suggestion[0].isupper() and verdict.suggestion[-1] in ".?!"
    assert "jealous" in verdict.suggestion


@pytest.mark.parametrize(("text", "label"), HELD)
def test_without_a_named_feeling_the_suggestion_asks_about_it(text: str, label: str) -> None:
    verdict = judge(text, speaker_said="I got passed over for the promotion again.")
    assert verdict.suggestion.endswith("?")
    assert "promotion" not in verdict.suggestion


def test_suggestions_fit_the_label() -> None:
    advice = judge("You should talk to her.", speaker_said=SAID, attempt=0).suggestion
    defending = judge("That's not what happened.", speaker_said=SAID, attempt=0).suggestion
    assert advice != defending
    assert "fix" in advice
    assert "my side" in defending


def test_suggestions_differ_between_attempts() -> None:
    seen = [
        judge("You should talk to her.", speaker_said=SAID, attempt=n).suggestion
        for n in range(3)
    ]
    assert len(set(seen)) == 3


def test_joy_gets_a_joyful_suggestion() -> None:
    verdict = judge("Don't get your hopes up.", speaker_said="I'm so proud, I got the part!")
    assert verdict.label == "minimizing"
    assert "proud" in verdict.suggestion
    assert "hard" not in verdict.suggestion


def test_closed_question_gets_an_open_question_from_the_bank() -> None:
    verdict = judge("Did you feel angry?", speaker_said="You were late again.")
    assert verdict.suggestion in QUESTION_BANK


def test_reason_is_one_kind_sentence() -> None:
    for text in ("You're overreacting.", "At least you still have a job.", "Poor you."):
        reason = judge(text).reason
        assert reason and reason.count(".") <= 1 and reason.endswith(".")


def test_nothing_at_all_is_nudged_not_blocked() -> None:
    for text in ("", "   ", "\n\t"):
        verdict = judge(text)
        assert verdict.action == "nudge"
        assert verdict.reason and verdict.suggestion


def test_an_emoji_on_its_own_is_presence_unless_it_scorns() -> None:
    for text in ("\u2764\ufe0f", "\U0001fac2", "\U0001f494", "\U0001f389\U0001f389"):
        assert judge(text, speaker_said="I got the job!").action == "allow", text
    for text in ("\U0001f644", "\U0001f602\U0001f602\U0001f602", "\U0001f937"):
        assert judge(text, speaker_said="I got passed over again.").action == "block", text
