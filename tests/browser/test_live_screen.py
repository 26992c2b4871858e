"""The live screen on a real phone: never stuck, what the listener sees, nothing left behind."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.domain.exercises.catalog import STRICTNESS_LABELS
from app.extensions import db
from app.models import User
from app.services import exercises, presence
from app.services.pairing import create_invite
from tests.browser.axe import assert_accessible, assert_accessible_both_schemes
from tests.browser.helpers import (
    screenshot,
    sign_up_and_pair,
    sign_up_with_password,
    unique_email,
)
from tests.browser.test_exercise_flow import _floor, _log, _start_exercise

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


KEYBOARD_OPEN = {"width": 390, "height": 500}  # a 390 px phone with its keyboard up


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not on screen"
    return box


def _say(page: Page, text: str) -> None:
    page.get_by_role("textbox", name=re.compile(r"Share a small piece|Say back what you heard")
                     ).fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


def _in_view(page: Page, selector: str) -> dict[str, float]:
    """The element's box, asserted wholly on screen: below the sticky top bar and the floor
    banner (while the banner is stuck there) and above the keyboard."""
    box = _box(page, selector)
    top = _box(page, ".topbar")
    covered = top["y"] + top["height"]
    banner = _box(page, "#ex-floor")
    if banner["y"] >= covered - 1:  # stuck under the top bar, not scrolled away
        covered = banner["y"] + banner["height"]
    assert box["y"] >= covered - 1, (selector, box, covered)
    assert box["y"] + box["height"] <= page.viewport_size["height"] + 1, (selector, box)
    return box


def _ax_nodes(page: Page) -> list[dict[str, Any]]:
    """Chromium's accessibility tree, as a screen reader reads it (no screen reader here)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Accessibility.enable")
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    cdp.detach()
    for n in nodes:
        n["props"] = {p["name"]: p["value"].get("value") for p in n.get("properties", [])}
        n["role_"] = n.get("role", {}).get("value")
        n["name_"] = n.get("name", {}).get("value", "")
        n["description_"] = n.get("description", {}).get("value", "")
    return nodes


def test_the_listener_sees_what_they_reflect_with_the_keyboard_open(phone, live_server) -> None:
    gale = phone("light").new_page()
    hari = phone("dark").new_page()
    _start_exercise(live_server, gale, hari, ("Gale", "Hari"))
    hari.set_viewport_size(KEYBOARD_OPEN)
    pinned = hari.get_by_role("group", name="Gale said")
    expect(hari.locator("#ex-pinned")).to_be_hidden()  # nothing shared yet

    first = "I get home and the whole evening is already planned for me."
    latest = ("And then when I say I'm tired it feels like that is a problem too, "
              "like I should not be tired at all.")
    _say(gale, first)
    _say(gale, latest)
    text = hari.locator("#ex-pinned-text")
    expect(text).to_have_text(latest)
    expect(pinned).to_have_count(1)

    # What a screen reader gets: the conversation log announces the words as they arrive
    # (politely), the pinned copy is no second live region, and the words describe the
    # textarea, so they are read again on the way into typing.
    nodes = _ax_nodes(hari)
    live = [n for n in nodes if n["props"].get("live") in ("polite", "assertive")
            and n["role_"] not in ("StaticText", "InlineTextBox", "generic", "listitem")]
    assert {(n["role_"], n["name_"], n["props"]["live"]) for n in live} == {
        ("log", "Conversation", "polite"), ("status", "", "polite")}, live  # log; errors
    box = hari.get_by_role("textbox", name="Say back what you heard, or ask Gale")
    textbox = next(n for n in nodes if n["role_"] == "textbox")
    assert textbox["name_"] == "Say back what you heard, or ask Gale"
    assert textbox["description_"].startswith(f"Gale said {latest}"), textbox["description_"]

    # Typing with the keyboard up: the latest words stay between the banner and the textarea.
    box.click()
    box.press_sequentially("It sounds like even resting feels")
    box.press("End")
    hari.wait_for_timeout(300)  # let the browser finish scrolling the caret into view
    words, area = _in_view(hari, "#ex-pinned-text"), _in_view(hari, "#f-text")
    assert words["y"] + words["height"] <= area["y"], (words, area)
    assert words["height"] > 20
    screenshot(hari, "exercise-listener-keyboard", keep_focus=True)

    # The guard holds a message back: its card shows under the textarea, and the words being
    # reflected stay in view above both, as the message goes and as it is rewritten.
    box.fill("You should just quit that job.")
    hari.get_by_role("button", name="Send", exact=True).click()
    guard = hari.locator("#ex-guard")
    expect(guard).to_be_visible()
    expect(box).to_have_value("You should just quit that job.")
    hari.wait_for_timeout(300)
    _in_view(hari, "#ex-pinned-text")
    _in_view(hari, ".ex-guard-title")
    box.click()
    box.press("End")
    box.press_sequentially(" Or maybe not.")
    hari.wait_for_timeout(300)
    words, area = _in_view(hari, "#ex-pinned-text"), _in_view(hari, "#f-text")
    card = _in_view(hari, "#ex-guard")  # the whole card, its reason and suggestion inside
    assert words["y"] + words["height"] <= area["y"] <= card["y"], (words, area, card)
    expect(hari.locator("#ex-guard-reason")).to_be_in_viewport()
    screenshot(hari, "exercise-listener-keyboard-held", keep_focus=True)
    assert_accessible(hari, "exercise (listener, held message, keyboard height)")

    # Folded away on request, and back.
    hari.locator("#ex-pinned summary").click()
    expect(text).to_be_hidden()
    hari.locator("#ex-pinned summary").click()
    expect(text).to_be_visible()

    # After the swap the new listener sees the new speaker's words, not the old ones.
    gale.get_by_role("button", name="I feel heard").click()
    expect(hari.locator("#ex-pinned")).to_be_hidden()
    _say(hari, "What I keep coming back to is that we never stop.")
    expect(gale.locator("#ex-pinned-text")).to_have_text(
        "What I keep coming back to is that we never stop.")
    expect(hari.locator("#ex-pinned")).to_be_hidden()  # the speaker does not need it
    speaker_box = next(n for n in _ax_nodes(hari) if n["role_"] == "textbox")
    assert "said" not in speaker_box["description_"]  # nothing stale describes their textarea
    assert_accessible(hari, "exercise (speaker, keyboard height)")
    assert_accessible(gale, "exercise (listener, pinned message)")


def test_the_rating_cannot_be_sent_untouched(phone, live_server) -> None:
    iris = phone("light").new_page()
    jude = phone("light").new_page()
    _start_exercise(live_server, iris, jude, ("Iris", "Jude"))
    for page in (iris, jude):
        page.set_viewport_size(KEYBOARD_OPEN)
    _say(iris, "Something small.")
    iris.get_by_role("button", name="I feel heard").click()
    expect(_floor(jude)).to_have_text("You have the floor")
    _say(jude, "Something small too.")
    jude.get_by_role("button", name="I feel heard").click()
    expect(iris.get_by_role("heading", name="How did it go?")).to_be_visible()

    heard = iris.get_by_role("group", name="I felt heard, understood and respected")
    understood = iris.get_by_role("group", name="How well I think I understood my partner")
    for group in (heard, understood):
        expect(group.get_by_role("radio")).to_have_count(11)
        for radio in group.get_by_role("radio").all():
            expect(radio).not_to_be_checked()

    submit = iris.get_by_role("button", name="Submit my rating")
    submit.click()
    expect(iris.get_by_role("alert")).to_have_text("Pick a number for both questions first.")
    expect(iris.get_by_role("alert")).to_be_in_viewport()
    expect(heard).to_have_attribute("aria-invalid", "true")
    heard.get_by_label("7", exact=True).check()
    submit.click()
    expect(iris.get_by_role("alert")).to_have_text("Pick a number for this one too.")
    expect(understood.get_by_label("0", exact=True)).to_be_focused()
    expect(understood.get_by_label("0", exact=True)).to_be_in_viewport()
    iris.wait_for_timeout(500)
    expect(iris.get_by_text("Sealed until Jude rates")).to_be_hidden()  # nothing was sent
    understood.get_by_label("4", exact=True).check()
    submit.click()
    expect(iris.get_by_text("Sealed until Jude rates")).to_be_visible()
    expect(iris.locator("#rating-mine")).to_have_text("You said: felt seen 7/10, understood 4/10.")


def test_the_proposal_says_who_starts_the_guard_and_how_long(phone, live_server) -> None:
    kai = phone("light").new_page()
    lee = phone("dark").new_page()
    sign_up_and_pair(live_server.app, kai, lee, ("Kai", "Lee"))
    kai.goto("/exercises")
    kai.get_by_label("Share a joy").check()
    kai.get_by_role("group", name="Who speaks first?").get_by_label("Lee").check()
    kai.get_by_label(STRICTNESS_LABELS["strict"]).check()
    kai.get_by_role("button", name="Ask Lee: is now OK?").click()
    expect(kai.get_by_role("heading", name="Waiting for Lee")).to_be_visible()
    expect(kai.locator("#proposed-mine dd").first).to_have_text("Lee")

    lee.goto("/exercises")
    lee.get_by_role("link", name="Open the exercise").click()
    card = lee.locator("#proposed-invited")
    expect(card.get_by_role("heading", name="Kai asks: is now OK?")).to_be_visible()
    facts = {dt.inner_text(): dd for dt, dd in zip(card.locator("dt").all(),
                                                   card.locator("dd").all(), strict=True)}
    expect(facts["Speaks first"]).to_have_text("You")
    expect(facts["Listening guard"]).to_have_text(STRICTNESS_LABELS["strict"])
    expect(facts["How long"]).to_contain_text("About 10 minutes")  # Share a joy: 5 each
    screenshot(lee, "exercise-proposed")
    # On a 390×500 screen the question and its three facts are in view together.
    lee.set_viewport_size(KEYBOARD_OPEN)
    card.get_by_role("heading", name="Kai asks: is now OK?").scroll_into_view_if_needed()
    for fact in facts.values():
        expect(fact).to_be_in_viewport()
    assert_accessible_both_schemes(lee, "exercise (proposed, with what it involves)")


def test_the_invite_page_says_what_attune_is_and_who_reads_messages(phone, live_server
                                                                    ) -> None:
    page = phone("light").new_page()
    email = unique_email("mo")
    page.goto("/signup")
    sign_up_with_password(page, "Mo", email)
    with live_server.app.app_context():
        inviter = db.session.scalar(sa.select(User).where(User.email == email))
        token = create_invite(inviter).token
        db.session.remove()
    guest = phone("dark").new_page()
    guest.goto(f"/i/{token}")
    expect(guest.get_by_role("heading", name="Mo invited you")).to_be_visible()
    about = guest.locator("#invite-about p")
    expect(about).to_have_count(2)
    expect(about.nth(0)).to_contain_text("Attune helps couples listen to each other")
    expect(about.nth(1)).to_contain_text("Only you and your partner read your messages")
    assert_accessible_both_schemes(guest, "invite landing")


def test_presence_lapses_when_the_heartbeat_stops_and_offline_waits_to_send(
        phone, live_server, monkeypatch: pytest.MonkeyPatch) -> None:
    # A short heartbeat so the lapse is quick to see: every 1 s, away after 3 missed beats.
    monkeypatch.setitem(live_server.app.config, "PRESENCE_HEARTBEAT_SECONDS", 1)
    nell_ctx = phone("light")
    nell, omar = nell_ctx.new_page(), phone("dark").new_page()
    _start_exercise(live_server, nell, omar, ("Nell", "Omar"))
    here = nell.locator("#ex-presence")
    expect(here).to_have_attribute("data-online", "yes")
    expect(here).to_have_text("Omar is here")
    omar_id = int(nell.locator("#exercise").get_attribute("data-partner-id") or 0)

    # Omar's heartbeats stop reaching the server, though his socket stays open.
    real_heartbeat = presence.heartbeat

    def lost(**kwargs: Any) -> None:
        if kwargs.get("user_id") == omar_id:
            raise ConnectionError("lost on the way")
        real_heartbeat(**kwargs)

    monkeypatch.setattr(presence, "heartbeat", lost)
    started = time.monotonic()
    away_after = 3  # PRESENCE_HEARTBEAT_SECONDS × 3 missed beats
    expect(here).to_have_attribute("data-online", "no", timeout=(away_after + 3) * 1000)
    elapsed = time.monotonic() - started
    print(f"presence: shown away {elapsed:.1f} s after the heartbeats stopped "
          f"(heartbeat 1 s, away_after {away_after} s)")
    expect(here).to_have_text("Omar is away")
    # At most away_after after his last beat, which came at most one beat before the cut.
    assert elapsed <= away_after + 1 + 2.5, elapsed  # a beat, and slack for a busy machine
    monkeypatch.setattr(presence, "heartbeat", real_heartbeat)
    expect(here).to_have_attribute("data-online", "yes", timeout=4000)

    # Nell's phone goes offline: what she sends waits, and says so, until she is back.
    nell_ctx.set_offline(True)
    expect(nell.locator("#conn-state")).to_have_attribute("data-state", "offline")
    _say(nell, "Written on the train with no signal.")
    send = nell.get_by_role("button", name="Waiting to send…")
    expect(send).to_be_visible()
    expect(here).not_to_have_attribute("data-online", "yes")  # she cannot know while offline
    nell_ctx.set_offline(False)
    expect(_log(omar).get_by_text("Written on the train with no signal.")).to_have_count(1)
    expect(nell.get_by_role("button", name="Send", exact=True)).to_be_visible()


def test_the_connection_pill_stays_in_view_when_the_page_scrolls(phone, live_server) -> None:
    pia = phone("light").new_page()
    quin = phone("light").new_page()
    _start_exercise(live_server, pia, quin, ("Pia", "Quin"))
    for n in range(6):
        _say(pia, f"Piece {n} of a longer story that fills the screen.")
    expect(_log(quin).get_by_text("Piece 5 of a longer story")).to_be_visible()
    for page in (pia, quin):
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_timeout(200)
        assert page.evaluate("() => window.scrollY") > 100
        pill = page.locator("#conn-state")
        expect(pill).to_have_text("Connected")
        expect(pill).to_be_in_viewport(ratio=1)
        expect(page.locator("#ex-floor-title")).to_be_in_viewport(ratio=1)
        # The safety link is always there too, quietly, and opens the resources.
        expect(page.get_by_role("link", name="Need help now?")).to_be_in_viewport(ratio=1)
    pia.get_by_role("link", name="Need help now?").click()
    expect(pia.get_by_role("heading", level=1)).to_have_text("Need help now?")
    expect(pia.get_by_text("local emergency number")).to_be_visible()
    expect(pia.get_by_text("Either of you can end an exercise at any time")).to_be_visible()
    assert_accessible_both_schemes(pia, "need help now")
    pia.go_back()
    expect(_floor(pia)).to_have_text("You have the floor")


def _stored(page: Page) -> str:
    """Everything this browser keeps for the site, as one string."""
    return page.evaluate("""async () => JSON.stringify({
        local: Object.entries(localStorage), session: Object.entries(sessionStorage),
        caches: 'caches' in self ? await caches.keys() : [] })""")


def _leave_text_behind(live_server, shared: Page, partner: Page, names: tuple[str, str],
                       secret: str) -> None:
    """Start an exercise on the shared phone and leave a sent message and a draft there."""
    _start_exercise(live_server, shared, partner, names)
    _say(shared, f"{secret} said out loud")
    expect(_log(partner).get_by_text(f"{secret} said out loud")).to_be_visible()
    shared.get_by_role("textbox", name="Share a small piece…").fill(f"{secret} still a draft")
    shared.wait_for_function("(s) => JSON.stringify(localStorage).includes(s + ' still a draft')",
                             arg=secret)
    assert f"{secret} said out loud" in _stored(shared)


@pytest.mark.parametrize("how", ["Sign out", "Sign out of all devices"])
def test_after_signing_out_the_next_person_on_the_phone_finds_nothing(
        phone, live_server, how: str) -> None:
    shared_phone = phone("light")
    page = shared_phone.new_page()
    partner = phone("dark").new_page()
    secret = f"RAE-{how.split()[-1].upper()}-PRIVATE"
    _leave_text_behind(live_server, page, partner, ("Rae", "Sol"), secret)

    page.goto("/settings")
    expect(page.get_by_role("link", name="Need help now?")).to_have_attribute("href", "/help")
    with page.expect_response(lambda r: r.request.method == "POST" and "/logout" in r.url) as out:
        page.get_by_role("button", name=how, exact=True).click()
    assert out.value.all_headers().get("clear-site-data") == '"cache", "storage"'
    expect(page).to_have_url(re.compile(r"/login"))

    page.goto("/signup")
    sign_up_with_password(page, "Tess", unique_email("tess"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Tess")
    assert secret not in _stored(page)
    assert secret not in page.content()


def test_another_users_text_is_gone_as_soon_as_someone_else_signs_in(phone, live_server
                                                                    ) -> None:
    shared_phone = phone("light")
    page = shared_phone.new_page()
    partner = phone("light").new_page()
    secret = "UMA-NEVER-SIGNED-OUT"
    _leave_text_behind(live_server, page, partner, ("Uma", "Vic"), secret)
    shared_phone.clear_cookies()  # her session simply ended (expired, or the cookie was lost)

    page.goto("/signup")
    sign_up_with_password(page, "Wren", unique_email("wren"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Wren")
    page.wait_for_load_state("load")  # the page's scripts have run (the heading shows before)
    assert secret not in _stored(page)


def test_the_listener_waits_for_something_to_reflect(phone, live_server) -> None:
    xia = phone("light").new_page()
    yan = phone("light").new_page()
    _start_exercise(live_server, xia, yan, ("Xia", "Yan"))
    # The turn's time, said gently: Speaker–Listener suggests about 10 minutes a turn.
    expect(yan.locator("#ex-floor-turn")).to_have_text(
        "Turn 1 of 2 · you listen · about 10 min a turn")
    box = yan.get_by_role("textbox", name="Say back what you heard, or ask Xia")
    expect(yan.locator("#ex-wait-share")).to_have_text(re.compile("Waiting for Xia to share"))
    expect(box).to_be_disabled()
    expect(yan.get_by_role("button", name="It sounds like you felt…")).to_be_hidden()
    expect(yan.get_by_role("button", name="Send", exact=True)).to_be_disabled()
    expect(yan.get_by_role("button", name=re.compile("Did I get that right"))).to_be_hidden()
    _say(xia, "It started on Monday.")
    expect(box).to_be_enabled()
    expect(yan.locator("#ex-wait-share")).to_be_hidden()
    expect(yan.get_by_role("button", name="It sounds like you felt…")).to_be_visible()
    expect(yan.get_by_role("button", name=re.compile("Did I get that right"))).to_be_enabled()
    reflection = "It sounds like Monday was when it all started for you."
    _say(yan, reflection)
    expect(_log(xia).get_by_text(reflection)).to_be_visible()


def test_small_links_are_finger_sized(phone, live_server) -> None:
    page = phone("light").new_page()
    page.goto("/login")
    box = page.get_by_role("link", name="Create an account").bounding_box()
    assert box is not None and box["height"] >= 44, box
    page.goto("/signup")
    sign_up_with_password(page, "Zed", unique_email("zed"))
    page.goto("/settings")
    box = page.get_by_role("link", name="Pairing", exact=True).bounding_box()
    assert box is not None and box["height"] >= 44, box


def test_another_round_when_both_want_it(phone, live_server) -> None:
    ada = phone("light").new_page()
    bo = phone("dark").new_page()
    _start_exercise(live_server, ada, bo, ("Ada", "Bo"))
    ada.set_viewport_size(KEYBOARD_OPEN)
    _say(ada, "One small thing.")
    ada.get_by_role("button", name="I feel heard").click()
    expect(_floor(bo)).to_have_text("You have the floor")
    _say(bo, "One small thing too.")
    bo.get_by_role("button", name="I feel heard").click()
    for page in (ada, bo):
        expect(page.get_by_role("heading", name="How did it go?")).to_be_visible()

    expect(ada.get_by_role("button", name="Another round?")).to_be_in_viewport()
    ada.get_by_role("button", name="Another round?").click()
    expect(ada.locator("#ex-again-text")).to_contain_text("Waiting for Bo to say yes")
    expect(bo.locator("#ex-again-text")).to_contain_text("Ada would like another round")
    screenshot(bo, "exercise-another-round")
    assert_accessible(bo, "exercise (another round offered)")
    bo.set_viewport_size(KEYBOARD_OPEN)
    expect(bo.get_by_role("button", name="Yes, another round")).to_be_in_viewport()
    bo.get_by_role("button", name="Yes, another round").click()

    expect(_floor(ada)).to_have_text("You have the floor")
    expect(_floor(bo)).to_have_text("Ada has the floor — listen, reflect, ask")
    expect(bo.locator("#ex-floor-turn")).to_contain_text("Round 2 · Turn 1 of 2 · you listen")
    expect(_log(bo).get_by_text("Round 2: Ada has the floor.")).to_be_visible()
    expect(bo.get_by_role("textbox", name="Say back what you heard, or ask Ada")).to_be_disabled()
