"""Two phones run Step into my shoes: a sealed guess, the telling, the reveal, the mark."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Exercise, User
from app.services import exercises
from tests.browser.axe import assert_accessible, assert_accessible_both_schemes
from tests.browser.helpers import (
    collect_problems,
    screenshot,
    sign_up_and_pair,
    wait_for_socket,
)

pytestmark = pytest.mark.browser

MOMENT = "Tuesday's dinner with my parents"
FELT = "Embarrassed when your dad joked about your job"
NEEDED = "Me to change the subject for you"


def _card(page: Page):
    return page.locator("#ph-shoes")


def _say(page: Page, label: re.Pattern[str] | str, text: str) -> None:
    page.get_by_role("textbox", name=label).fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


def test_step_into_my_shoes_from_proposal_to_the_accuracy_mark(phone, live_server) -> None:
    alex = phone("light").new_page()
    blair = phone("dark").new_page()
    problems = collect_problems(alex, blair)
    sign_up_and_pair(live_server.app, alex, blair, ("Alex", "Blair"))

    # Blair keeps a prompt of their own; it is offered to Alex too.
    blair.goto("/prompts")
    blair.get_by_label("A new prompt").fill("The week we moved house")
    blair.get_by_role("button", name="Keep this prompt").click()
    expect(blair.get_by_role("status")).to_have_text("Kept. You'll find it when you propose an exercise.")
    assert_accessible_both_schemes(blair, "own prompts")

    # Alex proposes Step into my shoes with a prompt from the stress deck.
    alex.goto("/exercises")
    own = alex.get_by_label("Something to talk about").locator("optgroup", has_text="The week we moved house")
    expect(own).to_have_attribute("label", "Your own prompts")
    alex.get_by_role("radio", name=re.compile("^Step into my shoes")).check()
    prompt = alex.get_by_label("Something to talk about")
    # Only prompts that suit the exercise are offered; share-a-joy-only ones are hidden.
    expect(prompt.locator('option[value="hopes-01"]')).to_be_hidden()
    # "Surprise me" shows its pick (one that suits) before anything is sent.
    alex.get_by_role("button", name="Surprise me").click()
    expect(alex.locator("#f-prompt-chosen")).to_be_visible()
    picked = prompt.input_value()
    assert picked and picked != "surprise"
    assert prompt.locator(f'option[value="{picked}"]').get_attribute("data-suits").split().count(
        "step_into_my_shoes") == 1
    prompt.select_option("stress-03")
    expect(alex.locator("#f-prompt-chosen")).to_have_text(
        "A moment this week when work followed you home.")
    assert_accessible_both_schemes(alex, "exercise picker with a prompt")
    alex.get_by_role("button", name="Ask Blair: is now OK?").click()
    expect(alex).to_have_url(re.compile(r"/exercises/\d+$"))
    wait_for_socket(alex)

    blair.goto("/exercises")
    blair.get_by_role("link", name="Open the exercise").click()
    wait_for_socket(blair)
    expect(blair.locator("#ex-prompt")).to_contain_text("when work followed you home")
    blair.get_by_role("button", name="Accept now").click()

    # Alex names the moment, nothing more; the composer is not offered yet.
    name_box = alex.get_by_role("textbox", name="Name a moment")
    expect(name_box).to_be_visible()
    expect(alex.locator("#ph-active")).to_be_hidden()
    expect(blair.locator("#shoes-wait")).to_have_text("Alex is choosing a moment to name.")
    name_box.fill(MOMENT)
    alex.get_by_role("button", name="Name it").click()

    # Blair imagines it from Alex's side and seals a guess.
    expect(_card(blair).locator("#shoes-moment")).to_have_text(f"“{MOMENT}”")
    felt = blair.get_by_role("textbox", name="What I think you felt")
    needed = blair.get_by_role("textbox", name="What I think you needed")
    expect(felt).to_be_visible()
    felt.fill(FELT)
    blair.get_by_role("button", name="Seal my guess").click()
    expect(blair.locator("#ex-errors")).to_have_text(
        "Write both: what you think they felt, and what they needed.")
    expect(felt).to_have_value(FELT)  # nothing typed is lost, not even on a reload
    blair.reload()
    wait_for_socket(blair)
    expect(felt).to_have_value(FELT)
    needed.fill(NEEDED)
    screenshot(blair, "shoes-guess")
    assert_accessible_both_schemes(blair, "step into my shoes (guess)")
    blair.get_by_role("button", name="Seal my guess").click()
    expect(blair.locator("#shoes-guess-title")).to_have_text("Your guess · sealed")
    expect(blair.locator("#shoes-felt-words")).to_have_text(FELT)

    # Alex tells it. The guess is sealed: nowhere on Alex's screen.
    expect(alex.locator("#shoes-wait")).to_have_text(
        "Blair has sealed a guess. Tell the moment as it was; you'll see the guess once "
        "you've told it.")
    share = alex.get_by_role("textbox", name="Share a small piece…")
    expect(share).to_be_visible()
    expect(alex.get_by_role("button", name="I've told it: show me the guess")).to_be_hidden()
    _say(alex, "Share a small piece…", "My dad made his joke about my job again and I went quiet.")
    reflection = "It sounds like you went quiet because it stung."
    expect(blair.get_by_role("log").get_by_text("I went quiet")).to_be_visible()
    _say(blair, re.compile("Say back what you heard"), reflection)
    expect(alex.get_by_role("log").get_by_text(reflection)).to_be_visible()
    assert FELT not in alex.content() and NEEDED not in alex.content()
    reveal = alex.get_by_role("button", name="I've told it: show me the guess")
    expect(reveal).to_be_visible()
    reveal.click()

    # The guess opens to both; Alex marks how close it came, with nothing chosen beforehand.
    for page, title in ((alex, "Blair's guess"), (blair, "Your guess")):
        expect(page.locator("#shoes-guess-title")).to_have_text(title)
        expect(page.locator("#shoes-felt-words")).to_have_text(FELT)
        expect(page.locator("#shoes-needed-words")).to_have_text(NEEDED)
    scale = alex.get_by_role("group", name="How close did the guess come?")
    expect(scale.get_by_role("radio")).to_have_count(11)
    for radio in scale.get_by_role("radio").all():
        expect(radio).not_to_be_checked()
    expect(blair.locator("#shoes-wait")).to_have_text(
        "Alex is reading your guess and marking how close it came.")
    alex.get_by_role("button", name="Share how close it came").click()
    expect(alex.locator("#ex-errors")).to_have_text("Choose how close it came, from 0 to 10.")
    scale.get_by_role("radio", name="6", exact=True).check()
    alex.get_by_role("textbox", name="What did it miss? (optional)").fill(
        "It was less embarrassed, more alone.")
    screenshot(alex, "shoes-mark")
    assert_accessible_both_schemes(alex, "step into my shoes (mark)")
    alex.get_by_role("button", name="Share how close it came").click()
    for page in (alex, blair):
        expect(page.locator("#shoes-mark-score")).to_have_text("6/10")
        expect(page.locator("#shoes-mark-missed")).to_have_text("It was less embarrassed, more alone.")
    expect(alex.locator("#shoes-mark-form")).to_be_hidden()

    # Blair says back what the guess missed; Alex confirms and hands over the floor.
    miss = "So I thought you were embarrassed, and it was more that you felt alone."
    _say(blair, "Say back what you missed, in your own words.", miss)
    expect(alex.get_by_role("log").get_by_text(miss)).to_be_visible()
    expect(alex.get_by_role("log").get_by_text("Blair · what they missed")).to_be_visible()
    alex.get_by_role("group", name="Did Blair's reflection land?").get_by_role(
        "button", name="That's it").click()
    assert_accessible(blair, "step into my shoes (after the miss)")
    alex.get_by_role("button", name="I feel heard").click()
    expect(blair.get_by_role("textbox", name="Name a moment")).to_be_visible()
    expect(alex.locator("#shoes-wait")).to_have_text("Blair is choosing a moment to name.")

    # They stop here. With two earlier weeks of the exercise, Blair's insights show how close
    # the guesses came as a trend, in a chart and in words.
    alex.get_by_role("button", name="End exercise").click()
    alex.get_by_role("dialog", name="End the exercise now?").get_by_role(
        "button", name="End exercise").click()
    expect(blair.get_by_role("heading", name="This exercise has ended")).to_be_visible()
    _earlier_weeks(live_server.app, scores=(4, 5))
    blair.goto("/insights")
    numbers = blair.locator('[data-metric="accuracy"]')
    expect(numbers).to_have_text("How close your guesses came (Step into my shoes)5/10")
    chart = blair.get_by_role("region", name="How close each of your guesses came")
    expect(chart.get_by_role("img", name=re.compile("How close each of your guesses came"))
           ).to_be_visible()
    expect(chart.locator(".chart-summary")).to_have_text(re.compile(
        r"^You: from 4/10 in the week of \d+ \w+ to 6/10 in the week of \d+ \w+, over 3 weeks "
        r"with exercises\. Alex: "))
    chart.scroll_into_view_if_needed()
    screenshot(blair, "insights-accuracy")
    assert_accessible_both_schemes(blair, "insights with the accuracy trend")
    assert problems == []


def _earlier_weeks(app, *, scores: tuple[int, int]) -> None:
    """Two finished Step-into-my-shoes exercises one and two weeks back, through the service:
    Alex marks Blair's guesses ``scores`` (oldest first), Blair marks Alex's 7."""
    with app.app_context():
        alex, blair = (db.session.scalar(sa.select(User).where(User.display_name == n))
                       for n in ("Alex", "Blair"))
        with app.test_request_context():
            for weeks_back, score in zip((2, 1), scores, strict=True):
                made = exercises.propose(alex, {"kind": "step_into_my_shoes",
                                                "first_speaker": "me"})
                steps = [(blair, "accept", {})]
                for speaker, listener, mark in ((alex, blair, score), (blair, alex, 7)):
                    steps += [(speaker, "name_moment", {"text": "The call from the school"}),
                              (listener, "guess", {"felt": "worried", "needed": "company"}),
                              (speaker, "say", {"text": "I was scared."}),
                              (speaker, "reveal", {}), (speaker, "mark_accuracy",
                                                        {"score": mark}),
                              (listener, "say", {"text": "It sounds like you felt afraid."}),
                              (speaker, "end_turn", {})]
                steps.append((alex, "end_early", {}))
                for i, (user, type_, payload) in enumerate(steps):
                    ack = exercises.act(user, exercise_id=made.id, client_id=f"weeks-{weeks_back}-{i:04d}",
                                        type_=type_, payload=payload)
                    assert ack["ok"], ack
                when = made.created_at - timedelta(weeks=weeks_back)
                db.session.execute(sa.update(Exercise).where(Exercise.id == made.id).values(
                    created_at=when, started_at=when))
                db.session.commit()
        db.session.remove()
