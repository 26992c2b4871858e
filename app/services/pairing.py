"""Invites and couples: one active couple per person, each invite redeemed exactly once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.domain.accounts.digest import stored_form
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Couple, Invite, Membership, User
from app.models.types import utcnow
from app.services import audit

# Crockford-style alphabet: no 0/O, 1/I/L, so a code read aloud or typed on a phone survives.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


class PairingError(DomainError):
    """A pairing step that cannot happen; the message says why."""


@dataclass(frozen=True)
class NewInvite:
    """A fresh invite with its secret token, shown once to the inviter."""

    invite: Invite
    token: str


def normalize_code(raw: object) -> str:
    """Upper-case a typed code and drop spaces and dashes."""
    text = raw if isinstance(raw, str) else ""
    code = "".join(ch for ch in text.upper() if ch.isalnum())
    return code


def active_couple(user_id: int) -> Couple | None:
    """The user's current couple, if any."""
    return db.session.scalar(
        sa.select(Couple).join(Membership, Membership.couple_id == Couple.id)
        .where(Membership.user_id == user_id))


def couple_ids_of(user_id: int) -> list[int]:
    """Every couple the user has been part of (an unpaired couple's history stays theirs)."""
    return list(db.session.scalars(sa.select(Couple.id).where(sa.or_(
        Couple.partner_a_id == user_id, Couple.partner_b_id == user_id))).all())


def create_invite(user: User) -> NewInvite:
    """Make an invite (link token of 256 bits, short code); earlier open invites are revoked."""
    _partners_only(user)
    if active_couple(user.id) is not None:
        raise PairingError("You're already paired. Unpair first to invite someone else.",
                           code="already_paired")
    now = utcnow()
    db.session.execute(sa.update(Invite).where(
        Invite.inviter_id == user.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .values(revoked_at=now))
    token = secrets.token_urlsafe(32)
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(sa.select(Invite.id).where(Invite.code == code)) is None:
            break
    invite = Invite(inviter_id=user.id, token_hash=stored_form(token), code=code,
                    expires_at=now + current_app.config["INVITE_LIFETIME"])
    db.session.add(invite)
    db.session.commit()
    return NewInvite(invite=invite, token=token)


def open_invite(user: User) -> Invite | None:
    """The user's newest invite that can still be used."""
    return db.session.scalar(
        sa.select(Invite).where(Invite.inviter_id == user.id, Invite.used_at.is_(None),
                                Invite.revoked_at.is_(None), Invite.expires_at > utcnow())
        .order_by(Invite.id.desc()).limit(1))


def find_by_token(token: object) -> Invite:
    """Look an invite up by its link token."""
    if not isinstance(token, str) or not (20 <= len(token) <= 100):
        raise PairingError("That invite link isn't valid. Ask your partner for a new one.",
                           code="invite_unknown")
    invite = db.session.scalar(sa.select(Invite).where(Invite.token_hash == stored_form(token)))
    if invite is None:
        raise PairingError("That invite link isn't valid. Ask your partner for a new one.",
                           code="invite_unknown")
    return invite


def find_by_code(raw: object) -> Invite:
    """Look an invite up by its short code."""
    code = normalize_code(raw)
    if not code:
        raise PairingError("Please type the code your partner gave you.", code="code_missing")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise PairingError(f"Codes are {CODE_LENGTH} letters and numbers, like 7KQ4-MZ2P. "
                           "Please check it and try again.", code="code_invalid")
    invite = db.session.scalar(sa.select(Invite).where(Invite.code == code))
    if invite is None:
        raise PairingError("We don't know that code. Please check it, or ask your partner for "
                           "a new one.", code="invite_unknown")
    return invite


def _partners_only(user: User) -> None:
    """A therapist's account never pairs."""
    if user.role != "partner":
        raise PairingError("Therapist accounts don't pair: couples link to you instead.",
                           code="forbidden")


def check_redeemable(invite: Invite, user: User) -> None:
    """Raise the reason ``user`` cannot accept ``invite``, if there is one."""
    _partners_only(user)
    if invite.inviter_id == user.id:
        raise PairingError("This is your own invite. Send it to your partner to accept.",
                           code="own_invite")
    check_open(invite)
    if active_couple(user.id) is not None:
        raise PairingError("You're already paired. Unpair first to accept a new invite.",
                           code="already_paired")
    if active_couple(invite.inviter_id) is not None:
        raise PairingError("The person who invited you is already paired.",
                           code="inviter_paired")


def check_open(invite: Invite) -> None:
    """Raise why ``invite`` can no longer be accepted by anyone (used, replaced, expired)."""
    if invite.used_at is not None:
        raise PairingError("This invite has already been used. Ask your partner for a new one.",
                           code="invite_used")
    if invite.revoked_at is not None:
        raise PairingError("This invite was replaced by a newer one. Ask your partner for the "
                           "latest.", code="invite_used")
    if invite.expires_at <= utcnow():
        raise PairingError("This invite has expired. Ask your partner for a new one.",
                           code="invite_expired")


def redeem(invite: Invite, user: User) -> Couple:
    """Accept ``invite`` as ``user``: exactly one concurrent redeemer makes the couple."""
    check_redeemable(invite, user)
    now = utcnow()
    # The guarded UPDATE is the single point of truth: only one redeemer sees rowcount 1.
    claimed = db.session.execute(
        sa.update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None),
                                Invite.revoked_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by_id=user.id))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise PairingError("This invite has already been used. Ask your partner for a new one.",
                           code="invite_used")
    couple = Couple(partner_a_id=invite.inviter_id, partner_b_id=user.id)
    db.session.add(couple)
    try:
        db.session.flush()
        # The primary key on memberships.user_id stops anyone joining two couples at once.
        db.session.add_all([Membership(user_id=invite.inviter_id, couple_id=couple.id),
                            Membership(user_id=user.id, couple_id=couple.id)])
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise PairingError("One of you was paired a moment ago. Refresh to see.",
                           code="already_paired") from None
    audit.record("paired", user_id=user.id, detail=f"couple {couple.id}", commit=False)
    db.session.commit()
    from app.services.publisher import paired

    paired(couple)  # the inviter's waiting screen moves on by itself
    return couple


def unpair(user: User) -> Couple:
    """End the user's couple. Its history stays readable to both; no new exercises start."""
    couple = active_couple(user.id)
    if couple is None:
        raise PairingError("You're not paired right now.", code="not_paired")
    from app.services.exercises import end_live_for_unpair

    announce = end_live_for_unpair(couple, user)
    from app.services.therapy import end_links_of_couple

    links_ended = end_links_of_couple(couple, by=user.id, reason="unpaired")
    couple.ended_at = utcnow()
    couple.ended_by_id = user.id
    db.session.execute(sa.delete(Membership).where(Membership.couple_id == couple.id))
    audit.record("unpaired", user_id=user.id, detail=f"couple {couple.id}", commit=False)
    db.session.commit()
    announce()
    links_ended()
    return couple


def qr_svg(url: str) -> str:
    """The invite link as an SVG QR code, made on the server."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, dark="#2b2330",
                                   light="#ffffff", xmldecl=False, svgns=True,
                                   title="QR code of the invite link")
    return out.getvalue().decode()
