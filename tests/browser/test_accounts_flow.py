"""Accounts in a real browser: passkey sign-up and sign-in, password sign-up errors, a11y."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, assert_accessible_both_schemes
from tests.browser.helpers import (
    add_virtual_authenticator,
    credentials,
    emailed_link,
    screenshot,
    sign_up_with_password,
    unique_email,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_passkey_sign_up_sign_out_and_sign_in(phone, live_server) -> None:
    context = phone("light")
    page = context.new_page()
    cdp, authenticator = add_virtual_authenticator(context, page)
    email = "robin@example.com"  # fixed: it shows in the README screenshots

    # Welcome: the visitor's front door.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Feel heard. Listen well.")
    screenshot(page, "welcome")
    assert_accessible_both_schemes(page, "welcome")

    # Sign up with a passkey: no password at all. The form emails a link that finishes it.
    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    page.get_by_label("What should we call you?").fill("Robin")
    page.get_by_label("Email").fill(email)
    screenshot(page, "signup")
    assert_accessible(page, "signup")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page, "signup: check your email")
    page.goto(emailed_link(email, "/signup/finish/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Robin")
    passkey_button = page.get_by_role("button", name="Create a passkey")
    expect(passkey_button).to_be_visible()  # app.js reveals it when passkeys are supported
    assert_accessible_both_schemes(page, "signup: finish")
    passkey_button.click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Robin")
    assert len(credentials(cdp, authenticator)) == 1, "the passkey lives on the authenticator"
    assert_accessible_both_schemes(page, "home (unpaired)")

    # Settings lists the passkey; sign out from there.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    expect(page.locator("li.passkey")).to_have_count(1)
    expect(page.get_by_text(email)).to_be_visible()
    screenshot(page, "settings")
    assert_accessible_both_schemes(page, "settings")
    page.get_by_role("button", name="Sign out", exact=True).click()

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status").filter(has_text="You're signed out.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    page.goto("/")  # signed out for real: the welcome page, not home
    expect(page.get_by_role("heading", level=1)).to_have_text("Feel heard. Listen well.")

    # Sign in with the passkey: no email typed.
    page.goto("/login")
    assert_accessible_both_schemes(page, "login")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Robin")
    assert credentials(cdp, authenticator)[0]["signCount"] >= 2


def test_password_sign_up_with_a_bad_email_keeps_what_was_typed(phone) -> None:
    page = phone("light").new_page()
    page.goto("/signup")
    page.get_by_label("What should we call you?").fill("Sam Smith")
    page.get_by_label("Email").fill("sam@example")
    page.get_by_role("button", name="Email me a link").click()

    email = page.get_by_label("Email")
    expect(page.locator("#f-email-error")).to_have_text(
        "That doesn't look like an email address (name@example.com).")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", re.compile(r"f-email-error"))
    expect(email).to_have_value("sam@example")
    expect(page.get_by_label("What should we call you?")).to_have_value("Sam Smith")
    assert_accessible_both_schemes(page, "signup with an error")

    # Fixing the address is enough to get in (through the emailed link, with a password).
    sign_up_with_password(page, "Sam Smith", unique_email("sam"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Sam Smith")


def test_public_pages_are_accessible_in_light_and_dark(phone) -> None:
    page = phone("dark").new_page()
    page.goto("/offline")
    expect(page.get_by_role("heading", level=1)).to_have_text("You're offline")
    assert_accessible_both_schemes(page, "offline")
    page.goto("/login?next=/pair")
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    assert_accessible_both_schemes(page, "login (dark context)")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password don't match an account.")
    assert_accessible_both_schemes(page, "login with an error")


def test_signing_out_another_device_from_settings(phone, live_server) -> None:
    email = unique_email("kit")
    laptop = phone("light").new_page()
    laptop.goto("/signup")
    sign_up_with_password(laptop, "Kit", email)
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Hi, Kit")

    mobile = phone("dark").new_page()
    mobile.goto("/login")
    mobile.get_by_label("Email").fill(email)
    mobile.get_by_label("Password").fill(PASSWORD)
    mobile.get_by_role("button", name="Sign in", exact=True).click()
    expect(mobile.get_by_role("heading", level=1)).to_have_text("Hi, Kit")

    mobile.goto("/settings")
    devices = mobile.locator("li.device")
    expect(devices).to_have_count(2)
    expect(devices.filter(has_text="this device")).to_have_count(1)
    assert_accessible_both_schemes(mobile, "settings: signed-in devices")
    other = devices.filter(has_not_text="this device")
    other.get_by_role("button", name=re.compile(r"^Sign out")).click()
    expect(mobile.get_by_role("status").filter(has_text="Signed out of")).to_be_visible()
    expect(mobile.locator("li.device")).to_have_count(1)

    laptop.goto("/settings")  # the laptop's session is over: back to signing in
    expect(laptop).to_have_url(re.compile(r"/login\?next=/settings$"))


def test_forgotten_password_by_emailed_link(phone, live_server) -> None:
    email = unique_email("lee")
    page = phone("light").new_page()
    page.goto("/signup")
    sign_up_with_password(page, "Lee", email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Lee")

    page = phone("light").new_page()  # another phone, where Lee isn't signed in
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    assert_accessible_both_schemes(page, "forgot password")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page, "reset link sent")

    page.goto(emailed_link(email, "/reset/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    assert_accessible_both_schemes(page, "choose a new password")
    page.get_by_label("New password").fill("the owl sings at midnight")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Lee")
    expect(page.get_by_role("status").filter(has_text="Every other device was signed out")
           ).to_be_visible()


def test_a_refused_password_change_opens_where_its_error_is(phone) -> None:
    page = phone("dark").new_page()
    page.goto("/signup")
    sign_up_with_password(page, "Jo", unique_email("jo"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Jo")
    page.goto("/settings")
    page.get_by_label("Current password", exact=True).fill("not my password at all")
    page.get_by_label("New password").fill("another long sentence")
    page.get_by_role("button", name="Change password").click()
    error = page.locator("#f-current_password-error")
    expect(error).to_have_text("That isn't your current password.")
    expect(error).to_be_in_viewport()
    assert_accessible_both_schemes(page, "settings with a refused password change")
