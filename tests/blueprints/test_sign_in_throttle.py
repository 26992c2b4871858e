"""Per-account sign-in throttle: guessing slows down whatever the client address; the owner
is not kept out for long, and a passkey sign-in never waits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.domain.accounts.throttle import FREE_FAILURES
from app.extensions import db
from app.models import SignInThrottle
from app.models.types import utcnow
from tests.conftest import PASSWORD, Browser, create_user
from tests.services.test_passkeys import passkey_sign_in, passkey_sign_up
from tests.webauthn_authenticator import SoftAuthenticator


def guess(app: Any, email: str, password: str = "wrong password here",
          ip: str = "203.0.113.1") -> Any:
    """One sign-in attempt from its own browser and client address."""
    b = Browser(app)
    b.http.environ_base["REMOTE_ADDR"] = ip
    return b.login(email, password)


def pass_time(seconds: float) -> None:
    """As if the lock had run for ``seconds``."""
    db.session.expire_all()
    for row in db.session.scalars(sa.select(SignInThrottle)):
        if row.locked_until is not None:
            row.locked_until -= timedelta(seconds=seconds)
    db.session.commit()


def test_guesses_from_many_addresses_lock_the_account_briefly(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    for i in range(FREE_FAILURES):
        assert guess(app, "ana@example.com", ip=f"198.51.100.{i}").status_code == 401
    sixth = guess(app, "ana@example.com", ip="198.51.100.99")
    assert sixth.status_code == 401  # the sixth failure is still judged, then locks
    locked = guess(app, "ana@example.com", PASSWORD, ip="192.0.2.7")  # even the right one waits
    assert locked.status_code == 429
    html = locked.get_data(as_text=True)
    assert "Too many tries for this account" in html and "30 seconds" in html
    assert "passkey" in html and "reset your password" in html

    pass_time(31)  # the owner is back in half a minute
    assert guess(app, "ana@example.com", PASSWORD).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInThrottle)) == 0


def test_each_further_failure_waits_longer(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    for _ in range(FREE_FAILURES + 1):
        guess(app, "ana@example.com")
    waits = []
    for _ in range(3):
        pass_time(10_000)
        guess(app, "ana@example.com")
        db.session.expire_all()
        row = db.session.scalar(sa.select(SignInThrottle))
        waits.append(round((row.locked_until - utcnow()).total_seconds() / 10) * 10)
    assert waits == [60, 120, 240]


def test_an_unknown_address_is_throttled_the_same_way(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    known = [guess(app, "ana@example.com").status_code for _ in range(FREE_FAILURES + 2)]
    unknown = [guess(app, "nobody@example.com").status_code for _ in range(FREE_FAILURES + 2)]
    assert known == unknown == [401] * (FREE_FAILURES + 1) + [429]


def test_a_passkey_sign_in_is_never_throttled(app: Any) -> None:
    auth = SoftAuthenticator()
    passkey_sign_up(Browser(app), auth, email="bo@example.com", name="Bo")
    for _ in range(FREE_FAILURES + 3):
        guess(app, "bo@example.com")
    assert guess(app, "bo@example.com").status_code == 429
    resp = passkey_sign_in(Browser(app), auth)
    assert resp.status_code == 200 and resp.get_json()["ok"] is True
