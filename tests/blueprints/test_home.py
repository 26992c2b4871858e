"""Home: the couple at a glance, and the exercise in progress."""

from __future__ import annotations

from typing import Any


def test_home_offers_pairing_when_unpaired(make_browser: Any) -> None:
    solo = make_browser("solo@example.com", "Solo")
    html = solo.get("/").get_data(as_text=True)
    assert "Pair with your partner" in html and 'href="/pair"' in html


def test_home_shows_the_invitation_to_the_invited_partner(couple: Any) -> None:
    alex, blair, _c = couple
    made = alex.post_json("/api/exercises", {"kind": "slow_down", "first_speaker": "me"})
    ex_id = made.get_json()["exercise_id"]
    blair_home = blair.get("/").get_data(as_text=True)
    assert "Alex asks: is now OK for <strong>Slow it down</strong>?" in blair_home
    assert f'href="/exercises/{ex_id}"' in blair_home
    alex_home = alex.get("/").get_data(as_text=True)
    assert "Waiting for Blair" in alex_home


def test_live_exercise_screen_is_focused_without_the_tab_bar(couple: Any) -> None:
    alex, _blair, _c = couple
    made = alex.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me"})
    live = alex.get(f"/exercises/{made.get_json()['exercise_id']}").get_data(as_text=True)
    assert 'class="tabbar"' not in live and 'id="ex-break-open"' in live
    assert 'class="tabbar"' in alex.get("/exercises").get_data(as_text=True)
