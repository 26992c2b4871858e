"""The shared history: each partner sees the transcript as they may, held words stay private."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain import exercises as ex
from app.extensions import db
from app.models import Exercise, User
from app.services import exercises, history, pairing


def _run_exercise(app: Any, couple: Any) -> int:
    alex, _blair, _c = couple
    made = alex.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me",
                                             "topic": "Work lately"})
    ex_id = made.get_json()["exercise_id"]
    a = db.session.scalar(db.select(User).where(User.email == "alex@example.com"))
    b = db.session.scalar(db.select(User).where(User.email == "blair@example.com"))
    steps = [(b, "accept", {}), (a, "say", {"text": "Work drains me."}),
             (b, "say", {"text": "You should just quit."}),
             (b, "say", {"text": "It sounds like work takes everything you have."}),
             (a, "confirm", {"kind": "landed"}), (a, "end_turn", {}),
             (b, "say", {"text": "I miss our evenings."}), (b, "end_turn", {}),
             (a, "rate", {"seen": 8, "understood": 7, "note": "alex private note"}),
             (b, "rate", {"seen": 9, "understood": 6})]
    with app.test_request_context():
        for i, (user, type_, payload) in enumerate(steps):
            ack = exercises.act(user, exercise_id=ex_id, client_id=f"hist-{i:04d}",
                                type_=type_, payload=payload)
            assert ack["ok"], ack
    return int(ex_id)


def test_transcripts_show_each_partner_what_they_may_see(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    ex_id = _run_exercise(app, couple)
    listener_view = blair.get(f"/history/{ex_id}").get_data(as_text=True)
    speaker_view = alex.get(f"/history/{ex_id}").get_data(as_text=True)
    assert "You should just quit." in listener_view and "The guard held this back" in listener_view
    assert "You should just quit." not in speaker_view
    assert "It sounds like work takes everything you have." in speaker_view
    assert "alex private note" in speaker_view and "alex private note" not in listener_view
    assert "Alex felt seen 8/10" in listener_view and "Blair felt seen 9/10" in speaker_view
    assert "you felt seen 8/10" in speaker_view and "felt heard" not in speaker_view
    # The floor passed to Blair: each reads it from where they stand, never "You" as the doer.
    assert "Roles swapped: now Blair has the floor." in speaker_view
    assert "Roles swapped: now you have the floor." in listener_view


def test_history_stays_readable_after_unpairing(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    ex_id = _run_exercise(app, couple)
    b = db.session.scalar(db.select(User).where(User.email == "blair@example.com"))
    pairing.unpair(b)
    for browser in (alex, blair):
        assert "Work lately" in browser.get("/history").get_data(as_text=True)
        assert browser.get(f"/history/{ex_id}").status_code == 200


def _users() -> tuple[User, User]:
    a = db.session.scalar(db.select(User).where(User.email == "alex@example.com"))
    b = db.session.scalar(db.select(User).where(User.email == "blair@example.com"))
    assert a is not None and b is not None
    return a, b


def test_the_list_shows_what_happened_newest_first(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    first = _run_exercise(app, couple)
    _a, b = _users()
    later = alex.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me",
                                              "topic": "Holidays"}).get_json()["exercise_id"]
    with app.test_request_context():
        exercises.act(b, exercise_id=later, client_id="decline-0001", type_="decline",
                      payload={})
    page = alex.get("/history").get_data(as_text=True)
    assert page.index("Holidays") < page.index("Work lately")  # newest first
    assert "Declined" in page and "Completed" in page
    assert "Alex spoke first" not in page and "You spoke first" in page
    assert "1 reflection landed" in page
    assert "Felt seen: you 8/10 · Blair 9/10" in page
    assert "Felt seen: you 9/10 · Alex 8/10" in blair.get("/history").get_data(as_text=True)
    assert f'href="/history/{first}"' in page


def test_filters_and_search_find_topics_and_only_your_own_words(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    _run_exercise(app, couple)
    # Alex wrote "drains"; Blair wrote "evenings" (Blair's share) and the held "quit".
    assert "Work lately" in alex.get("/history?q=DRAINS").get_data(as_text=True)
    assert "Work lately" not in blair.get("/history?q=drains").get_data(as_text=True)
    assert "Work lately" in blair.get("/history?q=evenings").get_data(as_text=True)
    assert "Work lately" in blair.get("/history?q=just+quit").get_data(as_text=True)
    # Blair's held words are never found from Alex's side.
    assert "Work lately" not in alex.get("/history?q=quit").get_data(as_text=True)
    assert "Work lately" in alex.get("/history?q=lately").get_data(as_text=True)  # topic
    assert "Work lately" in alex.get("/history?kind=speaker_listener&period=30d").get_data(
        as_text=True)
    other_kind = next(k for k in ex.CATALOG if k != "speaker_listener")
    assert "Work lately" not in alex.get(f"/history?kind={other_kind}").get_data(as_text=True)
    assert "Nothing matches" in alex.get("/history?q=zebra").get_data(as_text=True)
    bad = alex.get("/history?kind=nonsense")
    assert bad.status_code == 400 and "know that kind of exercise" in bad.get_data(as_text=True)
    assert alex.get("/history?page=0").status_code == 400


def test_the_list_is_paginated(app: Any, couple: Any) -> None:
    alex, _blair, _c = couple
    a, _b = _users()
    with app.test_request_context():
        for i in range(history.PAGE_SIZE + 3):
            made = exercises.propose(a, {"kind": "speaker_listener", "first_speaker": "me",
                                         "topic": f"Topic {i:02d}"})
            exercises.act(a, exercise_id=made.id, client_id=f"cancel-{i:04d}", type_="cancel",
                          payload={})
    first = alex.get("/history").get_data(as_text=True)
    assert "Topic 22" in first and "Topic 02" not in first and 'rel="next"' in first
    second = alex.get("/history?page=2").get_data(as_text=True)
    assert "Topic 02" in second and "Topic 00" in second and "Topic 22" not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_a_finished_exercise_ends_on_its_debrief(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    ex_id = _run_exercise(app, couple)
    page = alex.get(f"/history/{ex_id}").get_data(as_text=True)
    assert "How it went" in page and "Practise again" in page
    # Alex understood 7, Blair felt seen 9: the gap, in words.
    assert "You thought you understood Blair 7/10; they felt seen 9/10." in page
    assert "They felt more seen than you thought, by 2." in page
    assert "Blair&#39;s reflection landed." in page
    assert "“It sounds like work takes everything you have.”" in page
    assert "/exercises?kind=speaker_listener" in page
    blairs = blair.get(f"/history/{ex_id}").get_data(as_text=True)
    assert "your reflection landed." in blairs
    assert "You thought you understood Alex 6/10; they felt seen 8/10." in blairs
    assert "They felt more seen than you thought, by 2." in blairs
    # Blair's page speaks to Blair, never of Blair in Alex's words (both are on Alex's page).
    assert "Blair&#39;s reflection" not in blairs and "understood Blair" not in blairs


def test_another_couple_never_sees_this_history(app: Any, couple: Any,
                                                make_browser: Any) -> None:
    ex_id = _run_exercise(app, couple)
    drew = make_browser("drew@example.com", "Drew")
    assert drew.get(f"/history/{ex_id}").status_code == 404
    for path in ("/history", "/history?q=drains", "/insights"):
        body = drew.get(path).get_data(as_text=True)
        assert "Work lately" not in body and "Work drains me." not in body
        assert "Nothing" in body


def test_insights_are_honest_about_little_data(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    empty = alex.get("/insights").get_data(as_text=True)
    assert "Nothing to look back on yet" in empty
    _run_exercise(app, couple)
    page = blair.get("/insights").get_data(as_text=True)
    assert "With fewer than three exercises" in page and "chart-card" not in page
    assert "After 2 more" in page
    # Blair: 1 question-free reflection of 3 replies; first try landed; one hold.
    assert 'data-metric="landing"><dt>Reflections that landed on the first try</dt><dd>100%' \
        in page
    assert 'data-metric="holds"><dt>Replies the guard held back, per exercise</dt><dd>1' in page
    assert "Alex felt seen 8/10 on average." in page
    # Alex never sees Blair's holds.
    assert 'data-metric="holds"><dt>Replies the guard held back, per exercise</dt><dd>0' in \
        alex.get("/insights").get_data(as_text=True)


def test_three_exercises_draw_charts_with_their_numbers(app: Any, couple: Any) -> None:
    alex, _blair, _c = couple
    for _ in range(3):
        _run_exercise(app, couple)
    page = alex.get("/insights").get_data(as_text=True)
    assert "With fewer than three exercises" not in page
    # Alex only spoke in turn two's listening, so there is nothing to land or time yet.
    assert page.count('class="card chart-card"') == 3
    for key in ("seen", "gap", "holds"):
        assert f'id="chart-{key}-h"' in page
    assert "How seen each of you felt" in page and 'class="series partner"' in page
    # The table says what the chart draws: Alex felt seen 8, Blair 9, every time.
    assert "<td>8/10</td><td>9/10</td>" in page
    assert "Work drains me." not in page and "just quit" not in page


def _run_shoes(app: Any, couple: Any, scores: tuple[int, int], started: Any) -> int:
    """Step into my shoes through the service: Alex marks Blair's guess, then Blair Alex's."""
    alex, _blair, _c = couple
    made = alex.post_json("/api/exercises", {"kind": "step_into_my_shoes",
                                             "first_speaker": "me"})
    ex_id = made.get_json()["exercise_id"]
    a = db.session.scalar(db.select(User).where(User.email == "alex@example.com"))
    b = db.session.scalar(db.select(User).where(User.email == "blair@example.com"))
    steps: list[tuple[Any, str, dict[str, Any]]] = [(b, "accept", {})]
    for (speaker, listener), score in zip(((a, b), (b, a)), scores, strict=True):
        steps += [(speaker, "name_moment", {"text": "The call from the school"}),
                  (listener, "guess", {"felt": "worried", "needed": "company"}),
                  (speaker, "say", {"text": "I was scared something had happened."}),
                  (listener, "say", {"text": "It sounds like you were frightened."}),
                  (speaker, "reveal", {}), (speaker, "mark_accuracy", {"score": score}),
                  (listener, "say", {"text": "It sounds like you felt afraid, not only worried."}),
                  (speaker, "end_turn", {})]
    steps += [(a, "end_early", {})]
    with app.test_request_context():
        for i, (user, type_, payload) in enumerate(steps):
            ack = exercises.act(user, exercise_id=ex_id, client_id=f"shoes-{ex_id}-{i:04d}",
                                type_=type_, payload=payload)
            assert ack["ok"], ack
    db.session.execute(db.update(Exercise).where(Exercise.id == ex_id).values(
        started_at=started, created_at=started))
    db.session.commit()
    return int(ex_id)


def test_accuracy_is_a_trend_beside_the_others(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    week1 = datetime(2026, 11, 2, 19, tzinfo=UTC)  # a Monday
    # (Alex's mark of Blair's guess, Blair's mark of Alex's guess), two weeks.
    for days, scores in ((0, (4, 7)), (2, (6, 8)), (7, (9, 5))):
        _run_shoes(app, couple, scores, week1 + timedelta(days=days))
    page = blair.get("/insights").get_data(as_text=True)
    # Blair's guesses came 4, 6, 9 close: 6.3 overall; 5 then 9 by week.
    assert ('data-metric="accuracy"><dt>How close your guesses came (Step into my shoes)</dt>'
            '<dd>6.3/10') in page
    assert "Alex's guesses came 6.7/10 close on average." in page  # 7, 8, 5
    assert 'id="chart-accuracy-h">How close each of your guesses came</h2>' in page
    # The summary beside the chart says the trend in words, for each of them.
    assert ("You: from 5/10 in the week of 2 Nov to 9/10 in the week of 9 Nov, over 2 weeks "
            "with exercises. Alex: from 7.5/10 in the week of 2 Nov to 5/10 in the week of "
            "9 Nov, over 2 weeks with exercises.") in page
    assert 'aria-describedby="chart-accuracy-s"' in page
    assert "<td>5/10</td><td>7.5/10</td>" in page and "<td>9/10</td><td>5/10</td>" in page
    # A listener exercise brings no accuracy: the number is still Blair's guesses only.
    _run_exercise(app, couple)
    assert ('<dd>6.3/10') in blair.get("/insights").get_data(as_text=True)
    assert ('data-metric="accuracy"><dt>How close your guesses came (Step into my shoes)</dt>'
            '<dd>6.7/10') in alex.get("/insights").get_data(as_text=True)
