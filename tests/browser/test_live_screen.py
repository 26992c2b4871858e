"""The live screen on a real phone: never stuck, what the listener sees, nothing left behind."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from app.services import exercises
from tests.browser.test_exercise_flow import _log, _start_exercise

pytestmark = pytest.mark.browser


def test_a_server_error_ends_in_try_again_with_the_text_kept(
        phone, live_server, monkeypatch: pytest.MonkeyPatch) -> None:
    erin = phone("light").new_page()
    finn = phone("dark").new_page()
    _start_exercise(live_server, erin, finn, ("Erin", "Finn"))
    calls: list[Any] = []

    def broken(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("client_id"))
        raise RuntimeError("injected for the test")

    real_act = exercises.act
    monkeypatch.setattr(exercises, "act", broken)
    words = "The part that stings most is feeling invisible."
    box = erin.get_by_role("textbox", name="Share a small piece…")
    box.fill(words)
    erin.get_by_role("button", name="Send", exact=True).click()

    retry = erin.get_by_role("button", name="Try again")
    expect(retry).to_be_visible(timeout=15_000)
    expect(erin.locator("#ex-errors")).to_contain_text("What you wrote is kept")
    expect(box).to_have_value(words)
    assert len(calls) == 3 and len(set(calls)) == 1  # a few tries of the same action, then stop
    erin.wait_for_timeout(2500)
    assert len(calls) == 3  # and it really stopped

    monkeypatch.setattr(exercises, "act", real_act)
    retry.click()
    expect(_log(finn).get_by_text(words)).to_have_count(1)
    expect(box).to_have_value("")
    expect(retry).to_be_hidden()
    expect(erin.get_by_role("button", name="Send", exact=True)).to_be_enabled()
    expect(erin.locator("#ex-errors")).to_have_text("")
