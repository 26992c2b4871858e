"""Looking back on phones: both partners find a finished exercise in History, open it, see
their insights with a chart, and one exports their data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import User
from app.services import exercises
from app.services.pairing import create_invite, redeem
from tests.browser.axe import assert_accessible_both_schemes
from tests.browser.helpers import screenshot, sign_up_with_password, unique_email

pytestmark = pytest.mark.browser

HELD = "You should just quit that job."
REFLECTION = "It sounds like work takes everything you have."


def _finished_exercises(app: Any, emails: tuple[str, str], count: int) -> list[int]:
    """Pair the two and run ``count`` whole exercises through the real service."""
    with app.app_context():
        a = db.session.scalar(sa.select(User).where(User.email == emails[0]))
        b = db.session.scalar(sa.select(User).where(User.email == emails[1]))
        assert a is not None and b is not None
        redeem(create_invite(a).invite, b)
        ids = []
        with app.test_request_context():
            for n in range(count):
                made = exercises.propose(a, {"kind": "speaker_listener", "first_speaker": "me",
                                             "topic": f"Work, part {n + 1}"})
                steps = [(b, "accept", {}), (a, "say", {"text": "Work drains me."}),
                         (b, "say", {"text": HELD}), (b, "say", {"text": REFLECTION}),
                         (a, "confirm", {"kind": "landed"}), (a, "end_turn", {}),
                         (b, "say", {"text": "I miss our evenings."}),
                         (a, "say", {"text": "You miss the time we had together."}),
                         (b, "confirm", {"kind": "landed"}), (b, "end_turn", {}),
                         (a, "rate", {"seen": 7 + n % 2, "understood": 7,
                                      "note": "Alex's private note"}),
                         (b, "rate", {"seen": 9, "understood": 6})]
                for i, (user, type_, payload) in enumerate(steps):
                    ack = exercises.act(user, exercise_id=made.id, client_id=f"h{n}-{i:05d}",
                                        type_=type_, payload=payload)
                    assert ack["ok"], ack
                ids.append(made.id)
        db.session.remove()
        return ids


def test_both_find_it_open_it_see_insights_and_one_exports(phone: Any, live_server: Any,
                                                           tmp_path: Path) -> None:
    alex = phone("light").new_page()
    blair = phone("dark").new_page()
    emails = unique_email("alex"), unique_email("blair")
    for page, name, email in ((alex, "Alex", emails[0]), (blair, "Blair", emails[1])):
        page.goto("/signup")
        sign_up_with_password(page, name, email)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Hi, {name}")
    ids = _finished_exercises(live_server.app, emails, 3)

    for page, partner in ((alex, "Blair"), (blair, "Alex")):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="History").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("History")
        newest = page.get_by_role("list", name=re.compile("Your exercises")).get_by_role(
            "listitem").first
        expect(newest).to_contain_text("Work, part 3")
        expect(newest).to_contain_text(f"with {partner}")
        expect(newest).to_contain_text("2 reflections landed")
        newest.get_by_role("link").click()
        expect(page).to_have_url(re.compile(rf"/history/{ids[-1]}$"))
        expect(page.get_by_role("heading", name="How it went")).to_be_visible()
        expect(page.get_by_role("list", name="Transcript")).to_contain_text(REFLECTION)
    # What the guard held back is Blair's alone; Alex's private note is Alex's alone.
    expect(blair.get_by_text(HELD)).to_be_visible()
    assert HELD not in alex.content()
    expect(alex.get_by_text("Alex's private note")).to_be_visible()
    assert "Alex's private note" not in blair.content()
    screenshot(alex, "history-debrief")
    assert_accessible_both_schemes(alex, "an exercise's page with its debrief")

    for page in (alex, blair):
        page.get_by_role("link", name="Back to history").click()
        page.get_by_role("navigation", name="Looking back").get_by_role(
            "link", name="Insights").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
        chart = page.get_by_role("img", name=re.compile("How seen each of you felt"))
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] <= 390
        page.get_by_text("The numbers").first.click()
        expect(page.get_by_role("table").first).to_be_visible()
    screenshot(blair, "insights-dark")
    screenshot(alex, "insights")
    assert_accessible_both_schemes(alex, "insights")
    alex.goto("/history")
    screenshot(alex, "history")
    assert_accessible_both_schemes(alex, "history list")

    # Alex takes their data home from Settings.
    alex.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    section = alex.get_by_role("region", name="Your data")
    expect(section).to_be_visible()
    with alex.expect_download() as download:
        section.get_by_role("link", name="Download everything (JSON)").click()
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert [e["topic"] for e in data["exercises"]] == ["Work, part 1", "Work, part 2",
                                                       "Work, part 3"]
    assert HELD not in saved.read_text(encoding="utf-8")
