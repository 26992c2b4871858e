"""Sign-up, password sign-in and sign-out everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from app.extensions import db
from app.models import AuditEntry, User
from app.services import accounts
from app.services.accounts import AccountError
from tests.conftest import PASSWORD


def test_sign_up_hashes_the_password_and_normalises_the_email(app: Any) -> None:
    user = accounts.sign_up_with_password(email="  Ana@Example.COM ", name=" Ana ",
                                          password=PASSWORD)
    assert user.email == "ana@example.com"
    assert user.display_name == "Ana"
    assert user.password_hash and PASSWORD not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


def test_production_hashes_use_scrypt_at_full_cost(app: Any) -> None:
    app.config.pop("PASSWORD_HASH_METHOD")
    user = accounts.sign_up_with_password(email="bo@example.com", name="Bo", password=PASSWORD)
    assert user.password_hash.startswith("scrypt:32768:8:1$")


@pytest.mark.parametrize("email,code", [
    ("", "email_missing"), ("not-an-email", "email_invalid"), ("a@b", "email_invalid"),
    (None, "email_missing"), ("x" * 250 + "@example.com", "email_invalid"),
])
def test_bad_emails_are_refused_with_a_clear_code(app: Any, email: Any, code: str) -> None:
    with pytest.raises(AccountError) as err:
        accounts.sign_up_with_password(email=email, name="Ana", password=PASSWORD)
    assert err.value.code == code and err.value.field == "email"
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


@pytest.mark.parametrize("password", ["short", "password123", "aaaaaaaaaaaa", "", "ana-example-12"])
def test_weak_passwords_are_refused(app: Any, password: str) -> None:
    with pytest.raises(AccountError) as err:
        accounts.sign_up_with_password(email="ana-example@example.com", name="Ana",
                                       password=password)
    assert err.value.field == "password"
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_a_taken_email_is_refused_whatever_its_case(app: Any) -> None:
    accounts.sign_up_with_password(email="ana@example.com", name="Ana", password=PASSWORD)
    with pytest.raises(AccountError) as err:
        accounts.sign_up_with_password(email="ANA@example.com", name="Other", password=PASSWORD)
    assert err.value.code == "email_taken"


def test_authenticate_checks_the_password_and_audits(app: Any) -> None:
    user = accounts.sign_up_with_password(email="ana@example.com", name="Ana", password=PASSWORD)
    assert accounts.authenticate(email="ana@example.com", password=PASSWORD).id == user.id
    with pytest.raises(AccountError) as err:
        accounts.authenticate(email="ana@example.com", password="wrong password here")
    assert err.value.code == "bad_login"
    with pytest.raises(AccountError):
        accounts.authenticate(email="nobody@example.com", password=PASSWORD)
    events = db.session.scalars(db.select(AuditEntry.event).order_by(AuditEntry.id)).all()
    assert events == ["sign_up", "sign_in", "sign_in_failed", "sign_in_failed"]


def test_names_are_trimmed_and_bounded(app: Any) -> None:
    with pytest.raises(AccountError) as err:
        accounts.sign_up_with_password(email="a@example.com", name="   ", password=PASSWORD)
    assert err.value.code == "name_missing"
    with pytest.raises(AccountError) as err:
        accounts.sign_up_with_password(email="a@example.com", name="x" * 61, password=PASSWORD)
    assert err.value.code == "name_long"
