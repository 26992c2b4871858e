"""Two phones run Speaker–Listener live: proposal, a held advice attempt, a break, ratings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, assert_accessible_both_schemes
from tests.browser.helpers import (
    collect_problems,
    screenshot,
    sign_up_and_pair,
    wait_for_socket,
)

pytestmark = pytest.mark.browser

ADVICE = "You should just talk to your boss."


def _floor(page: Page):
    return page.locator("#ex-floor-title")


def _say(page: Page, text: str) -> None:
    page.get_by_role("textbox", name=re.compile(r"Share a small piece|Say back what you heard")).fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


def _log(page: Page):
    return page.get_by_role("log")


def _rate(page: Page, seen: int, understood: int) -> None:
    """Pick the two numbers of the rating (nothing is picked beforehand)."""
    for question, value in (("I felt heard, understood and respected", seen),
                            ("How well I think I understood my partner", understood)):
        page.get_by_role("group", name=question).get_by_label(str(value), exact=True).check()


def test_speaker_listener_from_proposal_to_revealed_ratings(phone, live_server) -> None:
    alex = phone("light").new_page()
    blair = phone("dark").new_page()
    problems = collect_problems(alex, blair)
    sign_up_and_pair(live_server.app, alex, blair, ("Alex", "Blair"))

    # Alex proposes Speaker–Listener and speaks first.
    alex.goto("/exercises")
    assert_accessible_both_schemes(alex, "exercise picker")
    alex.get_by_label("Topic").fill("Work lately")
    alex.get_by_role("button", name="Ask Blair: is now OK?").click()
    expect(alex).to_have_url(re.compile(r"/exercises/\d+$"))
    expect(alex.get_by_role("heading", name="Waiting for Blair")).to_be_visible()
    wait_for_socket(alex)

    # Blair opens it from the exercises page and accepts.
    blair.goto("/exercises")
    blair.get_by_role("link", name="Open the exercise").click()
    expect(blair.get_by_role("heading", name="Alex asks: is now OK?")).to_be_visible()
    wait_for_socket(blair)
    assert_accessible_both_schemes(blair, "exercise (proposed, invited)")
    blair.get_by_role("button", name="Accept now").click()

    expect(_floor(alex)).to_have_text("You have the floor")
    expect(_floor(blair)).to_have_text("Alex has the floor — listen, reflect, ask")
    expect(alex.locator("#ex-floor")).to_have_attribute("data-role", "speaker")
    expect(blair.locator("#ex-floor")).to_have_attribute("data-role", "listener")
    expect(alex.locator("#ex-presence")).to_have_attribute("data-online", "yes")

    # Alex shares a small piece; Blair sees it on the left.
    _say(alex, "I've been feeling really drained by work lately.")
    expect(_log(blair).get_by_text("I've been feeling really drained by work lately.")).to_be_visible()
    expect(alex.get_by_role("textbox", name="Share a small piece…")).to_have_value("")

    # Blair's advice is held: the note is private, the words stay in the textarea.
    _say(blair, ADVICE)
    guard = blair.locator("#ex-guard")
    expect(guard).to_be_visible()
    expect(guard).to_contain_text("Held back")
    expect(guard.get_by_role("button", name="Use this")).to_be_visible()
    expect(blair.get_by_role("textbox", name=re.compile("Say back"))).to_have_value(ADVICE)
    screenshot(blair, "exercise-listener-guard")
    # The suggestion names what Alex feels, in a whole sentence, not Alex's facts again.
    suggestion = blair.locator("#ex-guard-suggestion")
    expect(suggestion).to_contain_text("drained")
    expect(suggestion).not_to_contain_text("\u2026")

    # The question chip leaves the cursor inside the question, where Blair types.
    box = blair.get_by_role("textbox", name=re.compile("Say back"))
    box.fill("")
    blair.get_by_role("button", name="What was it like for you when\u2026?").click()
    box.press_sequentially("work got this heavy")
    expect(box).to_have_value("What was it like for you when work got this heavy?")

    # A reflection gets through instead (a starter chip, then her own words).
    box.fill("")
    blair.get_by_role("button", name="It sounds like you felt…").click()
    expect(box).to_have_value("It sounds like you felt ")
    box.press_sequentially("worn out, like work takes everything you have.")
    blair.get_by_role("button", name="Send", exact=True).click()
    expect(guard).to_be_hidden()
    expect(box).to_have_value("")
    reflection = "It sounds like you felt worn out, like work takes everything you have."
    expect(_log(alex).get_by_text(reflection)).to_be_visible()
    # The later message has arrived, so the held one would have too: it never did.
    expect(alex.get_by_text(ADVICE)).to_have_count(0)
    assert "talk to your boss" not in alex.content()

    confirm = alex.get_by_role("group", name="Did Blair's reflection land?")
    expect(confirm.get_by_role("button", name="That's it")).to_be_visible()
    screenshot(alex, "exercise-speaker")
    assert_accessible_both_schemes(alex, "exercise (active, speaker, confirm pending)")
    assert_accessible(blair, "exercise (active, listener)")
    confirm.get_by_role("button", name="That's it").click()
    expect(_log(blair).get_by_text("Alex: “That's it”")).to_be_visible()

    # A break: Blair calls it; both say they're ready; it resumes where it was.
    blair.get_by_role("button", name="Break").click()
    dialog = blair.get_by_role("dialog", name="Take a break")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Minutes")).to_have_value("20")
    dialog.get_by_role("button", name="Take the break").click()
    for page in (alex, blair):
        expect(page.get_by_role("heading", name="Taking a break")).to_be_visible()
        expect(page.locator("#break-timer")).to_have_text(re.compile(r"^(20:00|19:5\d) left$"))
    expect(alex.locator("#break-by")).to_have_text("Blair called a 20-minute break.")
    alex.get_by_role("button", name="I'm ready").click()
    expect(blair.locator("#ready-partner")).to_have_text("Alex: ready")
    expect(alex.get_by_role("button", name="Ready: waiting for Blair")).to_be_disabled()
    screenshot(alex, "exercise-break")
    assert_accessible(alex, "exercise (on a break)")
    blair.get_by_role("button", name="I'm ready").click()
    expect(_floor(alex)).to_have_text("You have the floor")
    expect(_floor(blair)).to_have_text("Alex has the floor — listen, reflect, ask")

    # Alex feels heard: the roles swap.
    alex.get_by_role("button", name="I feel heard").click()
    expect(_floor(blair)).to_have_text("You have the floor")
    expect(_floor(alex)).to_have_text("Blair has the floor — listen, reflect, ask")
    _say(blair, "I miss the evenings we used to spend together.")
    expect(_log(alex).get_by_text("I miss the evenings we used to spend together.")).to_be_visible()
    _say(alex, "So what I'm hearing is you miss our evenings together.")
    expect(_log(blair).get_by_text("So what I'm hearing is you miss our evenings together.")).to_be_visible()
    blair.get_by_role("group", name="Did Alex's reflection land?").get_by_role(
        "button", name="That's it").click()
    blair.get_by_role("button", name="I feel heard").click()

    # Rating: sealed until both have rated, then revealed side by side.
    for page in (alex, blair):
        expect(page.get_by_role("heading", name="How did it go?")).to_be_visible()
    assert_accessible(alex, "exercise (rating)")
    _rate(alex, 8, 7)
    alex.get_by_label(re.compile("A private note")).fill("Felt calmer than I expected.")
    alex.get_by_role("button", name="Submit my rating").click()
    expect(alex.get_by_text("Sealed until Blair rates")).to_be_visible()
    _rate(blair, 9, 6)
    blair.get_by_role("button", name="Submit my rating").click()

    for page in (alex, blair):
        expect(page.get_by_role("heading", name="You both rated: here's how it felt")).to_be_visible()
    expect(alex.locator("#reveal-me .ex-score[data-k=seen]")).to_have_text("8")
    expect(alex.locator("#reveal-me .ex-score[data-k=understood]")).to_have_text("7")
    expect(alex.locator("#reveal-partner .ex-score[data-k=seen]")).to_have_text("9")
    expect(alex.locator("#reveal-partner .ex-score[data-k=understood]")).to_have_text("6")
    expect(blair.locator("#reveal-partner .ex-score[data-k=seen]")).to_have_text("8")
    expect(blair.locator("#reveal-me .ex-score[data-k=seen]")).to_have_text("9")
    assert "Felt calmer" not in blair.content()
    screenshot(alex, "exercise-ratings")
    assert_accessible_both_schemes(alex, "exercise (complete)")

    # The shared history: the list, and the transcript as each may see it.
    alex.goto("/history")
    assert_accessible_both_schemes(alex, "history")
    alex.get_by_role("link", name=re.compile("Speaker–Listener")).first.click()
    expect(alex.get_by_role("list", name="Transcript")).to_be_visible()
    tabs = alex.get_by_role("navigation", name="Main")
    expect(tabs.get_by_role("link", name="History")).to_have_attribute("aria-current", "page")
    expect(tabs.get_by_role("link", name="Exercises")).not_to_have_attribute("aria-current", "page")
    assert_accessible_both_schemes(alex, "transcript")
    assert "You should just talk to your boss." not in alex.content()
    # The live screen has no tab bar; once it is over, a clear way back home.
    expect(blair.locator("nav.tabbar")).to_have_count(0)
    blair.get_by_role("link", name="Back home").click()
    expect(blair.get_by_role("heading", level=1)).to_have_text("Hi, Blair")
    expect(blair.locator("nav.tabbar")).to_be_visible()
    assert problems == []  # no script errors, no CSP violations


def _start_exercise(live_server, first: Page, second: Page, names: tuple[str, str]) -> None:
    """Sign both up, pair them, and have ``first`` propose and ``second`` accept."""
    sign_up_and_pair(live_server.app, first, second, names)
    first.goto("/exercises")
    first.get_by_role("button", name=f"Ask {names[1]}: is now OK?").click()
    expect(first.get_by_role("heading", name=f"Waiting for {names[1]}")).to_be_visible()
    second.goto("/exercises")
    second.get_by_role("link", name="Open the exercise").click()
    second.get_by_role("button", name="Accept now").click()
    expect(_floor(first)).to_have_text("You have the floor")
    expect(_floor(second)).to_have_text(f"{names[0]} has the floor — listen, reflect, ask")


def test_drafts_outbox_and_replay_survive_reloads(phone, live_server) -> None:
    casey = phone("light").new_page()
    dana = phone("light").new_page()
    _start_exercise(live_server, casey, dana, ("Casey", "Dana"))
    box = casey.get_by_role("textbox", name="Share a small piece…")

    # A draft survives a reload.
    box.fill("Something I am still finding words for")
    casey.reload()
    expect(box).to_have_value("Something I am still finding words for")

    # An action stored in the outbox but never acknowledged (a crash, a lost connection) is
    # sent on the next load with its client_id; sending that id again applies nothing twice.
    key = casey.evaluate("""() => {
        const d = document.getElementById('exercise').dataset;
        return `attune:ex:${d.exerciseId}:u${d.me}:outbox`; }""")
    item = [{"client_id": "outbox-test-0001", "type": "say",
             "payload": {"text": "Sent from the outbox."}, "at": 0}]
    for _ in range(2):
        casey.evaluate("([k, v]) => localStorage.setItem(k, JSON.stringify(v))", [key, item])
        casey.reload()
        wait_for_socket(casey)
        expect(_log(dana).get_by_text("Sent from the outbox.")).to_have_count(1)
        expect(_log(casey).get_by_text("Sent from the outbox.")).to_have_count(1)
        casey.wait_for_function("(k) => localStorage.getItem(k) === '[]'", arg=key)

    # Dana leaves; what happened meanwhile is replayed after her last seq, without duplicates.
    dana.goto("/history")
    _say(casey, "While you were away.")
    expect(_log(casey).get_by_text("While you were away.")).to_be_visible()
    dana.go_back()
    expect(_log(dana).get_by_text("While you were away.")).to_have_count(1)
    expect(_log(dana).get_by_text("Sent from the outbox.")).to_have_count(1)
    expect(_log(dana).locator("li")).to_have_count(_log(casey).locator("li").count())

    # A nudge in gentle mode: held, but the listener may send it anyway (a new client_id).
    _say(dana, "Are you tired?")
    expect(dana.locator("#ex-guard")).to_be_visible()
    dana.get_by_role("button", name="Send anyway").click()
    expect(_log(casey).get_by_text("Are you tired?")).to_be_visible()
    expect(dana.locator("#ex-guard")).to_be_hidden()

    # Ending early asks first, then both see a calm ending with a way to the history.
    casey.get_by_role("button", name="End exercise").click()
    ask = casey.get_by_role("dialog", name="End the exercise now?")
    ask.get_by_role("button", name="Keep going").click()
    expect(ask).to_be_hidden()
    expect(_floor(casey)).to_have_text("You have the floor")
    casey.get_by_role("button", name="End exercise").click()
    ask.get_by_role("button", name="End exercise").click()
    for page in (casey, dana):
        expect(page.get_by_role("heading", name="This exercise has ended")).to_be_visible()
        expect(page.get_by_role("link", name="Go to your history")).to_be_visible()
    expect(dana.locator("#ended-text")).to_contain_text("Casey ended the exercise early")

    # A new proposal, picked for later, then started from the scheduled screen.
    dana.goto("/exercises")
    dana.get_by_role("button", name="Ask Casey: is now OK?").click()
    casey.goto("/exercises")
    casey.get_by_role("link", name="Open the exercise").click()
    casey.get_by_text("Pick a later time").click()
    later = casey.evaluate("""() => {
        const d = new Date(Date.now() + 2 * 3600 * 1000);
        return new Date(d - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); }""")
    casey.get_by_label("When suits you?").fill(later)
    casey.get_by_role("button", name="Suggest this time").click()
    for page in (casey, dana):
        expect(page.get_by_role("heading", name="Planned")).to_be_visible()
        expect(page.locator("#scheduled-when")).to_contain_text("You'll start")
    assert_accessible(dana, "exercise (scheduled)")
    for page in (casey, dana):  # planned: start or cancel; ending belongs to the conversation
        expect(page.get_by_role("button", name="End exercise")).to_be_hidden()
    expect(dana.get_by_role("button", name="Cancel")).to_be_visible()
    dana.get_by_role("button", name="Start now").click()
    expect(_floor(dana)).to_have_text("You have the floor")
    expect(_floor(casey)).to_have_text("Dana has the floor — listen, reflect, ask")
