"""Two phones pair in a real browser, then see each other come and go live over Socket.IO."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.axe import assert_accessible, assert_accessible_both_schemes
from tests.browser.helpers import (
    add_virtual_authenticator,
    screenshot,
    sign_up_with_passkey,
    sign_up_with_password,
    unique_email,
    wait_for_socket,
)

pytestmark = pytest.mark.browser


def _presence(page: Page) -> Locator:
    return page.locator("#partner-presence .presence-text")


def _create_invite(page: Page) -> tuple[str, str]:
    """From home, go to Pair and make an invite; return (link, code) as the page shows them."""
    page.get_by_role("link", name="Pair now").click()
    expect(page).to_have_url(re.compile(r"/pair$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pair with your partner")
    assert_accessible(page, "pair (no invite yet)")
    page.get_by_role("button", name="Create an invite").click()
    link_box = page.get_by_label("Invite link")
    expect(link_box).to_have_value(re.compile(r"^http://localhost:\d+/i/\S+$"))
    return link_box.input_value(), page.locator("#invite-code").inner_text()


def test_two_partners_pair_by_link_and_see_each_other_online(phone, live_server) -> None:
    alex = phone("light").new_page()
    blair_phone = phone("light")
    blair = blair_phone.new_page()
    add_virtual_authenticator(blair_phone, blair)

    # Alex signs up and invites.
    alex.goto("/signup")
    sign_up_with_password(alex, "Alex", "alex@example.com")
    expect(alex.get_by_role("heading", level=1)).to_have_text("Hi, Alex")
    screenshot(alex, "home-unpaired")
    assert_accessible(alex, "home (unpaired, after sign-up)")
    link, code = _create_invite(alex)
    assert link.startswith(live_server.url + "/i/")
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    qr = alex.get_by_role("img", name="QR code of the invite link")
    expect(qr).to_be_visible()
    # The QR code is a real image that loads (a busy machine may take a moment to decode it).
    alex.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                           arg=qr.element_handle(), timeout=10_000)
    # Scroll so the link, the code and the whole QR code sit above the tab bar.
    alex.evaluate("() => window.scrollTo(0, document.querySelector('#invite-link')"
                  ".closest('.field').getBoundingClientRect().top + window.scrollY - 16)")
    assert alex.evaluate("(img) => img.getBoundingClientRect().bottom < "
                         "document.querySelector('.tabbar').getBoundingClientRect().top",
                         qr.element_handle())
    screenshot(alex, "pair-invite")
    alex.evaluate("() => window.scrollTo(0, 0)")
    assert_accessible_both_schemes(alex, "pair (with an invite)")

    # Blair opens the link without an account: asked to sign up (with a passkey), then brought
    # back to the invite.
    blair.goto(link)
    expect(blair.get_by_role("heading", level=1)).to_have_text("Alex invited you")
    assert_accessible(blair, "invite (anonymous)")
    blair.get_by_role("link", name="Create an account").click()
    expect(blair).to_have_url(re.compile(r"/signup$"))
    sign_up_with_passkey(blair, "Blair", "blair@example.com")
    expect(blair).to_have_url(link)
    accept = blair.get_by_role("button", name="Accept and pair with Alex")
    expect(accept).to_be_visible()
    assert_accessible(blair, "invite (signed in)")
    accept.click()

    expect(blair).to_have_url(live_server.url + "/")
    expect(blair.get_by_role("status").filter(has_text="You're paired")).to_be_visible()
    expect(blair.get_by_role("heading", level=2, name="Blair & Alex")).to_be_visible()
    wait_for_socket(blair)

    # Alex's invite page moves on by itself: paired, and Blair (whose home is open) is online.
    expect(alex).to_have_url(live_server.url + "/")
    expect(alex.get_by_role("heading", level=2, name="Alex & Blair")).to_be_visible()
    wait_for_socket(alex)
    expect(_presence(alex)).to_have_text("Blair is online now")

    # Presence updates live: Blair leaves home (her socket closes), then comes back.
    blair.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(blair.get_by_role("heading", level=1)).to_have_text("Settings")
    expect(_presence(alex)).to_have_text("Blair is not online right now")
    expect(alex.locator("#partner-presence")).to_have_attribute("data-online", "no")
    blair.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(_presence(alex)).to_have_text("Blair is online now")
    expect(alex.locator("#partner-presence")).to_have_attribute("data-online", "yes")
    expect(_presence(blair)).to_have_text("Alex is online now")

    # The sockets really are WebSockets, not long-polling.
    assert alex.evaluate("() => performance.getEntriesByType('resource')"
                         ".every((e) => !e.name.includes('transport=polling'))")

    screenshot(alex, "home-paired")
    alex.emulate_media(color_scheme="dark")
    screenshot(alex, "home-paired-dark")
    alex.emulate_media(color_scheme="light")
    assert_accessible_both_schemes(alex, "home (paired)")

    # Pair now shows who you are paired with.
    alex.goto("/pair")
    expect(alex.get_by_role("heading", level=1)).to_have_text("You're paired")
    assert_accessible(alex, "pair (paired)")


def test_partner_pairs_by_typing_the_short_code(phone) -> None:
    casey = phone("dark").new_page()
    drew = phone("light").new_page()

    casey.goto("/signup")
    sign_up_with_password(casey, "Casey", unique_email("casey"))
    _, code = _create_invite(casey)

    drew.goto("/signup")
    sign_up_with_password(drew, "Drew", unique_email("drew"))
    drew.get_by_role("link", name="Pair now").click()
    field = drew.get_by_label("Your partner's code")
    field.fill("ZZZZ-ZZZZ")
    drew.get_by_role("button", name="Pair with this code").click()
    expect(drew.locator("#f-code-error")).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    assert_accessible(drew, "pair with a wrong code (dark)")

    field.fill(code.lower())  # read out over the phone: case and dash don't matter
    drew.get_by_role("button", name="Pair with this code").click()
    expect(drew.get_by_role("heading", level=2, name="Drew & Casey")).to_be_visible()
    # Casey's invite page moves on to Home by itself when Drew joins (no reload, no goto).
    expect(casey.get_by_role("heading", level=2, name="Casey & Drew")).to_be_visible()
    expect(_presence(casey)).to_have_text("Drew is online now")


def test_password_sign_up_from_an_invite_comes_back_to_it(phone) -> None:
    alex = phone("light").new_page()
    alex.goto("/signup")
    sign_up_with_password(alex, "Alex", unique_email("alex"))
    link, _ = _create_invite(alex)

    blair = phone("light").new_page()
    blair.goto(link)
    blair.get_by_role("link", name="Create an account").click()
    sign_up_with_password(blair, "Blair", unique_email("blair"))
    expect(blair.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^(Alex invited you|Hi, Blair)$"))  # the invite (right) or home (the bug)
    assert blair.url == link
