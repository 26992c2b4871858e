"""Both partners teach the guard on their phones (390 px): the speaker's one-tap "that felt like
fixing", read kindly by the listener, and the listener's "this was a reflection" after a hold."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.helpers import screenshot
from tests.browser.test_exercise_flow import _log, _say, _start_exercise

pytestmark = pytest.mark.browser


def test_the_speaker_marks_a_message_in_one_tap_and_the_listener_reads_it_kindly(
        phone, live_server) -> None:
    jo = phone("light").new_page()
    kit = phone("dark").new_page()
    _start_exercise(live_server, jo, kit, ("Jo", "Kit"))
    _say(jo, "I felt alone when you stayed late at work again.")
    expect(_log(kit).get_by_text("I felt alone when you stayed late at work again.")).to_be_visible()
    reflection = "So when I stayed late, you felt alone."
    _say(kit, reflection)

    # Jo sees the one-tap choices under Kit's message, each a finger-sized button.
    choices = jo.get_by_role("group", name="Didn't feel like listening? It felt…")
    expect(choices).to_be_visible()
    fixing = choices.get_by_role("button", name="Felt like fixing")
    expect(fixing).to_be_visible()
    for button in choices.get_by_role("button").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    expect(kit.get_by_role("group", name="Didn't feel like listening? It felt…")).to_have_count(0)
    screenshot(jo, "exercise-speaker-slip-mark")
    assert_accessible(jo, "exercise (speaker, slip mark choices)")

    fixing.click()
    # Kit reads it kindly, with something to try; the turn goes on (Jo can still confirm).
    expect(_log(kit).get_by_text("Jo let you know your message felt a bit like fixing to them."
                                 )).to_be_visible()
    expect(_log(jo).get_by_text("You marked Kit's message: it felt a bit like fixing."
                                )).to_be_visible()
    expect(choices).to_have_count(0)  # once, and gone
    expect(jo.get_by_role("button", name="That's it")).to_be_visible()
    kit.locator("#ex-logbox").scroll_into_view_if_needed()
    screenshot(kit, "exercise-listener-slip-note")
    assert_accessible(kit, "exercise (listener, slip note)")
    # Kit's next message may be marked in its turn; the marked one never again.
    _say(kit, "It sounds like the evenings feel empty.")
    latest = jo.locator("li", has_text="It sounds like the evenings feel empty.")
    expect(latest.get_by_role("group", name="Didn't feel like listening? It felt…")).to_be_visible()
    expect(choices).to_have_count(1)


def test_the_listener_says_a_held_message_was_a_reflection(phone, live_server) -> None:
    lee = phone("light").new_page()
    max_ = phone("light").new_page()
    _start_exercise(live_server, lee, max_, ("Lee", "Max"))
    _say(lee, "My sister hasn't called since the wedding.")
    expect(_log(max_).get_by_text("My sister hasn't called since the wedding.")).to_be_visible()
    advice = "You should just call her yourself."
    _say(max_, advice)
    claim = max_.get_by_role("button", name="This was a reflection")
    expect(claim).to_be_visible()
    claim.click()
    expect(max_.locator("#ex-guard-claimed")).to_contain_text("It still wasn't sent")
    expect(claim).to_be_hidden()
    expect(_log(max_).get_by_text("You said this was a reflection.")).to_be_visible()
    expect(_log(lee).get_by_text(advice)).to_have_count(0)
    expect(_log(lee).get_by_text("You said this was a reflection.")).to_have_count(0)
    assert_accessible(max_, "exercise (listener, after saying it was a reflection)")
