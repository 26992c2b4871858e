"""Prompts when proposing: the form and the API take a deck prompt or the couple's own."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from app.domain.exercises.prompts import PROMPTS, get_prompt
from app.extensions import db
from app.models import CouplePrompt, Exercise, User
from app.services import exercises, pairing
from tests.conftest import Browser

STRESS = "stress-03"  # "A moment this week when work followed you home."
JOY_ONLY = next(p.id for p in PROMPTS if "step_into_my_shoes" not in p.suits)


def user(email: str) -> User:
    """The account with ``email``."""
    found = db.session.scalar(sa.select(User).where(User.email == email))
    assert found is not None
    return found


def propose(browser: Browser, **fields: Any) -> Any:
    """Propose over the JSON API."""
    return browser.post_json("/api/exercises", {"kind": "speaker_listener",
                                                "first_speaker": "me", **fields})


def end(email: str, exercise_id: int, type_: str = "end_early") -> None:
    """End (or cancel) an exercise as ``email`` does from the live screen."""
    ack = exercises.act(user(email), exercise_id=exercise_id, client_id=f"end-of-{exercise_id:04d}",
                        type_=type_, payload={})
    assert ack["ok"]


def count() -> int:
    """How many exercises exist."""
    return int(db.session.scalar(sa.select(sa.func.count(Exercise.id))) or 0)


def other_couple(make_browser: Any) -> tuple[Browser, Any]:
    """Eve and Finn, paired, with a prompt of their own."""
    eve = make_browser("eve@example.com", "Eve")
    make_browser("finn@example.com", "Finn")
    c = pairing.redeem(pairing.create_invite(user("eve@example.com")).invite,
                       user("finn@example.com"))
    resp = eve.post_json("/api/prompts", {"text": "Eve and Finn's secret trip"})
    assert resp.status_code == 201
    return eve, c


def test_the_form_offers_the_decks_and_marks_nothing_new(couple: Any) -> None:
    alex, _blair, _c = couple
    html = alex.get("/exercises").get_data(as_text=True)
    options = re.findall(r'<option value="([^"]+)"', html)
    assert "surprise" in options
    assert {p.id for p in PROMPTS} <= set(options)
    assert "Talked about ·" not in html and "Last time ·" not in html
    assert 'data-suits="curious_questions share_a_joy speaker_listener"' in html


def test_the_form_proposes_with_a_deck_prompt(couple: Any) -> None:
    alex, blair, _c = couple
    resp = alex.post("/exercises", {"kind": "step_into_my_shoes", "first_speaker": "me",
                                    "prompt": STRESS, "topic": ""})
    assert resp.status_code == 302
    exercise = db.session.scalar(sa.select(Exercise))
    assert exercise.prompt_ref == STRESS
    assert exercise.state["prompt"] == get_prompt(STRESS).text
    page = blair.get(f"/exercises/{exercise.id}").get_data(as_text=True)
    assert re.search(r'class="ex-prompt"[^>]*>.*A moment this week when work followed you home\.',
                     page)


def test_the_api_proposes_with_a_deck_prompt_or_our_own(couple: Any) -> None:
    alex, blair, _c = couple
    resp = propose(alex, prompt_id="appreciation-01")
    assert resp.status_code == 201
    first = resp.get_json()["exercise_id"]
    assert db.session.get(Exercise, first).state["prompt"].startswith("Something I did lately")
    end("alex@example.com", first)
    own = blair.post_json("/api/prompts", {"text": "  The week we moved house "})
    assert own.status_code == 201
    own_id = own.get_json()["prompt"]["id"]
    assert own.get_json()["prompt"] == {"id": own_id, "ref": f"own:{own_id}",
                                        "text": "The week we moved house"}
    resp = propose(alex, own_prompt_id=own_id)  # Blair wrote it; it's the couple's
    assert resp.status_code == 201
    exercise = db.session.get(Exercise, resp.get_json()["exercise_id"])
    assert exercise.prompt_ref == f"own:{own_id}"
    assert exercise.state["prompt"] == "The week we moved house"


def test_the_form_proposes_with_our_own_prompt(couple: Any) -> None:
    alex, blair, _c = couple
    blair.post("/prompts", {"text": "The week we moved house"})
    own = db.session.scalar(sa.select(CouplePrompt))
    html = alex.get("/exercises").get_data(as_text=True)
    assert f'value="own:{own.id}"' in html and "Your own prompts" in html
    resp = alex.post("/exercises", {"kind": "slow_down", "first_speaker": "me",
                                    "prompt": f"own:{own.id}"})
    assert resp.status_code == 302
    assert db.session.scalar(sa.select(Exercise)).state["prompt"] == "The week we moved house"


def test_a_foreign_couples_prompt_is_refused(couple: Any, make_browser: Any) -> None:
    alex, _blair, _c = couple
    eve, _ = other_couple(make_browser)
    theirs_id = db.session.scalar(sa.select(CouplePrompt.id))
    resp = propose(alex, own_prompt_id=theirs_id)
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    form = alex.post("/exercises", {"kind": "speaker_listener", "first_speaker": "me",
                                    "prompt": f"own:{theirs_id}"})
    assert form.status_code == 400
    assert "secret trip" not in form.get_data(as_text=True)
    assert count() == 0
    assert "secret trip" not in alex.get("/exercises").get_data(as_text=True)
    assert "secret trip" not in alex.get("/prompts").get_data(as_text=True)
    listed = alex.get("/api/prompts").get_json()["prompts"]
    assert all("secret trip" not in p["text"] for p in listed)
    gone = alex.post(f"/prompts/{theirs_id}/delete")
    assert gone.status_code == 404
    assert alex.post_json(f"/api/prompts/{theirs_id}/delete").status_code == 404
    assert db.session.get(CouplePrompt, theirs_id) is not None
    assert eve.post_json(f"/api/prompts/{theirs_id}/delete").status_code == 200
    db.session.expire_all()
    assert db.session.get(CouplePrompt, theirs_id) is None


def test_bad_prompt_choices_get_clear_errors_and_change_nothing(couple: Any) -> None:
    alex, _blair, _c = couple
    cases = [
        ({"prompt_id": "nope-01"}, "unknown_prompt"),
        ({"prompt_id": 7}, "invalid"),
        ({"own_prompt_id": "7"}, "invalid"),
        ({"own_prompt_id": True}, "invalid"),
        ({"own_prompt_id": 999}, "not_found"),
        ({"prompt_id": "joy-01", "own_prompt_id": 1}, "invalid"),
        ({"kind": "step_into_my_shoes", "prompt_id": JOY_ONLY}, "prompt_not_suited"),
    ]
    for fields, code in cases:
        resp = propose(alex, **fields)
        assert resp.status_code in (404, 409), (fields, resp.status_code)
        assert resp.get_json()["error"]["code"] == code, fields
    form = alex.post("/exercises", {"kind": "step_into_my_shoes", "first_speaker": "me",
                                    "prompt": JOY_ONLY, "topic": "kept words"})
    assert form.status_code == 400
    html = form.get_data(as_text=True)
    assert "meant for Step into my shoes" in html and 'value="kept words"' in html
    assert count() == 0


def test_never_the_same_prompt_twice_in_a_row_and_used_ones_are_marked(couple: Any) -> None:
    alex, blair, _c = couple
    first = propose(alex, prompt_id="joy-01").get_json()["exercise_id"]
    end("alex@example.com", first)
    again = propose(alex, prompt_id="joy-01")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "prompt_repeated"
    html = blair.get("/exercises").get_data(as_text=True)
    assert re.search(r'value="joy-01"[^>]* disabled[^>]*>Last time · ', html)
    second = propose(blair, prompt_id="joy-02").get_json()["exercise_id"]
    end("blair@example.com", second)
    html = alex.get("/exercises").get_data(as_text=True)
    assert re.search(r'value="joy-01"[^>]*>Talked about · Something that went well', html)
    assert re.search(r'value="joy-02"[^>]* disabled[^>]*>Last time · ', html)
    listed = {p["ref"]: p for p in alex.get("/api/prompts?kind=share_a_joy").get_json()["prompts"]}
    assert listed["joy-01"]["used"] and not listed["joy-01"]["last"]
    assert listed["joy-02"]["used"] and listed["joy-02"]["last"]
    assert not listed["joy-03"]["used"]
    assert all("share_a_joy" in p["suits"] for p in listed.values())
    assert propose(alex, prompt_id="joy-01").status_code == 201  # not in a row any more


def test_a_cancelled_proposal_did_not_use_its_prompt(couple: Any) -> None:
    alex, _blair, _c = couple
    first = propose(alex, prompt_id="hopes-01").get_json()["exercise_id"]
    end("alex@example.com", first, "cancel")
    assert propose(alex, prompt_id="hopes-01").status_code == 201


def test_surprise_me_picks_a_suited_prompt_never_the_last_one(couple: Any) -> None:
    alex, _blair, _c = couple
    for _ in range(5):
        got = alex.get("/api/prompts/surprise?kind=step_into_my_shoes").get_json()
        assert "step_into_my_shoes" in got["prompt"]["suits"]
    first = propose(alex, kind="share_a_joy", prompt_id="joy-05").get_json()["exercise_id"]
    end("alex@example.com", first)
    picks = {alex.get("/api/prompts/surprise?kind=share_a_joy").get_json()["prompt"]["ref"]
             for _ in range(30)}
    assert "joy-05" not in picks and len(picks) > 1
    resp = alex.post("/exercises", {"kind": "curious_questions", "first_speaker": "me",
                                    "prompt": "surprise"})
    assert resp.status_code == 302
    chosen = db.session.scalars(sa.select(Exercise).order_by(Exercise.id.desc())).first()
    assert chosen.prompt_ref and "curious_questions" in get_prompt(chosen.prompt_ref).suits
    assert chosen.prompt_ref != "joy-05"


def test_own_prompts_are_written_kept_and_removed(couple: Any) -> None:
    alex, blair, _c = couple
    resp = alex.post("/prompts", {"text": "The trip to the coast"}, follow_redirects=True)
    assert resp.status_code == 200 and "The trip to the coast" in resp.get_data(as_text=True)
    assert "The trip to the coast" in blair.get("/prompts").get_data(as_text=True)
    twice = blair.post_json("/api/prompts", {"text": "the trip to the coast "})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "duplicate_prompt"
    too_long = alex.post("/prompts", {"text": "x" * 201})
    assert too_long.status_code == 400
    assert "too long" in too_long.get_data(as_text=True) and "x" * 201 in too_long.get_data(
        as_text=True)
    assert alex.post_json("/api/prompts", {"text": ""}).get_json()["error"]["code"] == "invalid"
    assert alex.post_json("/api/prompts", ["x"]).get_json()["error"]["code"] == "invalid"
    own_id = db.session.scalar(sa.select(CouplePrompt.id))
    assert blair.post(f"/prompts/{own_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(CouplePrompt.id))) == 0


def test_unpaired_people_have_no_prompts_to_keep(make_browser: Any) -> None:
    solo = make_browser("solo@example.com", "Solo")
    assert solo.get("/prompts").headers["Location"] == "/pair"
    resp = solo.post_json("/api/prompts", {"text": "Mine"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_paired"
    assert solo.get("/api/prompts").get_json()["error"]["code"] == "not_paired"
