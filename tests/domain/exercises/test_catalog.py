"""The catalog is data: every kind has its own words, timing and question bank."""

from __future__ import annotations

import pytest

from app.domain.errors import DomainError
from app.domain.exercises import CATALOG, CHECK_TEXT, get_kind

REQUIRED = ("speaker_listener", "slow_down", "curious_questions", "share_a_joy")


def test_required_kinds_are_present_under_their_slug() -> None:
    assert set(REQUIRED) <= set(CATALOG)
    for slug, kind in CATALOG.items():
        assert kind.slug == slug
        assert get_kind(slug) is kind


@pytest.mark.parametrize("slug", ["", "Speaker_Listener", "nope", "speaker_listener "])
def test_unknown_kind_raises_unknown_exercise(slug: str) -> None:
    with pytest.raises(DomainError) as err:
        get_kind(slug)
    assert err.value.code == "unknown_exercise"


def test_non_string_slug_raises_unknown_exercise() -> None:
    with pytest.raises(DomainError) as err:
        get_kind(["speaker_listener"])  # type: ignore[arg-type]
    assert err.value.code == "unknown_exercise"


@pytest.mark.parametrize("slug", REQUIRED)
def test_each_kind_has_its_own_short_words(slug: str) -> None:
    kind = get_kind(slug)
    assert kind.title and kind.summary
    for lines in (kind.speaker_instructions, kind.listener_instructions):
        assert isinstance(lines, tuple) and lines
        assert all(isinstance(line, str) and 0 < len(line) <= 100 for line in lines)
    assert kind.question_bank and kind.reflection_starters
    assert kind.suggested_turn_minutes > 0
    assert [c.kind for c in kind.confirm_choices] == ["landed", "not_quite", "more"]
    assert [c.label for c in kind.confirm_choices] == ["That's it", "Not quite…", "There's more"]
    assert kind.check_text == CHECK_TEXT == "Did I get that right? Is there more?"


def test_instructions_differ_between_kinds() -> None:
    listener_lines = [get_kind(slug).listener_instructions for slug in REQUIRED]
    assert len(set(listener_lines)) == len(REQUIRED)


def test_only_slow_down_has_a_pause() -> None:
    for slug, kind in CATALOG.items():
        expected = 10 if slug == "slow_down" else 0
        assert kind.listener_pause_seconds == expected
        assert bool(kind.pause_prompt) == (expected > 0)
    assert "tone" in get_kind("slow_down").pause_prompt


def test_curious_questions_offers_the_question_bank() -> None:
    assert get_kind("curious_questions").question_bank == (
        "What was it like for you when…?",
        "What has been the hardest part for you?",
        "What do you need right now?",
        "What do you wish I understood about what you're feeling?",
        "Can you tell me more about that?",
        "How did that make you feel?",
        "Have you felt this way before?",
    )


def test_catalog_cannot_be_changed_at_runtime() -> None:
    with pytest.raises(TypeError):
        CATALOG["x"] = get_kind("slow_down")  # type: ignore[index]
    with pytest.raises(AttributeError):
        get_kind("slow_down").listener_pause_seconds = 0  # type: ignore[misc]
