"""Sign-up and password sign-in."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app.domain.errors import DomainError
from app.extensions import db
from app.models import EmailToken, User
from app.services import audit, mail, sessions, tokens
from app.services.mail import LinkMaker

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD = 10
COMMON = {
    "password", "password1", "password12", "password123", "passw0rd", "1234567890",
    "12345678910", "qwertyuiop", "iloveyou12", "letmein123", "welcome123", "abc1234567",
    "0987654321", "1q2w3e4r5t", "qwerty1234", "aaaaaaaaaa", "attune1234", "sunshine12",
}
_dummy_hashes: dict[str, str] = {}


def _hash(password: str) -> str:
    """Hash with scrypt; tests may lower its cost through PASSWORD_HASH_METHOD."""
    return generate_password_hash(password, method=current_app.config.get(
        "PASSWORD_HASH_METHOD", "scrypt"))


def _dummy_hash() -> str:
    """A hash to check against for unknown emails, so both cases cost the same time."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("attune-timing-equaliser", method=method)
    return _dummy_hashes[method]


class AccountError(DomainError):
    """A sign-up or sign-in problem the person can fix; ``field`` names the input."""

    def __init__(self, message: str, *, code: str, field: str = "") -> None:
        super().__init__(message, code=code)
        self.field = field


def normalize_email(raw: object) -> str:
    """Lower-case and trim an email address; raise if it is not one."""
    if not isinstance(raw, str):
        raise AccountError("Please enter your email address.", code="email_missing", field="email")
    email = unicodedata.normalize("NFKC", raw).strip().lower()
    if not email:
        raise AccountError("Please enter your email address.", code="email_missing", field="email")
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise AccountError("That doesn't look like an email address (name@example.com).",
                           code="email_invalid", field="email")
    return email


def clean_name(raw: object) -> str:
    """Trim a display name and check its length."""
    name = unicodedata.normalize("NFKC", raw if isinstance(raw, str) else "").strip()
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    if not name:
        raise AccountError("Please tell us what to call you.", code="name_missing", field="name")
    if len(name) > 60:
        raise AccountError("Please keep your name to 60 characters.", code="name_long",
                           field="name")
    return name


def check_password_strength(password: object, *, email: str = "") -> str:
    """Return the password if it is strong enough, else raise with what to change."""
    if not isinstance(password, str) or not password:
        raise AccountError("Please choose a password.", code="password_missing", field="password")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Please use at least {MIN_PASSWORD} characters; a short sentence "
                           "works well.", code="password_weak", field="password")
    if len(password) > 256:
        raise AccountError("Please keep your password under 256 characters.",
                           code="password_long", field="password")
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) < 4 or (email and email.split("@")[0] in lowered
                                                      and len(email.split("@")[0]) > 3):
        raise AccountError("That password is too easy to guess. Try a few unrelated words.",
                           code="password_weak", field="password")
    return password


def email_taken(email: str) -> bool:
    """Whether an account already uses ``email``."""
    return db.session.scalar(sa.select(User.id).where(User.email == email)) is not None


def sign_up_problems(*, email: object, name: object, password: object) -> dict[str, str]:
    """Every field's problem at once, so a form can show them all together."""
    problems: dict[str, str] = {}
    checks = (("name", lambda: clean_name(name)), ("email", lambda: normalize_email(email)),
              ("password", lambda: check_password_strength(
                  password, email=email if isinstance(email, str) else "")))
    for field, check in checks:
        try:
            check()
        except AccountError as exc:
            problems[field] = exc.message
    return problems


def sign_up_with_password(*, email: object, name: object, password: object) -> User:
    """Create an account with a password (hashed with scrypt)."""
    email_ = normalize_email(email)
    name_ = clean_name(name)
    password_ = check_password_strength(password, email=email_)
    if email_taken(email_):
        raise AccountError("An account with that email already exists. Sign in instead?",
                           code="email_taken", field="email")
    user = User(email=email_, display_name=name_, password_hash=_hash(password_))
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise AccountError("An account with that email already exists. Sign in instead?",
                           code="email_taken", field="email") from None
    audit.record("sign_up", user_id=user.id, detail="password", commit=False)
    db.session.commit()
    return user


def authenticate(*, email: object, password: object) -> User:
    """Return the user whose email and password match, else raise one vague error."""
    wrong = AccountError("That email and password don't match an account.", code="bad_login")
    try:
        email_ = normalize_email(email)
    except AccountError:
        raise wrong from None
    user = db.session.scalar(sa.select(User).where(User.email == email_))
    pw = password if isinstance(password, str) else ""
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), pw)
        audit.record("sign_in_failed", detail="password")
        raise wrong
    if not check_password_hash(user.password_hash, pw):
        audit.record("sign_in_failed", user_id=user.id, detail="password")
        raise wrong
    audit.record("sign_in", user_id=user.id, detail="password")
    return user


def find_by_email(email: str) -> User | None:
    """The account that uses ``email`` (already normalised), if any."""
    return db.session.scalar(sa.select(User).where(User.email == email))


def request_password_reset(*, email: object, reset_link: LinkMaker, sign_up_link: str) -> None:
    """Email a single-use reset link if an account uses ``email``; otherwise tell that address
    there is no account. The answer and the work are the same either way, so nobody learns
    whether an address has an account."""
    email_ = normalize_email(email)
    user = find_by_email(email_)
    if user is not None:
        token = tokens.issue("reset", email=email_, user_id=user.id)
        mail.queue(to=email_, kind="reset", name=user.display_name, link=reset_link(token))
        audit.record("reset_requested", user_id=user.id, commit=False)
    else:
        mail.queue(to=email_, kind="reset_unknown", link=sign_up_link)
        audit.record("reset_requested", detail="no account", commit=False)
    db.session.commit()
    mail.send_queued()


def _reset_row(token: object) -> tuple[EmailToken, User]:
    row = tokens.find("reset", token)
    user = db.session.get(User, row.user_id) if row is not None and row.user_id else None
    if row is None or user is None or user.email != row.email:
        raise AccountError("This reset link has expired or was already used. Ask for a new "
                           "one below.", code="link_invalid")
    return row, user


def check_reset_link(token: object) -> User:
    """The account a live reset link is for; raises if it expired or was used."""
    return _reset_row(token)[1]


def reset_password(*, token: object, password: object) -> User:
    """Set a new password through a reset link (used once), ending every session there was."""
    row, user = _reset_row(token)
    password_ = check_password_strength(password, email=user.email)
    if not tokens.use(row):
        db.session.rollback()
        raise AccountError("This reset link was just used. Ask for a new one below.",
                           code="link_invalid")
    user.password_hash = _hash(password_)
    audit.record("password_reset", user_id=user.id, commit=False)
    mail.queue(to=user.email, kind="password_changed", name=user.display_name)
    db.session.commit()
    sessions.end_all(user, reason="password_reset_sign_out")
    mail.send_queued()
    return user
