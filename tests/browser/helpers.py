"""Small steps the browser tests share: sign-up, pairing two phones, passkeys, screenshots."""

from __future__ import annotations

import uuid
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as email_default
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import BrowserContext, CDPSession, Page, expect

from app.extensions import db
from app.models import User
from app.services.pairing import create_invite, redeem
from tests.browser.conftest import MAIL_DIRS, SCREENSHOTS
from tests.conftest import PASSWORD, link_in


def unique_email(who: str) -> str:
    """A fresh address, so tests sharing a module's database never collide."""
    return f"{who.lower()}-{uuid.uuid4().hex[:8]}@example.com"


def emailed_link(email: str, path_prefix: str) -> str:
    """The path of the link in the newest message Attune emailed to ``email``."""
    newest = sorted((p for folder in MAIL_DIRS for p in folder.glob("*.eml")),
                    key=lambda p: p.name)
    for path in reversed(newest):
        message = message_from_bytes(path.read_bytes(), _class=EmailMessage, policy=email_default)
        if message["To"] == email:
            return link_in(message, path_prefix)
    raise AssertionError(f"no mail to {email}")


def ask_to_sign_up(page: Page, name: str, email: str) -> None:
    """Fill the sign-up form, send it, and open the link from the email it sends."""
    page.get_by_label("What should we call you?").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(emailed_link(email, "/signup/finish/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")


def sign_up_with_password(page: Page, name: str, email: str, password: str = PASSWORD) -> None:
    """Sign up from the sign-up page: the emailed link, then a password."""
    ask_to_sign_up(page, name, email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create my account").click()


def add_virtual_authenticator(context: BrowserContext, page: Page) -> tuple[CDPSession, str]:
    """Give the page a platform authenticator with user verification (like Face ID)."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    result = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})
    return cdp, result["authenticatorId"]


def credentials(cdp: CDPSession, authenticator_id: str) -> list[dict[str, Any]]:
    """The passkeys the virtual authenticator holds."""
    return cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]


def wait_for_socket(page: Page) -> None:
    """Wait until the page's Socket.IO connection is up (the top-bar pill says so)."""
    expect(page.locator("#conn-state")).to_have_attribute("data-state", "online")


def screenshot(page: Page, name: str, *, keep_focus: bool = False) -> None:
    """Save the phone screen (390×664 CSS px at 2×) to docs/screenshots/NAME.png for the README.

    The file is rewritten only when the picture changed, so unchanged screens cause no git diff.
    ``keep_focus`` leaves the focus where it is (a screen with the keyboard up is typed in).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if not keep_focus:
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
    png = page.screenshot(animations="disabled", caret="hide", scale="device")
    path = SCREENSHOTS / f"{name}.png"
    if not path.exists() or path.read_bytes() != png:
        path.write_bytes(png)


def sign_up_with_passkey(page: Page, name: str, email: str) -> None:
    """Sign up from the sign-up page: the emailed link, then a passkey (needs an authenticator)."""
    ask_to_sign_up(page, name, email)
    page.get_by_role("button", name="Create a passkey").click()


def collect_problems(*pages: Page) -> list[str]:
    """A list that fills with the pages' console errors and uncaught exceptions."""
    problems: list[str] = []
    for page in pages:
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def sign_up_and_pair(app: Any, first: Page, second: Page, names: tuple[str, str]) -> None:
    """Sign two people up on their phones with a password, then pair them."""
    emails = unique_email(names[0].lower()), unique_email(names[1].lower())
    for page, name, email in ((first, names[0], emails[0]), (second, names[1], emails[1])):
        page.goto("/signup")
        sign_up_with_password(page, name, email)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Hi, {name}")
    with app.app_context():
        inviter, invitee = (db.session.scalar(sa.select(User).where(User.email == e))
                            for e in emails)
        assert inviter is not None and invitee is not None
        redeem(create_invite(inviter).invite, invitee)
        db.session.remove()
