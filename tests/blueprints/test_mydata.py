"""Your data: the export holds exactly what you may see; deleting leaves the partner's history."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.domain.errors import DomainError
from app.extensions import db
from app.models import Couple, Exercise, ExerciseEvent, ExerciseRating, User
from app.models.types import utcnow
from app.services import mydata
from tests.blueprints.test_history import _run_exercise

HELD = "You should just quit."  # Blair's, held back by the guard
ALEX_NOTE = "alex private note"
REFLECTION = "It sounds like work takes everything you have."


def _user(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert user is not None
    return user


def _json(browser: Any) -> dict[str, Any]:
    resp = browser.get("/settings/data/attune-export.json")
    assert resp.status_code == 200 and resp.is_streamed
    assert "attachment" in resp.headers["Content-Disposition"]
    data: dict[str, Any] = json.loads(resp.get_data(as_text=True))
    return data


def test_the_json_export_holds_what_you_may_see(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    ex_id = _run_exercise(app, couple)
    mine, theirs = _json(alex), _json(blair)
    assert mine["account"]["email"] == "alex@example.com"
    assert mine["couples"][0]["partner"] == "Blair"
    (exercise,) = mine["exercises"]
    assert exercise["id"] == ex_id and exercise["topic"] == "Work lately"
    words = [e["words"] for e in exercise["events"]]
    assert "Work drains me." in words and REFLECTION in words
    own = [r for r in exercise["ratings"] if r["by"] == "you"]
    assert own == [{"by": "you", "seen": 8, "understood": 7, "note": ALEX_NOTE,
                    "rated_at": own[0]["rated_at"]}]
    text = json.dumps(mine)
    assert HELD not in text  # Blair's held-back words never reach Alex
    assert '"label"' not in json.dumps(
        [e for e in exercise["events"] if e["type"] == "listener_message"])
    theirs_text = json.dumps(theirs)
    assert HELD in theirs_text and ALEX_NOTE not in theirs_text
    partner_ratings = [r for r in theirs["exercises"][0]["ratings"] if r["by"] == "partner"]
    assert partner_ratings == [{"by": "partner", "seen": 8, "understood": 7,
                                "rated_at": partner_ratings[0]["rated_at"]}]


def test_the_csv_export_is_the_conversation(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    _run_exercise(app, couple)
    resp = alex.get("/settings/data/attune-conversations.csv")
    assert resp.status_code == 200 and resp.is_streamed
    assert resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    said = [(r["who"], r["move"], r["words"]) for r in rows if r["type"] == "listener_message"]
    assert said == [("Blair", "reflection", REFLECTION)]
    assert all(HELD not in r["words"] for r in rows)
    blairs = blair.get("/settings/data/attune-conversations.csv").get_data(as_text=True)
    assert HELD in blairs and ALEX_NOTE not in blairs


def test_another_couple_exports_nothing_of_this_one(app: Any, couple: Any,
                                                    make_browser: Any) -> None:
    _run_exercise(app, couple)
    drew = make_browser("drew@example.com", "Drew")
    data = _json(drew)
    assert data["exercises"] == [] and data["couples"] == []
    csv_text = drew.get("/settings/data/attune-conversations.csv").get_data(as_text=True)
    assert csv_text.strip().splitlines() == [",".join(mydata.CSV_COLUMNS)]


def test_settings_offers_export_and_deletion(app: Any, couple: Any) -> None:
    alex, _blair, _c = couple
    page = alex.get("/settings").get_data(as_text=True)
    assert "Download everything (JSON)" in page and "Download conversations (CSV)" in page
    form = alex.get("/settings/delete").get_data(as_text=True)
    assert "Your partner keeps your shared history" in form
    assert "a former partner" in form


def _event_counts(ex_id: int) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(ExerciseEvent).where(
        ExerciseEvent.exercise_id == ex_id)) or 0)


def test_deleting_needs_the_password_and_the_tick(app: Any, couple: Any) -> None:
    alex, _blair, _c = couple
    _run_exercise(app, couple)
    wrong = alex.post("/settings/delete", {"password": "not it", "confirm": "yes"})
    assert wrong.status_code == 400 and "Nothing was deleted" in wrong.get_data(as_text=True)
    unticked = alex.post("/settings/delete", {"password": "correct horse battery staple"})
    assert unticked.status_code == 400
    assert _user("alex@example.com").deleted_at is None
    assert alex.get("/history").status_code == 200  # still signed in


def test_after_one_deletes_the_other_keeps_every_event(app: Any, couple: Any,
                                                       make_browser: Any) -> None:
    alex, blair, _c = couple
    ex_id = _run_exercise(app, couple)
    before = _event_counts(ex_id)
    blair_before = blair.get(f"/history/{ex_id}").get_data(as_text=True)
    blair_id = _user("blair@example.com").id
    resp = alex.post("/settings/delete", {"password": "correct horse battery staple",
                                          "confirm": "yes"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert _event_counts(ex_id) == before
    assert db.session.scalar(sa.select(User).where(User.email == "alex@example.com")) is None
    # Alex's sessions are gone.
    assert alex.get("/history").status_code in (302, 401)
    page = blair.get(f"/history/{ex_id}").get_data(as_text=True)
    assert page.count("<li class=\"t-") == blair_before.count("<li class=\"t-")
    assert "Work drains me." in page and "a former partner" in page and "Alex" not in page
    assert HELD in page  # Blair's own held words are Blair's
    assert "Both ratings are in: a former partner felt seen 8/10" in page
    assert "Work lately" in blair.get("/history").get_data(as_text=True)
    # Alex's private things went: the note everywhere, the couple's exercise stays.
    notes = db.session.scalars(sa.select(ExerciseRating.note)).all()
    assert ALEX_NOTE not in notes
    exercise = db.session.get(Exercise, ex_id)
    assert exercise is not None and ALEX_NOTE not in json.dumps(exercise.state)
    private = db.session.scalars(sa.select(ExerciseEvent.payload).where(
        ExerciseEvent.type == "rated")).all()
    assert ALEX_NOTE not in json.dumps(private)
    assert _json(blair)["exercises"][0]["events"]
    assert blair_id in db.session.get(Couple, exercise.couple_id).partner_ids()  # type: ignore[union-attr]


def test_when_both_have_deleted_nothing_of_theirs_remains(app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    ex_id = _run_exercise(app, couple)
    for browser in (alex, blair):
        assert browser.post("/settings/delete", {"password": "correct horse battery staple",
                                                 "confirm": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Exercise, ex_id) is None
    assert _event_counts(ex_id) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Couple)) == 0


def test_a_passkey_only_account_deletes_only_soon_after_signing_in(app: Any,
                                                                   couple: Any) -> None:
    user = _user("alex@example.com")
    user.password_hash = None
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        mydata.delete_account(user, password=None, signed_in_at=utcnow() - timedelta(minutes=6))
    assert refused.value.code == "reauth" and user.deleted_at is None
    with app.test_request_context():
        mydata.delete_account(user, password=None, signed_in_at=utcnow() - timedelta(minutes=1))
    assert user.deleted_at is not None and user.display_name == "a former partner"
