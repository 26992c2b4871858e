"""The whole therapist story in real Chromium: a therapist on a laptop links a couple (both
accept; one shares conversations, the other only ratings), assigns homework, the couple does
it from Home, the therapist sees it done with ratings but no transcript, and when a partner
narrows what they share the therapist's open page loses the ratings without a reload."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Exercise, User
from app.services import pairing, therapy
from app.services.accounts import sign_up_with_password
from tests.browser.axe import assert_accessible_both_schemes
from tests.browser.helpers import (
    collect_problems,
    emailed_link,
    screenshot,
    sign_up_and_pair,
    unique_email,
)
from tests.conftest import PASSWORD, create_user
from tests.therapy_helpers import assign, do_homework, link, play_through

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}


def _finish(app: Any, exercise_id: int, emails: tuple[str, str]) -> None:
    """Blair accepts and the two talk it through and rate it (the exercise flow's own tests
    drive these screens; here the story is the homework around them)."""
    with app.app_context(), app.test_request_context():
        a, b = (db.session.scalar(sa.select(User).where(User.email == e)) for e in emails)
        assert a is not None and b is not None
        play_through(a, b, exercise_id, seen=(8, 6), tag="story")
        db.session.remove()


def test_a_therapist_links_assigns_sees_it_done_and_loses_ratings_live(
        phone: Any, new_context: Any, live_server: Any) -> None:
    app = live_server.app
    laptop = new_context(viewport=LAPTOP, base_url=live_server.url, locale="en-GB",
                         timezone_id="Europe/London", reduced_motion="reduce").new_page()
    alex, blair = phone("light").new_page(), phone("dark").new_page()
    problems = collect_problems(laptop, alex, blair)

    # The therapist signs up as a therapist.
    email = unique_email("rivera")
    laptop.goto("/signup")
    laptop.get_by_role("link", name="Create a therapist account").click()
    laptop.get_by_label("What should we call you?").fill("Dr Rivera")
    laptop.get_by_label("Email").fill(email)
    laptop.get_by_label("Practice name").fill("Rivera Couples Practice")
    laptop.get_by_label("Licence note (optional)").fill("Licensed MFT #1234")
    laptop.get_by_role("button", name="Email me a link").click()
    laptop.goto(emailed_link(email, "/signup/finish/"))
    laptop.get_by_label("Password").fill(PASSWORD)
    laptop.get_by_role("button", name="Create my account").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Your couples")
    expect(laptop.get_by_text("Rivera Couples Practice")).to_be_visible()
    assert_accessible_both_schemes(laptop, "a therapist's dashboard")

    # A couple, paired on their phones.
    sign_up_and_pair(app, alex, blair, ("Alex", "Blair"))
    with app.app_context():
        rows = db.session.execute(sa.select(User.email, User.display_name).where(
            User.display_name.in_(["Alex", "Blair"]))).all()
        by_name = {r.display_name: r.email for r in rows}
        emails = (by_name["Alex"], by_name["Blair"])
        db.session.remove()

    # The therapist makes an invite; Alex accepts it, sharing conversations.
    laptop.get_by_role("button", name="Make an invite").click()
    link = laptop.get_by_label("Invite link").input_value()
    alex.goto(re.sub(r"^https?://[^/]+", "", link))
    expect(alex.get_by_role("heading", level=1)).to_have_text("Dr Rivera invites the two of you")
    alex.get_by_label(re.compile("plus the conversations")).check()
    alex.get_by_role("button", name="Accept and share this").click()
    expect(alex.get_by_role("heading", level=1)).to_have_text("Therapists")
    expect(laptop.get_by_text("Alex & Blair")).to_have_count(0)

    # Blair accepts in Settings → Therapists, sharing ratings only.
    blair.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    blair.get_by_role("link", name="Therapists: who sees what").click()
    card = blair.get_by_role("region", name="Dr Rivera")
    expect(card).to_contain_text("Not accepted yet")
    card.get_by_label(re.compile("plus ratings and skill insights$")).check()
    card.get_by_role("button", name="Accept and share this").click()
    expect(blair.locator('[data-choice="sees"]')).to_contain_text("ratings and skill insights")
    # Alex's open Settings → Therapists says something changed, without losing anything.
    expect(alex.get_by_role("status").filter(has_text="Something changed")).to_be_visible()
    screenshot(blair, "therapists-settings-dark")
    assert_accessible_both_schemes(blair, "Settings → Therapists")

    # The therapist sees the couple now, opens them and assigns homework.
    laptop.reload()
    laptop.get_by_role("link", name="Alex & Blair").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Alex & Blair")
    laptop.get_by_label("Exercise").select_option(label="Speaker–Listener")
    laptop.get_by_label("Topic or prompt (optional)").fill("Our Sundays")
    laptop.get_by_label("A note for the couple (optional)").fill("Take it slowly.")
    laptop.get_by_role("button", name="Assign").click()
    expect(laptop.get_by_text("0 of 6 done")).to_be_visible()
    expect(laptop.locator("body")).to_have_attribute("data-watching", "yes")
    expect(laptop.locator("#live-status")).to_have_count(1)
    laptop.evaluate("() => { window.stillTheSamePage = true; }")

    # Alex starts it from the Homework card on Home; the form comes filled in.
    alex.goto("/")
    homework = alex.get_by_role("region", name="Homework")
    expect(homework).to_contain_text("Our Sundays")
    expect(homework).to_contain_text("Take it slowly.")
    homework.scroll_into_view_if_needed()
    screenshot(alex, "home-homework")
    homework.get_by_role("link", name=re.compile("Start")).click()
    expect(alex.get_by_label("Topic (optional)")).to_have_value("Our Sundays")
    alex.get_by_role("button", name=re.compile("is now OK")).click()
    expect(alex).to_have_url(re.compile(r"/exercises/\d+$"))
    exercise_id = int(alex.url.rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(Exercise, exercise_id).homework_id is not None
        db.session.remove()
    _finish(app, exercise_id, emails)

    # The therapist's open page shows it done, with ratings and without a transcript.
    done = laptop.locator("[data-section='done']")
    expect(done).to_contain_text("Alex felt seen 8/10")
    expect(done).to_contain_text("Blair felt seen 6/10")
    expect(laptop.get_by_text("1 of 6 done")).to_be_visible()
    expect(laptop.get_by_role("link", name=re.compile("transcript"))).to_have_count(0)
    assert "Topic:" not in done.inner_text()
    assert laptop.evaluate("() => window.stillTheSamePage === true")
    laptop.evaluate("() => window.scrollTo(0, 0)")
    screenshot(laptop, "therapist-couple")
    assert_accessible_both_schemes(laptop, "a therapist's couple page")

    # Blair narrows to completion only: the open page loses the ratings, without a reload.
    blair.reload()
    card = blair.get_by_role("region", name="Dr Rivera")
    card.get_by_label(re.compile(r"homework was done \(the default\)")).check()
    card.get_by_role("button", name="Save").click()
    expect(laptop.locator("[data-section='done']")).not_to_contain_text("felt seen")
    expect(laptop.locator("[data-section='insights']")).to_have_count(0)
    expect(laptop.get_by_text("1 of 6 done")).to_be_visible()
    expect(laptop.locator("#live-status")).to_contain_text("changed what they share")
    assert laptop.evaluate("() => window.stillTheSamePage === true")

    # Blair's log shows each time the therapist looked.
    blair.reload()
    blair.get_by_text(re.compile(r"When Dr Rivera looked")).click()
    expect(blair.get_by_role("table")).to_contain_text("Couple page")
    assert not [p for p in problems if "favicon" not in p], problems


def test_an_open_transcript_closes_when_conversations_stop_being_shared(
        new_context: Any, live_server: Any) -> None:
    app = live_server.app
    therapist_email, a_email, b_email = (unique_email(w) for w in ("osei", "sam", "jo"))
    with app.app_context(), app.test_request_context():
        t = sign_up_with_password(email=therapist_email, name="Dr Osei", password=PASSWORD,
                                  therapist={"practice": "Osei Practice", "licence": ""})
        a, b = create_user(a_email, "Sam"), create_user(b_email, "Jo")
        couple = pairing.redeem(pairing.create_invite(a).invite, b)
        couple_id, jo_id = couple.id, b.id
        link_id = link(t, couple, "conversations", "conversations")
        exercise_id = do_homework(couple, assign(t, couple))
        db.session.remove()
    laptop = new_context(viewport=LAPTOP, base_url=live_server.url,
                         reduced_motion="reduce").new_page()
    laptop.goto("/login")
    laptop.get_by_label("Email").fill(therapist_email)
    laptop.get_by_label("Password").fill(PASSWORD)
    laptop.get_by_role("button", name="Sign in", exact=True).click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Your couples")
    laptop.goto(f"/therapist/couples/{couple_id}/exercises/{exercise_id}")
    expect(laptop.get_by_text("It sounds like Sundays feel lonely.")).to_be_visible()
    expect(laptop.locator("body")).to_have_attribute("data-watching", "yes")

    # Jo narrows to ratings: the open transcript is no longer theirs to read, without a reload.
    with app.app_context(), app.test_request_context():
        therapy.choose(db.session.get(User, jo_id), link_id, level="ratings")
        db.session.remove()
    expect(laptop).to_have_url(re.compile(r"/therapist$"))
    expect(laptop.get_by_text("It sounds like Sundays feel lonely.")).to_have_count(0)
