"""The narrower-of-two rule: every combination of the two partners' choices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import DomainError
from app.domain.therapy import consent
from app.domain.therapy.consent import Change

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

# (a's choice, b's choice) -> (ratings seen, conversations seen)
TABLE = [
    ("completion", "completion", "completion", False, False),
    ("completion", "ratings", "completion", False, False),
    ("completion", "conversations", "completion", False, False),
    ("ratings", "completion", "completion", False, False),
    ("ratings", "ratings", "ratings", True, False),
    ("ratings", "conversations", "ratings", True, False),
    ("conversations", "completion", "completion", False, False),
    ("conversations", "ratings", "ratings", True, False),
    ("conversations", "conversations", "conversations", True, True),
]


@pytest.mark.parametrize("a,b,level,ratings,conversations", TABLE)
def test_the_therapist_sees_the_narrower_choice(a: consent.Level, b: consent.Level, level: str,
                                                ratings: bool, conversations: bool) -> None:
    sees = consent.visibility((a, b))
    assert sees.level == level
    assert sees.completion is True
    assert sees.ratings is ratings
    assert sees.conversations is conversations


@pytest.mark.parametrize("choices", [(None, "conversations"), ("ratings", None), (None, None)])
def test_nothing_until_both_accepted(choices: tuple[consent.Level | None, ...]) -> None:
    assert consent.visibility(choices) == consent.NOTHING
    assert not consent.visibility(choices).any


def test_nothing_once_the_link_ended() -> None:
    assert consent.visibility(("conversations", "conversations"), active=False) == \
        consent.NOTHING


def test_the_latest_choice_of_each_partner_counts() -> None:
    history = [Change(user=1, level="conversations", at=T0),
               Change(user=2, level="ratings", at=T0 + timedelta(minutes=1)),
               Change(user=1, level="completion", at=T0 + timedelta(minutes=2)),
               Change(user=2, level=None, at=T0 + timedelta(minutes=3))]
    assert consent.current_choices(history, (1, 2)) == ("completion", None)
    assert consent.current_choices(history[:2], (1, 2)) == ("conversations", "ratings")
    assert consent.current_choices(history[:2], (2, 1)) == ("ratings", "conversations")


@pytest.mark.parametrize("raw", ["", "everything", None, 3, ["ratings"]])
def test_an_unknown_level_is_a_clear_error(raw: object) -> None:
    with pytest.raises(DomainError) as err:
        consent.parse_level(raw)
    assert "Choose what to share" in err.value.message
