"""Sign-up and password sign-in."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app.domain.accounts import throttle
from app.domain.accounts.digest import stored_form
from app.domain.errors import DomainError
from app.extensions import db
from app.models import EmailToken, SignInThrottle, TherapistProfile, User
from app.models.types import utcnow
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


def sign_up_problems(*, email: object, name: object) -> dict[str, str]:
    """Every field's problem at once, so a form can show them all together."""
    problems: dict[str, str] = {}
    checks = (("name", lambda: clean_name(name)), ("email", lambda: normalize_email(email)))
    for field, check in checks:
        try:
            check()
        except AccountError as exc:
            problems[field] = exc.message
    return problems


def therapist_details(*, practice: object, licence: object) -> dict[str, str]:
    """A therapist's practice name (needed) and licence note (optional), checked."""
    practice_ = " ".join(practice.split()) if isinstance(practice, str) else ""
    licence_ = " ".join(licence.split()) if isinstance(licence, str) else ""
    if not practice_:
        raise AccountError("Please give your practice's name, so couples know who you are.",
                           code="practice_missing", field="practice")
    if len(practice_) > 120:
        raise AccountError("Please keep the practice name to 120 characters.",
                           code="practice_long", field="practice")
    if len(licence_) > 200:
        raise AccountError("Please keep the licence note to 200 characters.",
                           code="licence_long", field="licence")
    return {"practice": practice_, "licence": licence_}


def become_what_link_says(user: User, link: EmailToken) -> None:
    """A new account from a therapist's sign-up link becomes a therapist's (in the current
    transaction, after the user row is flushed)."""
    details = link.pending_therapist
    if details:
        user.role = "therapist"
        db.session.add(TherapistProfile(user_id=user.id, practice_name=details["practice"],
                                        licence_note=details.get("licence", "")))


def sign_up_with_password(*, email: object, name: object, password: object,
                          therapist: dict[str, str] | None = None) -> User:
    """Create an account with a password at once (hashed with scrypt), with no emailed link:
    for tests and operators. People sign up through ``request_sign_up``. ``therapist``
    (``{"practice", "licence"}``) makes it a therapist's account."""
    email_ = normalize_email(email)
    name_ = clean_name(name)
    password_ = check_password_strength(password, email=email_)
    details = None if therapist is None else therapist_details(
        practice=therapist.get("practice"), licence=therapist.get("licence"))
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
    if details is not None:
        user.role = "therapist"
        db.session.add(TherapistProfile(user_id=user.id, practice_name=details["practice"],
                                        licence_note=details["licence"]))
    audit.record("sign_up", user_id=user.id, detail="password", commit=False)
    db.session.commit()
    return user


def authenticate(*, email: object, password: object) -> User:
    """Return the user whose email and password match, else raise one vague error. Failures
    are counted per address: after a few the address waits a little, then longer."""
    wrong = AccountError("That email and password don't match an account.", code="bad_login")
    try:
        email_ = normalize_email(email)
    except AccountError:
        raise wrong from None
    key = stored_form(email_)
    row = db.session.get(SignInThrottle, key)
    state = throttle.Throttle(row.failures, row.locked_until, row.last_failure_at) if row \
        else throttle.Throttle()
    wait = throttle.wait_left(state, utcnow())
    if wait:
        audit.record("sign_in_throttled", detail="password")
        raise AccountError(f"Too many tries for this account. Please wait "
                           f"{throttle.minutes_text(wait)}, or sign in with a passkey or reset "
                           "your password.", code="throttled")
    user = find_by_email(email_)
    pw = password if isinstance(password, str) else ""
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), pw)  # the same work as a real check
        ok = False
    else:
        ok = check_password_hash(user.password_hash, pw)
    if not ok:
        after = throttle.after_failure(state, utcnow())
        db.session.merge(SignInThrottle(email_hash=key, failures=after.failures,
                                        locked_until=after.locked_until,
                                        last_failure_at=after.last_failure_at))
        audit.record("sign_in_failed", user_id=user.id if user else None, detail="password")
        raise wrong
    if row is not None:
        db.session.delete(row)
    audit.record("sign_in", user_id=user.id, detail="password")
    return user


def forget_failures(email: str) -> None:
    """Clear an address's failed sign-ins (in the current transaction): after a reset."""
    db.session.execute(sa.delete(SignInThrottle).where(
        SignInThrottle.email_hash == stored_form(email)))


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
    forget_failures(user.email)
    audit.record("password_reset", user_id=user.id, commit=False)
    mail.queue(to=user.email, kind="password_changed", name=user.display_name)
    db.session.commit()
    sessions.end_all(user, reason="password_reset_sign_out")
    mail.send_queued()
    return user


def request_sign_up(*, email: object, name: object, finish_link: LinkMaker,
                    sign_in_link: str, reset_link: str,
                    therapist: dict[str, str] | None = None) -> None:
    """Start a sign-up: email the address a link that finishes it. For an address that already
    has an account the email says so instead (sign in, or reset the password). The answer, and
    the work done, are the same either way, so sign-up never tells whether an address is taken;
    nothing about the account is chosen until the link is used, so a stranger who types your
    address cannot set your password."""
    problems = sign_up_problems(email=email, name=name)
    if problems:
        field, message = next(iter(problems.items()))
        raise AccountError(message, code="invalid", field=field)
    email_, name_ = normalize_email(email), clean_name(name)
    taken = email_taken(email_)
    # Issued for a taken address too (and never sent), so both cases write the same rows.
    token = tokens.issue("signup", email=email_, pending_name=name_,
                         pending_therapist=therapist)
    if taken:
        mail.queue(to=email_, kind="signup_taken", sign_in=sign_in_link, reset=reset_link)
    else:
        mail.queue(to=email_, kind="signup", name=name_, link=finish_link(token))
    audit.record("sign_up_requested", commit=False)
    db.session.commit()
    mail.send_queued()


def check_sign_up_link(token: object) -> EmailToken:
    """The live sign-up a link is for; raises if it expired, was used, or the address was
    taken meanwhile."""
    row = tokens.find("signup", token)
    if row is None:
        raise AccountError("This sign-up link has expired or was already used. Please sign up "
                           "again.", code="link_invalid")
    if email_taken(row.email):
        raise AccountError("This address already has an Attune account. Sign in, or reset "
                           "the password if you've forgotten it.", code="link_invalid")
    return row


def claim_sign_up(token: object, *, email: str | None = None) -> EmailToken:
    """Use a sign-up link (in the current transaction; the caller creates the account and
    commits). ``email`` must match when the ceremony started from it."""
    row = check_sign_up_link(token)
    if (email is not None and row.email != email) or not tokens.use(row):
        db.session.rollback()
        raise AccountError("This sign-up link was just used. Please sign in.",
                           code="link_invalid")
    return row


def finish_sign_up_with_password(*, token: object, password: object) -> User:
    """Create the account a sign-up link is for, with the password chosen now."""
    row = check_sign_up_link(token)
    password_ = check_password_strength(password, email=row.email)
    row = claim_sign_up(token)
    user = User(email=row.email, display_name=row.pending_name or "",
                password_hash=_hash(password_))
    db.session.add(user)
    db.session.flush()
    become_what_link_says(user, row)
    audit.record("sign_up", user_id=user.id, detail="password", commit=False)
    db.session.commit()
    return user


# --- Settings: name, email and password ---------------------------------------------------

RECENT_SIGN_IN = timedelta(minutes=10)


def confirm_it_is_you(user: User, *, password: object, signed_in_at: datetime,
                      field: str) -> None:
    """Re-authentication before changing how the account is reached: the current password,
    or for an account without one, a sign-in (with a passkey) in the last ten minutes."""
    if user.password_hash:
        if not isinstance(password, str) or not check_password_hash(user.password_hash, password):
            audit.record("reauth_failed", user_id=user.id)
            raise AccountError("That isn't your current password.", code="reauth",
                               field=field)
    elif utcnow() - signed_in_at > RECENT_SIGN_IN:
        raise AccountError("For your safety, please sign out and in again with your passkey "
                           "first (then you have ten minutes).", code="reauth", field=field)


def change_name(user: User, *, name: object) -> None:
    """Change what Attune calls you."""
    user.display_name = clean_name(name)
    db.session.commit()


def set_teaches_guard(user: User, *, value: object) -> None:
    """Say whether this partner's corrections (slip marks, "this was a reflection") may teach
    the guard; a couple's corrections are used only when both partners said yes."""
    if not isinstance(value, bool):
        raise AccountError("Choose yes or no.", code="invalid", field="teaches_guard")
    user.teaches_guard = value
    audit.record("guard_teaching_on" if value else "guard_teaching_off", user_id=user.id,
                 commit=False)
    db.session.commit()


def change_password(user: User, *, current: object, new: object, signed_in_at: datetime,
                    keep_session: str | None) -> None:
    """Set a new password (or a first one) after re-authentication; other devices sign out."""
    confirm_it_is_you(user, password=current, signed_in_at=signed_in_at,
                      field="current_password")
    try:
        password_ = check_password_strength(new, email=user.email)
    except AccountError as exc:
        raise AccountError(exc.message, code=exc.code, field="new_password") from None
    had = bool(user.password_hash)
    user.password_hash = _hash(password_)
    forget_failures(user.email)
    audit.record("password_changed" if had else "password_added", user_id=user.id,
                 commit=False)
    mail.queue(to=user.email, kind="password_changed", name=user.display_name)
    db.session.commit()
    sessions.end_all(user, keep_key=keep_session, reason="password_changed_sign_out")
    mail.send_queued()


def remove_password(user: User, *, current: object, signed_in_at: datetime) -> None:
    """Sign in with passkeys only from now on; never the last way in."""
    if not user.password_hash:
        raise AccountError("You don't have a password.", code="no_password",
                           field="remove_password")
    if not user.passkeys:
        raise AccountError("Your password is your only way in, so it can't be removed. Add a "
                           "passkey first.", code="last_method", field="remove_password")
    confirm_it_is_you(user, password=current, signed_in_at=signed_in_at,
                      field="remove_password")
    user.password_hash = None
    audit.record("password_removed", user_id=user.id, commit=False)
    db.session.commit()


def request_email_change(user: User, *, new_email: object, password: object,
                         signed_in_at: datetime, confirm_link: LinkMaker) -> str:
    """Send a link to the new address (it changes only when that link is used) and tell the
    old address. The answer is the same whether or not another account uses the new one."""
    email_ = normalize_email(new_email)
    if email_ == user.email:
        raise AccountError("That's already your email address.", code="same_email",
                           field="new_email")
    confirm_it_is_you(user, password=password, signed_in_at=signed_in_at,
                      field="email_password")
    token = tokens.issue("email_change", email=email_, user_id=user.id)
    mail.queue(to=email_, kind="email_confirm", name=user.display_name, link=confirm_link(token))
    mail.queue(to=user.email, kind="email_change_requested", name=user.display_name,
               new_email=email_)
    audit.record("email_change_requested", user_id=user.id, commit=False)
    db.session.commit()
    mail.send_queued()
    return email_


def confirm_email_change(token: object) -> User:
    """Use the link sent to the new address: the account moves to it, the old one is told."""
    row = tokens.find("email_change", token)
    user = db.session.get(User, row.user_id) if row is not None and row.user_id else None
    if row is None or user is None:
        raise AccountError("This link has expired or was already used. Ask for a new one in "
                           "Settings.", code="link_invalid")
    if email_taken(row.email):
        raise AccountError("Another Attune account already uses that address, so yours "
                           "can't move to it.", code="link_invalid")
    if not tokens.use(row):
        db.session.rollback()
        raise AccountError("This link was just used.", code="link_invalid")
    old = user.email
    user.email = row.email
    forget_failures(old)
    mail.queue(to=old, kind="email_changed", name=user.display_name, new_email=row.email)
    audit.record("email_changed", user_id=user.id, commit=False)
    db.session.commit()
    mail.send_queued()
    return user
