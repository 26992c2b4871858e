"""parse_action and parse_proposal: untrusted JSON in, a typed value or ``invalid`` out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import DomainError
from app.domain.exercises import (
    ACTION_TYPES,
    Accept,
    CallBreak,
    Cancel,
    Check,
    ClaimReflection,
    Confirm,
    Decline,
    EndEarly,
    EndTurn,
    Guess,
    MarkAccuracy,
    MarkSlip,
    NameMoment,
    Proposal,
    Rate,
    Ready,
    Reveal,
    Say,
    Schedule,
    Share,
    Start,
    parse_action,
    parse_proposal,
)


def bad(type_: object, payload: object, code: str = "invalid") -> DomainError:
    """Assert the payload is refused and return the error."""
    with pytest.raises(DomainError) as err:
        parse_action(type_, payload)  # type: ignore[arg-type]
    assert err.value.code == code
    assert err.value.message
    return err.value


@pytest.mark.parametrize("type_, payload, expected", [
    ("accept", {}, Accept()),
    ("accept", None, Accept()),
    ("decline", {}, Decline()),
    ("cancel", {}, Cancel()),
    ("start", {}, Start()),
    ("check", {}, Check()),
    ("end_turn", {}, EndTurn()),
    ("ready", {}, Ready()),
    ("end_early", {}, EndEarly()),
    ("schedule", {"at": "2025-03-01T19:00:00Z"},
     Schedule(at=datetime(2025, 3, 1, 19, tzinfo=UTC))),
    ("schedule", {"at": "2025-03-01T21:00:00+02:00"},
     Schedule(at=datetime(2025, 3, 1, 19, tzinfo=UTC))),
    ("share", {"text": "  I was scared. "}, Share("I was scared.")),
    ("say", {"text": "It sounds hard."}, Say("It sounds hard.", send_anyway=False)),
    ("say", {"text": "Poor you", "send_anyway": True}, Say("Poor you", send_anyway=True)),
    ("confirm", {"kind": "not_quite"}, Confirm("not_quite")),
    ("call_break", {}, CallBreak(minutes=20, resume_at=None)),
    ("call_break", {"minutes": 30, "resume_at": "2025-03-01T19:00:00Z"},
     CallBreak(minutes=30, resume_at=datetime(2025, 3, 1, 19, tzinfo=UTC))),
    ("call_break", {"minutes": None, "resume_at": None}, CallBreak()),
    ("rate", {"seen": 0, "understood": 10}, Rate(seen=0, understood=10, note="")),
    ("rate", {"seen": 7, "understood": 3, "note": " thanks "}, Rate(7, 3, "thanks")),
    ("rate", {"seen": 7, "understood": 3, "note": None}, Rate(7, 3, "")),
    ("name_moment", {"text": " the call from the school "}, NameMoment("the call from the school")),
    ("guess", {"felt": "alone", "needed": "a hand"}, Guess(felt="alone", needed="a hand")),
    ("reveal", {}, Reveal()),
    ("mark_accuracy", {"score": 0}, MarkAccuracy(score=0, missed="")),
    ("mark_accuracy", {"score": 10, "missed": " how tired I was "},
     MarkAccuracy(score=10, missed="how tired I was")),
    ("mark_slip", {"of": 7, "slip": "brushing_off"}, MarkSlip(of=7, slip="brushing_off")),
    ("claim_reflection", {"of": 9}, ClaimReflection(of=9)),
])
def test_valid_payloads(type_: str, payload: Any, expected: object) -> None:
    assert parse_action(type_, payload) == expected


def test_every_type_is_known() -> None:
    assert ACTION_TYPES == {
        "accept", "schedule", "decline", "cancel", "start", "share", "say", "check", "confirm",
        "end_turn", "call_break", "ready", "end_early", "rate",
        "name_moment", "guess", "reveal", "mark_accuracy", "another_round",
        "mark_slip", "claim_reflection",
    }


@pytest.mark.parametrize("type_, payload", [
    ("name_moment", {}), ("name_moment", {"text": ""}), ("name_moment", {"text": "x" * 201}),
    ("name_moment", {"text": "hi", "felt": "x"}),
    ("guess", {"felt": "alone"}), ("guess", {"needed": "a hand"}),
    ("guess", {"felt": "", "needed": "a hand"}), ("guess", {"felt": "a", "needed": "x" * 501}),
    ("guess", {"felt": "a", "needed": "b", "by": 1}),
    ("reveal", {"felt": "a"}),
    ("mark_accuracy", {}), ("mark_accuracy", {"score": None}), ("mark_accuracy", {"score": 11}),
    ("mark_accuracy", {"score": -1}), ("mark_accuracy", {"score": True}),
    ("mark_accuracy", {"score": "7"}), ("mark_accuracy", {"score": 7.0}),
    ("mark_accuracy", {"score": 7, "missed": "m" * 1001}),
    ("mark_accuracy", {"score": 7, "speaker": 1}),
])
def test_perspective_payloads_are_checked(type_: str, payload: Any) -> None:
    bad(type_, payload)


@pytest.mark.parametrize("type_, payload", [
    ("mark_slip", {}), ("mark_slip", {"of": 3}), ("mark_slip", {"slip": "fixing"}),
    ("mark_slip", {"of": 3, "slip": "rude"}), ("mark_slip", {"of": 3, "slip": "advice"}),
    ("mark_slip", {"of": True, "slip": "fixing"}), ("mark_slip", {"of": "3", "slip": "fixing"}),
    ("mark_slip", {"of": 0, "slip": "fixing"}), ("mark_slip", {"of": 3, "slip": ["fixing"]}),
    ("mark_slip", {"of": 3, "slip": "fixing", "label": "advice"}),
    ("claim_reflection", {}), ("claim_reflection", {"of": -1}), ("claim_reflection", {"of": 2.0}),
    ("claim_reflection", {"of": 2, "label": "reflection"}),
])
def test_teaching_payloads_are_checked(type_: str, payload: Any) -> None:
    bad(type_, payload)


@pytest.mark.parametrize("type_", [
    "listener_message", "Share", "", "apply", None, 3, ["share"], "__class__",
])
def test_unknown_or_server_only_types_are_refused(type_: object) -> None:
    bad(type_, {"text": "hi"})


@pytest.mark.parametrize("type_, payload", [
    # not an object
    ("accept", []), ("accept", "x"), ("share", ["text"]), ("rate", 5),
    # unknown fields
    ("accept", {"now": True}), ("share", {"text": "hi", "speaker": 1}),
    ("say", {"text": "hi", "verdict_action": "allow"}), ("say", {"text": "hi", "label": "x"}),
    ("rate", {"seen": 1, "understood": 1, "user": 2}),
    # missing fields
    ("share", {}), ("say", {"send_anyway": True}), ("confirm", {}), ("schedule", {}),
    ("rate", {"seen": 1}), ("rate", {"understood": 1}),
    # wrong types, bools-as-ints, nested junk
    ("share", {"text": 5}), ("share", {"text": None}), ("share", {"text": ["a"]}),
    ("share", {"text": {"$gt": ""}}), ("say", {"text": "hi", "send_anyway": "true"}),
    ("say", {"text": "hi", "send_anyway": 1}), ("confirm", {"kind": ["landed"]}),
    ("confirm", {"kind": "yes"}), ("confirm", {"kind": "LANDED"}),
    ("rate", {"seen": True, "understood": 5}), ("rate", {"seen": 5, "understood": False}),
    ("rate", {"seen": 5.0, "understood": 5}), ("rate", {"seen": "5", "understood": 5}),
    ("rate", {"seen": 5, "understood": 5, "note": 3}),
    ("rate", {"seen": [5], "understood": 5}),
    ("call_break", {"minutes": True}), ("call_break", {"minutes": 20.5}),
    ("call_break", {"minutes": "20"}), ("call_break", {"resume_at": 1700000000}),
    # out of range, too long, empty
    ("rate", {"seen": 11, "understood": 5}), ("rate", {"seen": -1, "understood": 5}),
    ("rate", {"seen": 10 ** 100, "understood": 5}),
    ("rate", {"seen": 5, "understood": 5, "note": "n" * 1001}),
    ("call_break", {"minutes": 4}), ("call_break", {"minutes": 121}),
    ("share", {"text": ""}), ("share", {"text": " \n\t "}), ("share", {"text": "x" * 2001}),
    ("share", {"text": " " * 1_000_000}), ("say", {"text": "x" * 2001}),
    # hidden characters
    ("share", {"text": "hi\x00"}), ("share", {"text": "a\x1b[2Jb"}),
    ("share", {"text": "abc\u202edcb"}), ("share", {"text": "x\ud800"}),
    # dates
    ("schedule", {"at": "2025-03-01T19:00:00"}), ("schedule", {"at": "tomorrow"}),
    ("schedule", {"at": ""}), ("schedule", {"at": "2025-03-01T19:00:00Z" + " " * 100}),
    ("schedule", {"at": {"date": "2025-03-01"}}), ("schedule", {"at": 1740855600}),
    ("call_break", {"resume_at": "2025-13-01T00:00:00Z"}),
])
def test_bad_payloads_are_refused(type_: str, payload: Any) -> None:
    bad(type_, payload)


def test_text_of_2000_characters_after_stripping_is_fine() -> None:
    action = parse_action("share", {"text": "  " + "w" * 2000 + "\n"})
    assert action == Share("w" * 2000)


def test_newlines_tabs_joiners_and_emoji_survive() -> None:
    text = "line one\r\nline\ttwo 👩\u200d❤️\u200d👨"
    assert parse_action("say", {"text": text}) == Say("line one\nline\ttwo 👩\u200d❤️\u200d👨")


def test_error_messages_do_not_echo_huge_keys() -> None:
    err = bad("accept", {"k" * 10_000: 1})
    assert len(err.message) < 200


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                  max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from(["text", "send_anyway", "kind", "at", "minutes", "resume_at", "seen",
                          "understood", "note", "x"])


@settings(max_examples=300, deadline=None)
@given(
    type_=st.sampled_from(sorted(ACTION_TYPES)) | st.text(max_size=12),
    payload=st.dictionaries(FIELDS, JSON, max_size=4) | JSON,
)
def test_fuzzed_payloads_parse_or_raise_invalid(type_: str, payload: object) -> None:
    try:
        action = parse_action(type_, payload)
    except DomainError as err:
        assert err.code == "invalid" and err.message
    else:
        assert action.name == type_
        # What parses is plain data that can be logged.
        json.dumps(repr(action))


@pytest.mark.parametrize("payload, expected", [
    ({"kind": "slow_down", "first_speaker": "random"},
     Proposal(kind="slow_down", topic="", first_speaker="random", strictness=None)),
    ({"kind": "share_a_joy", "topic": "  promotion ", "first_speaker": "me",
      "strictness": "strict"},
     Proposal(kind="share_a_joy", topic="promotion", first_speaker="me", strictness="strict")),
    ({"kind": "curious_questions", "first_speaker": "partner", "topic": None},
     Proposal(kind="curious_questions", topic="", first_speaker="partner", strictness=None)),
])
def test_valid_proposals(payload: dict[str, Any], expected: Proposal) -> None:
    assert parse_proposal(payload) == expected


@pytest.mark.parametrize("payload, code", [
    ({"kind": "dance", "first_speaker": "me"}, "unknown_exercise"),
    ({"kind": 3, "first_speaker": "me"}, "invalid"),
    ({"first_speaker": "me"}, "invalid"),
    ({"kind": "slow_down"}, "invalid"),
    ({"kind": "slow_down", "first_speaker": "both"}, "invalid"),
    ({"kind": "slow_down", "first_speaker": ["me"]}, "invalid"),
    ({"kind": "slow_down", "first_speaker": "me", "strictness": "harsh"}, "invalid"),
    ({"kind": "slow_down", "first_speaker": "me", "strictness": ["strict"]}, "invalid"),
    ({"kind": "slow_down", "first_speaker": "me", "topic": "t" * 201}, "invalid"),
    ({"kind": "slow_down", "first_speaker": "me", "partner": 3}, "invalid"),
    ([], "invalid"),
])
def test_bad_proposals(payload: Any, code: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_proposal(payload)
    assert err.value.code == code
