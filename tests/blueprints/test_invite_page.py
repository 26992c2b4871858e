"""The page an invite link opens, for someone not signed in yet."""

from __future__ import annotations

from typing import Any

from app.services.pairing import create_invite
from tests.conftest import Browser, create_user


def test_a_replaced_invite_says_so_not_already_used(app: Any) -> None:
    with app.app_context():
        inviter = create_user("ines@example.com", "Ines")
        old = create_invite(inviter).token
        create_invite(inviter)  # a newer invite replaces the first
    html = Browser(app).get(f"/i/{old}").get_data(as_text=True)
    assert "replaced by a newer one" in html
    assert "already been used" not in html
    assert "Create an account" not in html  # nothing to accept here


def test_an_open_invite_says_what_attune_is_and_who_reads_messages(app: Any) -> None:
    with app.app_context():
        token = create_invite(create_user("ivo@example.com", "Ivo")).token
    html = Browser(app).get(f"/i/{token}").get_data(as_text=True)
    assert "Attune helps couples listen to each other" in html
    assert "Only you and your partner read your messages" in html
    assert "Create an account" in html
