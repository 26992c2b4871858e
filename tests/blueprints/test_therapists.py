"""Therapists over HTTP: sign-up, roles, what each consent combination shows on every page,
revocation, access to other couples, homework and the couple's control over it."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.domain.errors import DomainError
from app.extensions import db
from app.models import (
    AccessEntry,
    ConsentChange,
    Couple,
    Exercise,
    Homework,
    HomeworkDone,
    TherapistInvite,
    TherapistProfile,
    TherapyLink,
    User,
)
from app.models.types import utcnow
from app.services import pairing, therapy
from tests.conftest import Browser, create_user, latest_mail_to
from tests.realtime.conftest import Socket
from tests.therapy_helpers import assign, do_homework, link, make_therapist, user

LEVELS = ["completion", "ratings", "conversations"]
COMBOS = [(a, b) for a in LEVELS for b in LEVELS]
RANK = {level: i for i, level in enumerate(LEVELS)}


def another_couple(make_browser: Any) -> tuple[Browser, Couple]:
    """Casey and Drew, signed in and paired: Casey's browser and their couple."""
    casey = make_browser("casey@example.com", "Casey")
    make_browser("drew@example.com", "Drew")
    return casey, pairing.redeem(pairing.create_invite(user("casey@example.com")).invite,
                                 user("drew@example.com"))


def _finished(app: Any, couple: Couple, therapist: User, a: str | None, b: str | None
              ) -> tuple[int, int, int]:
    """Link with (a, b), assign homework and do it once: (link id, homework id, exercise id)."""
    link_id = link(therapist, couple, a, b)
    hw = assign(therapist, couple)
    with app.test_request_context():
        exercise_id = do_homework(couple, hw)
    return link_id, hw, exercise_id


# --- the consent table: every combination × every page, print page and socket event --------


@pytest.mark.parametrize("a,b", COMBOS)
def test_every_page_and_socket_shows_only_the_narrower_choice(app: Any, couple: Any, a: str,
                                                              b: str) -> None:
    _alex, _blair, c = couple
    tb, t = make_therapist(app)
    _link, _hw, exercise_id = _finished(app, c, t, a, b)
    ratings = min(RANK[a], RANK[b]) >= 1
    conversations = min(RANK[a], RANK[b]) >= 2

    dash = tb.get("/therapist").get_data(as_text=True)
    assert "Alex &amp; Blair" in dash
    assert ("Felt seen on average" in dash) is ratings

    for path in (f"/therapist/couples/{c.id}", f"/therapist/couples/{c.id}/print"):
        page = tb.get(path)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "1 of 6 done" in html  # completion: always, once both accepted
        assert ("Alex felt seen 8/10" in html and "Blair felt seen 6/10" in html) is ratings
        assert ('data-section="insights"' in html) is ratings
        transcript_link = f"/therapist/couples/{c.id}/exercises/{exercise_id}"
        assert (transcript_link in html) is conversations
        assert ("Topic: " in html) is conversations

    transcript = tb.get(f"/therapist/couples/{c.id}/exercises/{exercise_id}")
    assert transcript.status_code == (200 if conversations else 404)
    if conversations:
        text = transcript.get_data(as_text=True)
        assert "I feel alone on Sundays." in text
        assert "private to a" not in text  # a private note is never part of it

    sock = Socket(app, tb, namespace="/therapist")
    ack = sock.emit("watch", {"couple_id": c.id})
    sock.disconnect()
    assert ack["ok"] is True
    assert ack["counts"]["done"] == 1 and sorted(ack["counts"]) == ["done", "due", "overdue"]
    assert ack["level"] == LEVELS[min(RANK[a], RANK[b])]
    assert ("ratings" in ack and "insights" in ack) is ratings
    if ratings:
        assert sorted(r["seen"] for r in ack["ratings"][0]["ratings"]) == [6, 8]
    assert ("topics" in ack) is conversations


@pytest.mark.parametrize("who", ["a", "b"])
def test_nothing_is_visible_until_both_partners_accept(app: Any, couple: Any, who: str) -> None:
    _alex, _blair, c = couple
    tb, t = make_therapist(app)
    new = therapy.create_invite(t)
    first = c.partner_a if who == "a" else c.partner_b
    therapy.accept_invite(new.invite, first, level="conversations")
    dash = tb.get("/therapist").get_data(as_text=True)
    assert "Alex" not in dash and "Blair" not in dash
    assert "accepted by one partner" in dash
    for path in (f"/therapist/couples/{c.id}", f"/therapist/couples/{c.id}/print"):
        assert tb.get(path).status_code == 404
    sock = Socket(app, tb, namespace="/therapist")
    ack = sock.emit("watch", {"couple_id": c.id})
    sock.disconnect()
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"
    with pytest.raises(DomainError) as refused:
        assign(t, c)
    assert refused.value.code == "not_found"
    assert db.session.scalar(sa.select(sa.func.count(Homework.id))) == 0


# --- revocation -----------------------------------------------------------------------------


def test_narrowing_takes_effect_on_the_next_request(app: Any, couple: Any) -> None:
    alex, blair, c = couple
    tb, t = make_therapist(app)
    link_id, _hw, exercise_id = _finished(app, c, t, "conversations", "conversations")
    assert tb.get(f"/therapist/couples/{c.id}/exercises/{exercise_id}").status_code == 200
    blair.refresh_token("/settings/therapists")
    assert blair.post(f"/settings/therapists/{link_id}/sharing",
                      {"level": "ratings"}).status_code == 302
    assert tb.get(f"/therapist/couples/{c.id}/exercises/{exercise_id}").status_code == 404
    html = tb.get(f"/therapist/couples/{c.id}").get_data(as_text=True)
    assert "Blair felt seen 6/10" in html and "Topic: " not in html
    assert blair.post(f"/settings/therapists/{link_id}/sharing",
                      {"level": "completion"}).status_code == 302
    html = tb.get(f"/therapist/couples/{c.id}").get_data(as_text=True)
    assert "felt seen" not in html and "1 of 6 done" in html
    alex.refresh_token("/settings/therapists")
    assert alex.post(f"/settings/therapists/{link_id}/end", {}).status_code == 302
    assert tb.get(f"/therapist/couples/{c.id}").status_code == 404
    assert "Alex" not in tb.get("/therapist").get_data(as_text=True)
    # Consent is data with history: who granted what, when, and who ended it.
    rows = db.session.execute(sa.select(ConsentChange.user_id, ConsentChange.level).where(
        ConsentChange.link_id == link_id).order_by(ConsentChange.id)).all()
    a, b = c.partner_a_id, c.partner_b_id
    assert [tuple(r) for r in rows] == [(a, "conversations"), (b, "conversations"),
                                        (b, "ratings"), (b, "completion"), (a, None)]


def test_unpairing_ends_every_link(app: Any, couple: Any) -> None:
    _alex, _blair, c = couple
    tb, t = make_therapist(app)
    tb2, t2 = make_therapist(app, "dr.okafor@example.com", "Dr Okafor")
    link(t, c, "ratings", "ratings")
    link(t2, c, "completion", "conversations")
    assert tb2.get(f"/therapist/couples/{c.id}").status_code == 200
    pairing.unpair(c.partner_a)
    for browser in (tb, tb2):
        assert browser.get(f"/therapist/couples/{c.id}").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(TherapyLink.id)).where(
        TherapyLink.ended_at.is_(None))) == 0


def test_deleting_an_account_ends_the_link(app: Any, couple: Any) -> None:
    _alex, blair, c = couple
    tb, t = make_therapist(app)
    link(t, c, "ratings", "ratings")
    blair.refresh_token("/settings/delete")
    resp = blair.post("/settings/delete", {"password": "correct horse battery staple",
                                           "confirm": "yes"})
    assert resp.status_code in (302, 303)
    assert tb.get(f"/therapist/couples/{c.id}").status_code == 404
    assert db.session.scalar(sa.select(TherapyLink.end_reason)) == "unpaired"


# --- access ---------------------------------------------------------------------------------


def _therapist_routes(couple_id: int, homework_id: int, exercise_id: int
                      ) -> list[tuple[str, str, dict[str, str]]]:
    return [("GET", f"/therapist/couples/{couple_id}", {}),
            ("GET", f"/therapist/couples/{couple_id}/print", {}),
            ("GET", f"/therapist/couples/{couple_id}/exercises/{exercise_id}", {}),
            ("POST", f"/therapist/couples/{couple_id}/homework",
             {"kind": "speaker_listener", "when": "repeat", "per_week": "2", "weeks": "1"}),
            ("GET", f"/therapist/homework/{homework_id}", {}),
            ("POST", f"/therapist/homework/{homework_id}", {"kind": "slow_down", "when": "due",
                                                            "due_on": "2099-01-01"}),
            ("POST", f"/therapist/homework/{homework_id}/withdraw", {})]


def test_a_therapist_never_reaches_a_couple_they_are_not_linked_to(app: Any, couple: Any,
                                                                   make_browser: Any) -> None:
    _alex, _blair, c = couple
    tb, t = make_therapist(app)
    other_b, other = make_therapist(app, "dr.okafor@example.com", "Dr Okafor")
    _link, hw, exercise_id = _finished(app, c, t, "conversations", "conversations")
    # Another couple, unlinked, and one linked to the other therapist only.
    _casey, c2 = another_couple(make_browser)
    for method, path, data in _therapist_routes(c.id, hw, exercise_id):
        other_b.refresh_token("/therapist")
        resp = other_b.get(path) if method == "GET" else other_b.post(path, data)
        assert resp.status_code == 404, (method, path)
    for method, path, data in _therapist_routes(c2.id, hw, exercise_id)[:4]:
        tb.refresh_token("/therapist")
        resp = tb.get(path) if method == "GET" else tb.post(path, data)
        assert resp.status_code == 404, (method, path)
    sock = Socket(app, other_b, namespace="/therapist")
    assert sock.emit("watch", {"couple_id": c.id})["error"]["code"] == "not_found"
    sock.disconnect()
    # Nothing changed: the homework is still there, unedited, and nothing was added.
    hw_row = db.session.get(Homework, hw)
    assert hw_row.kind == "speaker_listener" and hw_row.withdrawn_at is None
    assert db.session.scalar(sa.select(sa.func.count(Homework.id))) == 1
    # No access was logged for reads that were refused.
    assert db.session.scalar(sa.select(sa.func.count(AccessEntry.id)).where(
        AccessEntry.therapist_id == other.id)) == 0


THERAPIST_PAGES = ["/therapist", "/therapist/couples/1", "/therapist/couples/1/print",
                   "/therapist/homework/1", "/therapist/couples/1/exercises/1"]
PARTNER_PAGES = ["/exercises", "/history", "/insights", "/prompts", "/pair",
                 "/settings/therapists", "/exercises/1", "/history/1",
                 "/t/sometokensometokensometoken"]


def test_partners_cannot_open_therapist_pages(couple: Any) -> None:
    alex, _blair, _c = couple
    for path in THERAPIST_PAGES:
        assert alex.get(path).status_code == 403, path
    alex.refresh_token("/")
    assert alex.post("/therapist/invites", {}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(TherapistInvite.id))) == 0


def test_therapists_cannot_act_as_partners(app: Any, couple: Any) -> None:
    _alex, _blair, _c = couple
    tb, t = make_therapist(app)
    for path in PARTNER_PAGES:
        assert tb.get(path).status_code == 403, path
    made = tb.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me"})
    assert made.status_code == 403
    tb.refresh_token("/therapist")
    assert tb.post("/pair/invite", {}).status_code == 403
    assert tb.post("/pair/code", {"code": "ABCD2345"}).status_code == 403
    # Even with a valid invite in hand, a therapist's account never pairs.
    invite = pairing.create_invite(create_user("solo@example.com", "Solo"))
    with pytest.raises(pairing.PairingError):
        pairing.redeem(invite.invite, t)
    assert tb.get("/").headers["Location"] == "/therapist"
    assert db.session.scalar(sa.select(sa.func.count(Exercise.id))) == 0


def test_a_partner_never_sees_or_changes_another_couples_therapist(app: Any, couple: Any,
                                                                   make_browser: Any) -> None:
    alex, _blair, c = couple
    tb, t = make_therapist(app)
    casey, c2 = another_couple(make_browser)
    mine = link(t, c, "ratings", "ratings")
    theirs = link(t, c2, "conversations", "conversations")
    html = alex.get("/settings/therapists").get_data(as_text=True)
    assert "Dr Rivera" in html and "Casey" not in html and "Drew" not in html
    casey_html = casey.get("/settings/therapists").get_data(as_text=True)
    assert "Alex" not in casey_html and "Blair" not in casey_html
    casey.refresh_token("/settings/therapists")
    assert casey.post(f"/settings/therapists/{mine}/sharing",
                      {"level": "completion"}).status_code == 404
    assert casey.post(f"/settings/therapists/{mine}/end", {}).status_code == 404
    alex.refresh_token("/settings/therapists")
    assert alex.post(f"/settings/therapists/{theirs}/end", {}).status_code == 404
    assert db.session.get(TherapyLink, mine).ended_at is None
    assert db.session.get(TherapyLink, theirs).ended_at is None
    # A therapist's dashboard shows both couples; neither couple sees the other's data.
    dash = tb.get("/therapist").get_data(as_text=True)
    assert "Alex &amp; Blair" in dash and "Casey &amp; Drew" in dash


# --- signing up, inviting, accepting ---------------------------------------------------------


def test_a_therapist_signs_up_with_a_practice_and_a_licence_note(app: Any) -> None:
    b = Browser(app)
    b.refresh_token("/signup?as=therapist")
    resp = b.post("/signup", {"as": "therapist", "name": "Dr Lee", "email": "lee@example.com",
                              "practice": "", "licence": ""})
    assert resp.status_code == 400
    assert "practice" in resp.get_data(as_text=True)
    resp = b.post("/signup", {"as": "therapist", "name": "Dr Lee", "email": "lee@example.com",
                              "practice": "Lee Family Therapy", "licence": "HCPC PYL0001"})
    assert resp.status_code == 302
    link_path = re.search(r"https?://[^/\s]+(/signup/finish/\S+)",
                          latest_mail_to(app, "lee@example.com").get_body(("plain",))
                          .get_content()).group(1)
    b.refresh_token(link_path)
    assert b.post(link_path, {"password": "a long and quiet evening"}).status_code == 302
    lee = user("lee@example.com")
    assert lee.role == "therapist"
    profile = db.session.get(TherapistProfile, lee.id)
    assert (profile.practice_name, profile.licence_note) == ("Lee Family Therapy",
                                                             "HCPC PYL0001")
    assert b.get("/").headers["Location"] == "/therapist"
    assert "Lee Family Therapy" in b.get("/therapist").get_data(as_text=True)


def test_an_ordinary_sign_up_stays_a_partner(app: Any) -> None:
    b = Browser(app)
    b.refresh_token("/signup")
    b.post("/signup", {"name": "Pat", "email": "pat@example.com", "practice": "Sneaky"})
    link_path = re.search(r"https?://[^/\s]+(/signup/finish/\S+)",
                          latest_mail_to(app, "pat@example.com").get_body(("plain",))
                          .get_content()).group(1)
    b.refresh_token(link_path)
    b.post(link_path, {"password": "a long and quiet evening"})
    assert user("pat@example.com").role == "partner"
    assert db.session.scalar(sa.select(sa.func.count(TherapistProfile.user_id))) == 0


def test_invites_are_single_use_and_expire(app: Any, couple: Any, make_browser: Any) -> None:
    alex, _blair, c = couple
    tb, t = make_therapist(app)
    tb.refresh_token("/therapist")
    assert tb.post("/therapist/invites", {}).status_code == 302
    page = tb.get("/therapist").get_data(as_text=True)
    token_path = re.search(r'value="https?://[^/"]+(/t/[^"]+)"', page).group(1)
    code = re.search(r'id="invite-code">([A-Z0-9-]+)<', page).group(1)
    accept = alex.get(token_path)
    assert accept.status_code == 200 and "Rivera Couples Practice" in accept.get_data(
        as_text=True)
    assert accept.headers["Referrer-Policy"] == "no-referrer"
    alex.refresh_token(token_path)
    assert alex.post(token_path, {"level": "ratings", "time_zone": "Europe/Paris"}
                     ).status_code == 302
    assert db.session.get(Couple, c.id).time_zone == "Europe/Paris"
    # Used: not again, neither by link nor by code, nor by another couple.
    casey, _c2 = another_couple(make_browser)
    casey.refresh_token("/settings/therapists")
    resp = casey.post("/settings/therapists/code", {"code": code, "level": "completion"})
    assert resp.status_code == 400 and "already used" in resp.get_data(as_text=True)
    new = therapy.create_invite(t)
    new.invite.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    resp = casey.post("/settings/therapists/code", {"code": new.invite.code,
                                                     "level": "completion"})
    assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(TherapyLink.id))) == 1


def test_blair_accepts_in_settings_and_sees_what_the_therapist_sees(app: Any, couple: Any
                                                                    ) -> None:
    alex, blair, c = couple
    tb, t = make_therapist(app)
    new = therapy.create_invite(t)
    link_obj = therapy.accept_invite(new.invite, c.partner_a, level="conversations")
    page = blair.get("/settings/therapists").get_data(as_text=True)
    assert "Dr Rivera" in page and "Not accepted yet" in page
    assert "Nothing yet: both of you need to accept" in page
    blair.refresh_token("/settings/therapists")
    blair.post(f"/settings/therapists/{link_obj.id}/sharing", {"level": "ratings"})
    hw = assign(t, c)
    with app.test_request_context():
        do_homework(c, hw)
    page = blair.get("/settings/therapists").get_data(as_text=True)
    assert re.search(r'data-choice="mine">[^<]*ratings and skill insights<', page)
    assert re.search(r'data-choice="partner">[^<]*plus the conversations<', page)
    # Shown as the therapist would see it: the ratings, no topics.
    preview = page.split('class="as-seen-body"')[1]
    assert "Alex felt seen 8/10" in preview and "Topic:" not in preview
    # The access log: every read of the therapist, what and when, for both partners.
    assert "haven't opened anything yet" in page
    tb.get(f"/therapist/couples/{c.id}")
    tb.get(f"/therapist/couples/{c.id}/print")
    for partner in (alex, blair):
        log = partner.get("/settings/therapists").get_data(as_text=True)
        assert "Couple page" in log and "Print page: before our next session" in log
        assert re.search(r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC", log)


# --- homework -------------------------------------------------------------------------------


def test_homework_is_on_home_and_starts_prefilled_and_linked(app: Any,
                                                                       couple: Any) -> None:
    alex, _blair, c = couple
    tb, t = make_therapist(app)
    link(t, c, "ratings", "ratings")
    tb.refresh_token(f"/therapist/couples/{c.id}")
    resp = tb.post(f"/therapist/couples/{c.id}/homework",
                   {"kind": "slow_down", "topic": "Money talk", "note": "Go gently.",
                    "strictness": "strict", "when": "repeat", "per_week": "3", "weeks": "2"})
    assert resp.status_code == 302
    hw = db.session.scalar(sa.select(Homework))
    home = alex.get("/").get_data(as_text=True)
    assert "Homework" in home and "Money talk" in home and "Go gently." in home
    assert "0 of 6 done" in home and "streak" not in home.lower()
    form = alex.get(f"/exercises?homework={hw.id}").get_data(as_text=True)
    assert f'name="homework_id" value="{hw.id}"' in form
    assert 'value="Money talk"' in form
    assert re.search(r'value="slow_down"\s+checked', form)
    assert re.search(r'value="strict"\s+checked', form)
    alex.refresh_token("/exercises")
    resp = alex.post("/exercises", {"kind": "speaker_listener", "topic": "Money talk",
                                    "first_speaker": "me", "strictness": "strict",
                                    "homework_id": str(hw.id)})
    assert resp.status_code == 302
    made = db.session.scalar(sa.select(Exercise))
    assert made.homework_id == hw.id
    assert db.session.scalar(sa.select(sa.func.count(HomeworkDone.id))) == 0


def test_overdue_homework_is_shown_kindly(app: Any, couple: Any) -> None:
    alex, _blair, c = couple
    _tb, t = make_therapist(app)
    link(t, c, "completion", "completion")
    hw = db.session.get(Homework, assign(t, c))
    hw.starts_on = hw.starts_on - timedelta(days=5)
    db.session.commit()
    home = alex.get("/").get_data(as_text=True)
    assert "still open. No rush: whenever you're both ready counts." in home
    for scolding in ("overdue", "late", "missed", "streak", "failed"):
        assert scolding not in home.lower().split("homework")[1], scolding


@pytest.mark.parametrize("form,words", [
    ({"kind": "nope", "when": "due", "due_on": "2099-01-01"}, "Pick an exercise"),
    ({"kind": "slow_down"}, "Choose a due date or a repeat"),
    ({"kind": "slow_down", "when": "due", "due_on": "2001-01-01"}, "already passed"),
    ({"kind": "slow_down", "when": "due", "due_on": "soon"}, "pick a date"),
    ({"kind": "slow_down", "when": "repeat", "per_week": "9", "weeks": "2"}, "1 to 7 times"),
    ({"kind": "slow_down", "when": "repeat", "per_week": "x", "weeks": "2"}, "whole number"),
    ({"kind": "slow_down", "when": "due", "due_on": "2099-01-01", "strictness": "harsh"},
     "gentle or strict"),
    ({"kind": "slow_down", "when": "due", "due_on": "2099-01-01", "topic": "x" * 201},
     "200 characters"),
])
def test_a_bad_assignment_is_a_clear_error_and_changes_nothing(app: Any, couple: Any,
                                                               form: dict[str, str],
                                                               words: str) -> None:
    _alex, _blair, c = couple
    tb, t = make_therapist(app)
    link(t, c, "completion", "completion")
    tb.refresh_token(f"/therapist/couples/{c.id}")
    resp = tb.post(f"/therapist/couples/{c.id}/homework", form)
    assert resp.status_code == 400
    assert words in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Homework.id))) == 0


def test_edit_and_withdraw(app: Any, couple: Any) -> None:
    alex, _blair, c = couple
    tb, t = make_therapist(app)
    link(t, c, "completion", "completion")
    hw = assign(t, c)
    tb.refresh_token(f"/therapist/homework/{hw}")
    resp = tb.post(f"/therapist/homework/{hw}", {"kind": "curious_questions", "topic": "Sleep",
                                                 "when": "due", "due_on": "2099-03-31",
                                                 "strictness": "gentle"})
    assert resp.status_code == 302
    row = db.session.get(Homework, hw)
    db.session.refresh(row)
    assert (row.kind, row.topic, row.per_week, str(row.due_on)) == (
        "curious_questions", "Sleep", None, "2099-03-31")
    assert "Sleep" in alex.get("/").get_data(as_text=True)
    assert tb.post(f"/therapist/homework/{hw}/withdraw", {}).status_code == 302
    assert "Sleep" not in alex.get("/").get_data(as_text=True)
    assert alex.get(f"/exercises?homework={hw}").status_code == 200
    assert 'name="homework_id"' not in alex.get(f"/exercises?homework={hw}").get_data(
        as_text=True)


def test_a_therapist_deleting_their_account_ends_their_links(app: Any, couple: Any) -> None:
    alex, _blair, c = couple
    tb, t = make_therapist(app)
    link(t, c, "ratings", "ratings")
    spare = therapy.create_invite(t)
    tb.refresh_token("/settings/delete")
    resp = tb.post("/settings/delete", {"password": "correct horse battery staple",
                                        "confirm": "yes"})
    assert resp.status_code in (302, 303)
    assert db.session.scalar(sa.select(TherapyLink.end_reason)) == "therapist left"
    assert "No therapist is linked" in alex.get("/settings/therapists").get_data(as_text=True)
    alex.refresh_token("/settings/therapists")
    resp = alex.post("/settings/therapists/code", {"code": spare.invite.code,
                                                   "level": "completion"})
    assert resp.status_code == 400


def test_the_data_export_holds_the_consent_history_and_the_access_log(app: Any,
                                                                      couple: Any) -> None:
    alex, blair, c = couple
    tb, t = make_therapist(app)
    link(t, c, "conversations", "ratings")
    tb.get(f"/therapist/couples/{c.id}")
    data = json.loads(blair.get("/settings/data/attune-export.json").get_data(as_text=True))
    (entry,) = data["therapists"]
    assert entry["therapist"] == "Dr Rivera" and entry["practice"] == "Rivera Couples Practice"
    assert [(ch["by"], ch["level"]) for ch in entry["choices"]] == [
        ("partner", "conversations"), ("you", "ratings")]
    assert [e["what"] for e in entry["access_log"]] == ["Couple page"]
    assert json.loads(alex.get("/settings/data/attune-export.json").get_data(
        as_text=True))["therapists"][0]["choices"][0]["by"] == "you"


def test_a_therapist_can_sign_up_with_a_passkey_alone(app: Any) -> None:
    from tests.webauthn_authenticator import SoftAuthenticator

    b = Browser(app)
    b.refresh_token("/signup?as=therapist")
    resp = b.post("/signup", {"as": "therapist", "name": "Dr Ng", "email": "ng@example.com",
                              "practice": "Ng Counselling"})
    assert resp.status_code == 302
    link_path = re.search(r"https?://[^/\s]+(/signup/finish/\S+)",
                          latest_mail_to(app, "ng@example.com").get_body(("plain",))
                          .get_content()).group(1)
    b.refresh_token(link_path)
    opts = b.post_json("/auth/passkey/register/options",
                       {"signup_token": link_path.rsplit("/", 1)[1]})
    assert opts.status_code == 200
    resp = b.post_json("/auth/passkey/register/verify",
                       {"credential": SoftAuthenticator().create(opts.get_json()),
                        "name": "Laptop"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    ng = user("ng@example.com")
    assert ng.role == "therapist" and ng.password_hash is None
    assert db.session.get(TherapistProfile, ng.id).practice_name == "Ng Counselling"


def test_the_therapist_sees_the_numbers_each_partner_sees(app: Any, couple: Any) -> None:
    alex, blair, c = couple
    tb, t = make_therapist(app)
    link(t, c, "ratings", "ratings")
    hw = assign(t, c)
    with app.test_request_context():
        for n, seen in enumerate(((8, 6), (7, 9), (9, 5))):
            do_homework(c, hw, seen=seen, tag=f"n{n}")
    page = tb.get(f"/therapist/couples/{c.id}").get_data(as_text=True)
    rows = {m.group(1): re.findall(r"<td>(.*?)</td>", m.group(2), re.DOTALL)
            for m in re.finditer(r'<tr data-metric="(\w+)">(.*?)</tr>', page, re.DOTALL)}
    for index, partner in ((0, alex), (1, blair)):
        own = partner.get("/insights").get_data(as_text=True)
        for key in ("seen", "landing", "gap", "questions", "holds", "answer_time"):
            mine = re.search(rf'data-metric="{key}"><dt>.*?</dt><dd>(.*?)</dd>', own, re.DOTALL)
            assert mine is not None, key
            assert rows[key][index].strip() == mine.group(1).strip(), (key, index)
    assert rows["seen"] == ["8/10", "6.7/10"]
    # The same charts the couple sees, with both partners' lines.
    assert re.search(r'aria-labelledby="c\d+-chart-seen-h', page)


def test_the_json_api_starts_homework_too_and_refuses_someone_elses(app: Any, couple: Any,
                                                                    make_browser: Any) -> None:
    alex, _blair, c = couple
    _tb, t = make_therapist(app)
    link(t, c, "completion", "completion")
    hw = assign(t, c)
    made = alex.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me",
                                             "homework_id": "x"})
    assert made.status_code == 404 and db.session.scalar(
        sa.select(sa.func.count(Exercise.id))) == 0
    casey, _c2 = another_couple(make_browser)
    made = casey.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me",
                                              "homework_id": hw})
    assert made.status_code == 404
    made = alex.post_json("/api/exercises", {"kind": "speaker_listener", "first_speaker": "me",
                                             "homework_id": hw})
    assert made.status_code == 201
    assert db.session.get(Exercise, made.get_json()["exercise_id"]).homework_id == hw


def test_home_asks_the_second_partner_to_choose(app: Any, couple: Any) -> None:
    alex, blair, c = couple
    _tb, t = make_therapist(app)
    link(t, c, "ratings", None)
    assert "Dr Rivera would like to link with you both" in blair.get("/").get_data(as_text=True)
    assert "would like to link" not in alex.get("/").get_data(as_text=True)
    link_id = db.session.scalar(sa.select(TherapyLink.id))
    therapy.choose(c.partner_b, link_id, level="completion")
    assert "would like to link" not in blair.get("/").get_data(as_text=True)


def test_an_unknown_sharing_choice_is_a_clear_error_and_changes_nothing(app: Any,
                                                                        couple: Any) -> None:
    _alex, blair, c = couple
    _tb, t = make_therapist(app)
    link_id = link(t, c, "ratings", "ratings")
    before = db.session.scalar(sa.select(sa.func.count(ConsentChange.id)))
    blair.refresh_token("/settings/therapists")
    resp = blair.post(f"/settings/therapists/{link_id}/sharing", {"level": "everything"})
    assert resp.status_code == 400
    assert "Choose what to share" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ConsentChange.id))) == before


def test_guessing_invite_codes_is_rate_limited(tmp_path: Any) -> None:
    from app import create_app
    from tests.conftest import make_config

    limited = create_app(make_config(tmp_path, RATELIMIT_ENABLED=True))
    with limited.app_context():
        db.create_all()
        guesser = Browser(limited)
        create_user("sam@example.com", "Sam")
        assert guesser.login("sam@example.com").status_code == 302
        guesser.refresh_token("/settings/therapists")
        codes = [guesser.post("/settings/therapists/code",
                              {"code": f"ABCD{i:04d}".replace("0", "2").replace("1", "3"),
                               "level": "completion"}).status_code for i in range(11)]
        assert codes[:10] == [400] * 10
        assert codes[10] == 429
        assert db.session.scalar(sa.select(sa.func.count(TherapyLink.id))) == 0
        db.session.remove()
        db.engine.dispose()


def test_the_second_partner_opening_the_same_invite_is_sent_to_choose(app: Any,
                                                                       couple: Any) -> None:
    # A therapist naturally sends the link to both partners; the second one isn't told to
    # ask for a new invitation (which would only say "already linked") but to choose.
    alex, blair, c = couple
    _tb, t = make_therapist(app)
    new = therapy.create_invite(t)
    path = f"/t/{new.token}"
    alex.refresh_token(path)
    assert alex.post(path, {"level": "ratings"}).status_code == 302
    blair.refresh_token("/settings/therapists")
    by_code = blair.post("/settings/therapists/code", {"code": new.invite.code,
                                                       "level": "conversations"})
    for resp in (blair.get(path), blair.post(path, {"level": "conversations"}), by_code):
        assert resp.status_code == 302 and resp.headers["Location"] == "/settings/therapists"
    page = blair.get("/settings/therapists").get_data(as_text=True)
    assert "already accepted" in page and "already used" not in page
    # Nothing was chosen for Blair by opening it: the link still waits for her choice.
    link_row = db.session.scalar(sa.select(TherapyLink))
    assert therapy.choices_of(link_row, db.session.get(Couple, c.id))[1] is None
    # Alex, who used it, still hears that it was used.
    assert "already used" in alex.get(path).get_data(as_text=True)
    # Someone else's couple still hears that the invitation was used.
    casey = Browser(app)
    create_user("casey@example.com", "Casey")
    assert casey.login("casey@example.com").status_code == 302
    assert "already used" in casey.get(path).get_data(as_text=True)


def test_homework_of_an_ended_link_stays_closed_after_linking_again(app: Any,
                                                                    couple: Any) -> None:
    _alex, _blair, c = couple
    tb, t = make_therapist(app)
    first = link(t, c, "completion", "completion")
    hw = assign(t, c, topic="Before")
    therapy.end_link(c.partner_a, first)
    link(t, c, "completion", "completion")
    tb.refresh_token("/therapist")
    assert tb.get(f"/therapist/homework/{hw}").status_code == 404
    assert tb.post(f"/therapist/homework/{hw}", {"kind": "slow_down", "when": "due",
                                                 "due_on": "2099-01-01"}).status_code == 404
    assert tb.post(f"/therapist/homework/{hw}/withdraw", {}).status_code == 404
    row = db.session.get(Homework, hw)
    db.session.refresh(row)
    assert (row.kind, row.topic, row.withdrawn_at) == ("speaker_listener", "Before", None)
