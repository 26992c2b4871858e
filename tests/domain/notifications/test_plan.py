"""Who is told what, from an exercise's events, homework and therapy (no app, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.exercises import (
    Accept,
    CallBreak,
    Cancel,
    EndTurn,
    ExerciseState,
    Rate,
    Ready,
    Schedule,
    Share,
    apply,
    new_exercise,
)
from app.domain.notifications import (
    KINDS,
    Names,
    Notice,
    for_exercise,
    for_homework,
    for_homework_done,
    for_sharing_changed,
    for_therapist_linked,
    planned_prefix,
    wording,
)

A, B, EX = 11, 22, 7
T0 = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
SECRET = "I never told you how lonely the move made me"


def start() -> tuple[ExerciseState, list[Notice]]:
    state, events = new_exercise(kind="speaker_listener", proposer=A, partner=B,
                                 first_speaker=A, strictness="gentle", now=T0,
                                 topic=SECRET)
    return state, list(for_exercise(exercise_id=EX, state=state, events=events,
                                    now=T0).notices)


def step(state: ExerciseState, actor: int, action: object, now: datetime = T0
         ) -> tuple[ExerciseState, list[Notice], tuple[str, ...]]:
    new, events = apply(state, actor=actor, action=action, now=now)  # type: ignore[arg-type]
    plan = for_exercise(exercise_id=EX, state=new, events=events, now=now)
    return new, list(plan.notices), plan.withdraw


def test_a_proposal_tells_the_partner_only_and_home_counts_as_looking() -> None:
    _, notices = start()
    assert [(n.user_id, n.kind) for n in notices] == [(B, "proposed")]
    assert notices[0].path == f"/exercises/{EX}"
    assert "/" in notices[0].shown_on


def test_accepting_tells_the_proposer_their_partner_is_waiting() -> None:
    state, _ = start()
    _, notices, withdraw = step(state, B, Accept())
    assert [(n.user_id, n.kind) for n in notices] == [(A, "waiting")]
    assert f"ex:{EX}:proposed" in withdraw  # answered: an invitation not yet sent is not sent


def test_sharing_nudges_the_listener_once_per_turn_not_per_line() -> None:
    state, _ = start()
    state, _, _ = step(state, B, Accept())
    state, first, _ = step(state, A, Share("one"))
    state, second, _ = step(state, A, Share("two"))
    assert [(n.user_id, n.kind) for n in first] == [(B, "waiting")]
    assert first[0].key == second[0].key  # the store keeps one per key and person
    state, _, _ = step(state, A, EndTurn())
    _, third, _ = step(state, B, Share("three"))
    assert third[0].user_id == A and third[0].key != first[0].key


def test_a_planned_time_gives_both_partners_two_reminders_and_a_new_time_withdraws_them(
) -> None:
    state, _ = start()
    at = T0 + timedelta(hours=2)
    state, notices, withdraw = step(state, B, Schedule(at=at))
    assert sorted((n.user_id, n.kind, n.due) for n in notices) == [
        (A, "starts_now", at), (A, "starts_soon", at - timedelta(minutes=10)),
        (B, "starts_now", at), (B, "starts_soon", at - timedelta(minutes=10))]
    assert withdraw == (planned_prefix(EX),)
    assert all(n.key.startswith(planned_prefix(EX)) for n in notices)
    _, _, withdraw = step(state, A, Cancel())
    assert withdraw == (f"ex:{EX}:",)  # everything about it still waiting to go out


def test_a_time_less_than_ten_minutes_away_gets_only_the_at_time_reminder() -> None:
    state, _ = start()
    _, notices, _ = step(state, B, Schedule(at=T0 + timedelta(minutes=5)))
    assert {n.kind for n in notices} == {"starts_now"}


def test_ready_after_a_break_tells_the_partner_who_is_not_ready_yet() -> None:
    state, _ = start()
    state, _, _ = step(state, B, Accept())
    state, _, _ = step(state, A, CallBreak(minutes=10))
    state, notices, _ = step(state, B, Ready(), T0 + timedelta(minutes=10))
    assert [(n.user_id, n.kind) for n in notices] == [(A, "partner_ready")]
    _, notices, _ = step(state, A, Ready(), T0 + timedelta(minutes=11))
    assert "partner_ready" not in {n.kind for n in notices}


def test_revealed_ratings_tell_the_partner_who_rated_first() -> None:
    state, _ = start()
    state, _, _ = step(state, B, Accept())
    state, _, _ = step(state, A, EndTurn())
    state, _, _ = step(state, B, EndTurn())
    state, notices, _ = step(state, A, Rate(seen=4, understood=4, note=SECRET))
    assert notices == []  # sealed: nothing to see yet
    _, notices, _ = step(state, B, Rate(seen=5, understood=3))
    assert [(n.user_id, n.kind) for n in notices] == [(A, "ratings_revealed")]


def test_homework_is_mentioned_the_day_before_and_once_after_it_passed() -> None:
    due = T0 + timedelta(days=3)
    plan = for_homework(homework_id=5, partner_ids=(A, B), due=due, now=T0)
    assert sorted((n.user_id, n.kind, n.due) for n in plan.notices) == [
        (A, "homework_due", due - timedelta(days=1)),
        (A, "homework_overdue", due + timedelta(hours=12)),
        (B, "homework_due", due - timedelta(days=1)),
        (B, "homework_overdue", due + timedelta(hours=12))]
    assert len({n.key for n in plan.notices if n.user_id == A}) == 2  # once each, never more
    # Made again (edited), the same date keeps its reminders; a new date replaces them.
    again = for_homework(homework_id=5, partner_ids=(A, B), due=due, now=T0 + timedelta(hours=1))
    assert {n.key for n in again.notices} == {n.key for n in plan.notices}
    assert again.withdraw == ("hw:5:",) and set(again.keep) == {n.key for n in plan.notices}
    moved = for_homework(homework_id=5, partner_ids=(A, B), due=due + timedelta(days=2), now=T0)
    assert not {n.key for n in moved.notices} & {n.key for n in plan.notices}
    assert for_homework_done(homework_id=5).withdraw == ("hw:5:",)
    soon = for_homework(homework_id=6, partner_ids=(A,), due=T0 + timedelta(hours=3), now=T0)
    assert [n.kind for n in soon.notices] == ["homework_overdue"]


def test_therapy_changes_tell_the_right_people() -> None:
    linked = for_therapist_linked(link_id=3, partner_ids=(A, B), now=T0)
    assert sorted(n.user_id for n in linked.notices) == [A, B]
    changed = for_sharing_changed(actor_id=A, partner_ids=(A, B), change_id=9, now=T0)
    assert [(n.user_id, n.kind) for n in changed.notices] == [(B, "sharing_changed")]


def test_the_words_hold_names_and_the_exercise_title_only() -> None:
    names = Names(partner="Alex", exercise="Speaker–Listener", therapist="Dr Rowe")
    for kind in KINDS:
        words = wording(kind, names)
        assert words.title and words.body.endswith(".")
        assert SECRET not in words.title + words.body
        assert len(words.title) <= 80 and len(words.body) <= 120
    assert wording("proposed", names).title == "Alex invites you to an exercise"
    assert wording("therapist_linked", names).title == "Dr Rowe is linked"
