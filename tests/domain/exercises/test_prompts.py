"""The prompt decks are data: enough of them, each suited to an exercise, none repeated."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainError
from app.domain.exercises import CATALOG, parse_proposal
from app.domain.exercises.actions import PROMPT_MAX
from app.domain.exercises.prompts import (
    DECKS,
    PROMPTS,
    check_not_repeated,
    check_suits,
    clean_own_prompt,
    get_prompt,
    own_ref,
    prompts_for,
    proposal_fields,
    surprise,
)

DECK_SLUGS = {"appreciation", "outside_stress", "hopes_dreams", "repair", "joy_wins",
              "outside_bubble"}


def normal(text: str) -> str:
    """Text without case, punctuation or spacing, to catch near-duplicates."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def test_there_are_at_least_80_prompts_across_the_six_decks() -> None:
    assert len(PROMPTS) >= 80
    assert {d.slug for d in DECKS} == DECK_SLUGS
    per_deck = Counter(p.deck for p in PROMPTS)
    assert set(per_deck) == DECK_SLUGS and min(per_deck.values()) >= 12


def test_every_prompt_belongs_to_at_least_one_real_exercise() -> None:
    for prompt in PROMPTS:
        assert prompt.suits, prompt.id
        assert prompt.suits <= set(CATALOG), prompt.id


def test_no_duplicate_ids_or_words() -> None:
    assert len({p.id for p in PROMPTS}) == len(PROMPTS)
    words = Counter(normal(p.text) for p in PROMPTS)
    assert [w for w, n in words.items() if n > 1] == []


def test_every_exercise_gets_a_real_choice() -> None:
    for slug in CATALOG:
        offered = prompts_for(slug)
        assert len(offered) >= 20, slug
        assert all(slug in p.suits for p in offered)
        assert len({p.deck for p in offered}) >= 3, slug


def test_the_world_outside_your_bubble_has_what_the_issue_asks_for() -> None:
    bubble = [p.text.lower() for p in PROMPTS if p.deck == "outside_bubble"]
    assert any("someone you saw today" in t for t in bubble)
    assert any("character in something you watched" in t for t in bubble)
    assert any("parent's life at your age" in t for t in bubble)


def test_prompts_are_short_plain_sentences() -> None:
    for p in PROMPTS:
        assert 10 <= len(p.text) <= PROMPT_MAX, p.id
        assert p.text[0].isupper() and p.text[-1] in ".?", p.id
        assert re.fullmatch(r"[a-z]+-\d{2}", p.id), p.id
        assert "  " not in p.text and p.text == p.text.strip()


def test_lookups_and_checks() -> None:
    first = PROMPTS[0]
    assert get_prompt(first.id) is first
    for bad in ("", "appreciation-99", None, 3, ["appreciation-01"]):
        with pytest.raises(DomainError) as err:
            get_prompt(bad)
        assert err.value.code == "unknown_prompt"
    unsuited = next(p for p in PROMPTS if "share_a_joy" not in p.suits)
    with pytest.raises(DomainError) as err:
        check_suits(unsuited, "share_a_joy")
    assert err.value.code == "prompt_not_suited" and "Share a joy" in err.value.message
    check_suits(unsuited, next(iter(unsuited.suits)))
    with pytest.raises(DomainError) as err:
        check_not_repeated("own:3", last="own:3")
    assert err.value.code == "prompt_repeated"
    check_not_repeated("own:3", last="own:4")
    check_not_repeated("own:3", last=None)
    assert own_ref(12) == "own:12"


@pytest.mark.parametrize("text", ["", "   ", "x" * 201, "a\x00b", 5, None])
def test_a_couples_own_prompt_is_checked(text: object) -> None:
    with pytest.raises(DomainError) as err:
        clean_own_prompt(text)
    assert err.value.code == "invalid"


def test_a_couples_own_prompt_is_trimmed() -> None:
    assert clean_own_prompt("  The week we moved house \n") == "The week we moved house"


REFS = st.lists(st.sampled_from([p.id for p in PROMPTS[:12]] + ["own:1", "own:2"]),
                min_size=1, max_size=14, unique=True)


@given(candidates=REFS, data=st.data())
def test_surprise_never_repeats_the_last_prompt_and_prefers_fresh_ones(
        candidates: list[str], data: st.DataObject) -> None:
    last = data.draw(st.sampled_from([None, *candidates]))
    used = set(data.draw(st.lists(st.sampled_from(candidates), max_size=len(candidates))))
    if last is not None:
        used.add(last)
    index = data.draw(st.integers(0, 1000))
    if candidates == [last]:
        with pytest.raises(DomainError) as err:
            surprise(candidates, used=used, last=last, pick=lambda n: index % n)
        assert err.value.code == "no_prompt"
        return
    ref = surprise(candidates, used=used, last=last, pick=lambda n: index % n)
    assert ref in candidates and ref != last
    if any(c not in used for c in candidates):
        assert ref not in used


def test_surprise_reaches_every_allowed_prompt_and_checks_the_picker() -> None:
    candidates = ["a", "b", "c"]
    picked = {surprise(candidates, used={"a", "b", "c"}, last="b", pick=lambda n, i=i: i % n)
              for i in range(4)}
    assert picked == {"a", "c"}
    with pytest.raises(ValueError):
        surprise(candidates, used=set(), last=None, pick=lambda n: n)
    with pytest.raises(DomainError):
        surprise([], used=set(), last=None, pick=lambda n: 0)


def test_a_prompt_reference_becomes_the_proposals_fields() -> None:
    assert proposal_fields("") == {}
    assert proposal_fields("stress-03") == {"prompt_id": "stress-03"}
    assert proposal_fields(own_ref(42)) == {"own_prompt_id": 42}
    # Not a number: passed on as it is, for the proposal's check to refuse clearly.
    assert proposal_fields("own:4x") == {"own_prompt_id": "own:4x"}
    assert proposal_fields("own:" + "9" * 12) == {"own_prompt_id": "own:" + "9" * 12}
    with pytest.raises(DomainError) as err:
        parse_proposal({"kind": "speaker_listener", "first_speaker": "me",
                        **proposal_fields("own:4x")})
    assert err.value.code == "invalid"
