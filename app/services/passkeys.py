"""WebAuthn ceremonies: challenges stored server-side, single use, bound to the session."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, request, session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.domain.accounts import devices
from app.domain.errors import DomainError
from app.extensions import db
from app.models import EmailToken, Passkey, User, WebAuthnChallenge
from app.models.types import utcnow
from app.services import audit, sessions
from app.services.accounts import become_what_link_says, claim_sign_up

CHALLENGE_TTL = timedelta(minutes=5)
SESSION_KEY = "webauthn_binding"


class PasskeyError(DomainError):
    """A passkey ceremony that failed; the message says what to do next."""


def relying_party() -> tuple[str, str]:
    """The RP id and the exact origin expected from the browser."""
    public = current_app.config.get("PUBLIC_URL") or ""
    origin = public or request.host_url.rstrip("/")
    rp_id = current_app.config.get("RP_ID") or urlsplit(origin).hostname or "localhost"
    return rp_id, origin


def _store_challenge(purpose: str, challenge: bytes, **fields: Any) -> None:
    old = session.get(SESSION_KEY)
    if old:  # a new ceremony replaces the last one of this session
        db.session.execute(sa.delete(WebAuthnChallenge).where(WebAuthnChallenge.binding == old))
    binding = secrets.token_urlsafe(32)
    db.session.execute(sa.delete(WebAuthnChallenge).where(WebAuthnChallenge.expires_at < utcnow()))
    db.session.add(WebAuthnChallenge(binding=binding, purpose=purpose, challenge=challenge,
                                     expires_at=utcnow() + CHALLENGE_TTL, **fields))
    db.session.commit()
    session[SESSION_KEY] = binding


def _take_challenge(purpose: str) -> WebAuthnChallenge:
    """Consume this session's challenge exactly once; a replay finds nothing."""
    binding = session.pop(SESSION_KEY, None)
    row = None
    if binding:
        row = db.session.scalar(sa.select(WebAuthnChallenge).where(
            WebAuthnChallenge.binding == binding, WebAuthnChallenge.purpose == purpose))
    if row is None:
        raise PasskeyError("That passkey request was already used or has expired. Please try "
                           "again.", code="challenge_missing")
    gone = db.session.execute(sa.delete(WebAuthnChallenge).where(WebAuthnChallenge.id == row.id))
    db.session.commit()
    if gone.rowcount != 1:  # a concurrent request consumed it first
        raise PasskeyError("That passkey request was already used. Please try again.",
                           code="challenge_missing")
    if row.expires_at < utcnow():
        raise PasskeyError("That passkey request expired. Please try again.",
                           code="challenge_expired")
    return row


def _credential_json(credential: object) -> str:
    if isinstance(credential, dict):
        return json.dumps(credential)
    if isinstance(credential, str) and credential:
        return credential
    raise PasskeyError("No passkey response was received. Please try again.", code="invalid")


def begin_registration(*, user: User | None = None, sign_up: EmailToken | None = None) -> str:
    """Start adding a passkey: to ``user``, or to the new account a live sign-up link is for."""
    rp_id, _ = relying_party()
    fields: dict[str, Any] = {}
    if user is None:
        if sign_up is None:
            raise PasskeyError("Open the link in your sign-up email to create a passkey.",
                               code="challenge_missing")
        handle = secrets.token_bytes(32)
        name_ = sign_up.pending_name or ""
        fields = {"pending_email": sign_up.email, "pending_name": name_, "pending_handle": handle}
        user_name, display, exclude = sign_up.email, name_, []
    else:
        handle = user.webauthn_handle
        fields = {"user_id": user.id}
        user_name, display = user.email, user.display_name
        exclude = [PublicKeyCredentialDescriptor(id=p.credential_id) for p in user.passkeys]
    options = generate_registration_options(
        rp_id=rp_id, rp_name=current_app.config["RP_NAME"], user_name=user_name,
        user_id=handle, user_display_name=display, exclude_credentials=exclude,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED),
        timeout=120000)
    _store_challenge("register", options.challenge, **fields)
    return options_to_json(options)


def finish_registration(*, credential: object, name: object = None, user: User | None = None,
                        sign_up_token: object = None) -> tuple[User, Passkey]:
    """Verify the new passkey and store it; for a sign-up, use its link and make the account."""
    row = _take_challenge("register")
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=_credential_json(credential), expected_challenge=row.challenge,
            expected_rp_id=rp_id, expected_origin=origin, require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        audit.record("passkey_register_failed", user_id=user.id if user else None,
                     detail=type(exc).__name__)
        raise PasskeyError("Your passkey couldn't be verified. Please try again.",
                           code="passkey_invalid") from None
    if row.user_id is None:
        if user is not None or not row.pending_email or row.pending_handle is None:
            raise PasskeyError("That passkey request doesn't match this session.",
                               code="challenge_missing")
        link = claim_sign_up(sign_up_token, email=row.pending_email)
        owner = User(email=row.pending_email, display_name=row.pending_name or "",
                     webauthn_handle=row.pending_handle)
        db.session.add(owner)
        db.session.flush()
        become_what_link_says(owner, link)
    else:
        if user is None or user.id != row.user_id:
            raise PasskeyError("That passkey request doesn't match this session.",
                               code="challenge_missing")
        owner = user
    label = name if isinstance(name, str) and name.strip() else default_name()
    passkey = Passkey(user=owner, credential_id=verified.credential_id,
                      public_key=verified.credential_public_key,
                      sign_count=verified.sign_count, name=clean_passkey_name(label))
    db.session.add(passkey)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise PasskeyError("That passkey is already registered.", code="passkey_exists") from None
    audit.record("passkey_added", user_id=owner.id, commit=False)
    if row.user_id is None:
        audit.record("sign_up", user_id=owner.id, detail="passkey", commit=False)
    db.session.commit()
    return owner, passkey


def default_name() -> str:
    """A readable default name for a new passkey, from the browser's user agent."""
    system = devices.system_of(request.user_agent.string)
    return f"Passkey on {system}" if system else "Passkey"


def clean_passkey_name(raw: object) -> str:
    """Trim a passkey's name and check its length."""
    name = raw.strip() if isinstance(raw, str) else ""
    if not name:
        raise PasskeyError("Please give the passkey a name.", code="name_missing")
    if len(name) > 60:
        raise PasskeyError("Please keep the name to 60 characters.", code="name_long")
    return name


def begin_authentication() -> str:
    """Start a username-less passkey sign-in."""
    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id, user_verification=UserVerificationRequirement.REQUIRED, timeout=120000)
    _store_challenge("authenticate", options.challenge)
    return options_to_json(options)


def finish_authentication(*, credential: object) -> User:
    """Verify a passkey assertion and return its user; sign counts may not go backwards."""
    row = _take_challenge("authenticate")
    raw = _credential_json(credential)
    try:
        data = json.loads(raw)
        raw_id = base64url_to_bytes(data["rawId"])
        handle = data.get("response", {}).get("userHandle")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise PasskeyError("Your passkey's answer was malformed. Please try again.",
                           code="invalid") from None
    passkey = db.session.scalar(sa.select(Passkey).where(Passkey.credential_id == raw_id))
    if passkey is None:
        audit.record("sign_in_failed", detail="unknown passkey")
        raise PasskeyError("This passkey isn't registered with Attune (it may have been "
                           "removed). Sign in another way.", code="passkey_unknown")
    if not handle or handle != bytes_to_base64url(passkey.user.webauthn_handle):
        audit.record("sign_in_failed", user_id=passkey.user_id, detail="user handle")
        raise PasskeyError("This passkey doesn't belong to that account.", code="passkey_invalid")
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=raw, expected_challenge=row.challenge, expected_rp_id=rp_id,
            expected_origin=origin, credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count, require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        audit.record("sign_in_failed", user_id=passkey.user_id, detail=type(exc).__name__)
        raise PasskeyError("Your passkey couldn't be verified. Please try again.",
                           code="passkey_invalid") from None
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    audit.record("sign_in", user_id=passkey.user_id, detail="passkey", commit=False)
    db.session.commit()
    return passkey.user


def rename(*, user: User, passkey_id: int, name: object) -> Passkey:
    """Rename one of ``user``'s passkeys."""
    passkey = _own(user, passkey_id)
    passkey.name = clean_passkey_name(name)
    db.session.commit()
    return passkey


def remove(*, user: User, passkey_id: int, keep_session: str | None = None) -> None:
    """Remove one of ``user``'s passkeys, never the last way in; other sessions end (all but
    the one ``keep_session`` names), in case the passkey was lost or stolen."""
    passkey = _own(user, passkey_id)
    if user.sign_in_methods <= 1:
        raise PasskeyError("This is your only way to sign in, so it can't be removed. Add "
                           "another passkey or a password first.", code="last_method")
    db.session.delete(passkey)
    audit.record("passkey_removed", user_id=user.id, commit=False)
    db.session.commit()
    sessions.end_all(user, keep_key=keep_session, reason="passkey_removed_sign_out")


def _own(user: User, passkey_id: int) -> Passkey:
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        audit.record("forbidden", user_id=user.id, detail=f"passkey {passkey_id}")
        raise DomainError("We couldn't find that passkey.", code="not_found")
    return passkey
