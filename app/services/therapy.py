"""Therapists and couples: invites, links, each partner's consent (with its history), what
the therapist therefore sees, the access log, and the therapist's live sockets.

What a therapist sees is decided by ``app/domain/therapy/consent.py`` alone; every read here
goes through ``access`` (or ``visibility_of``), which asks it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.domain.accounts.digest import stored_form
from app.domain.errors import DomainError
from app.domain.notifications import valid_timezone
from app.domain.therapy import consent
from app.domain.therapy.consent import Level, Visibility
from app.extensions import db
from app.models import (
    AccessEntry,
    ConsentChange,
    Couple,
    TherapistInvite,
    TherapistProfile,
    TherapistWatch,
    TherapyLink,
    User,
)
from app.models.types import utcnow
from app.services import audit, publisher
from app.services.pairing import (
    CODE_ALPHABET,
    CODE_LENGTH,
    active_couple,
    couple_ids_of,
    normalize_code,
)
from app.services.publisher import DomainEvent

INVITE_LIFETIME = timedelta(days=7)


class TherapyError(DomainError):
    """A linking or sharing step that cannot happen; the message says why."""


# --- roles ------------------------------------------------------------------------------------


def require_partner(user: User) -> None:
    """Exercises, pairing and sharing are for partners' accounts only."""
    if user.role != "partner":
        audit.record("forbidden", user_id=user.id, detail="therapist as partner")
        raise TherapyError("Therapist accounts can't do this: it's for couples.",
                           code="forbidden")


def require_therapist(user: User) -> None:
    """Homework and dashboards are for therapists' accounts only."""
    if user.role != "therapist":
        audit.record("forbidden", user_id=user.id, detail="partner as therapist")
        raise TherapyError("This is for therapists' accounts.", code="forbidden")


def profile_of(user_id: int) -> TherapistProfile | None:
    """A therapist's practice and licence note."""
    return db.session.get(TherapistProfile, user_id)


# --- invites ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewInvite:
    """A fresh invite with its secret token, shown once to the therapist."""

    invite: TherapistInvite
    token: str


def create_invite(therapist: User) -> NewInvite:
    """A single-use invite for one couple: a link (256-bit token) and a short code."""
    require_therapist(therapist)
    token = secrets.token_urlsafe(32)
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(sa.select(TherapistInvite.id).where(
                TherapistInvite.code == code)) is None:
            break
    invite = TherapistInvite(therapist_id=therapist.id, token_hash=stored_form(token),
                             code=code, expires_at=utcnow() + INVITE_LIFETIME)
    db.session.add(invite)
    db.session.commit()
    return NewInvite(invite=invite, token=token)


def open_invites(therapist: User) -> list[TherapistInvite]:
    """The therapist's invites nobody has used yet (and still valid)."""
    return list(db.session.scalars(sa.select(TherapistInvite).where(
        TherapistInvite.therapist_id == therapist.id, TherapistInvite.used_at.is_(None),
        TherapistInvite.expires_at > utcnow()).order_by(TherapistInvite.id.desc())))


def find_invite(*, token: object = None, code: object = None) -> TherapistInvite:
    """An invite by its link token or its typed code; a clear error if unknown."""
    unknown = TherapyError("We don't know that invitation. Please check it, or ask your "
                           "therapist for a new one.", code="invite_unknown")
    if token is not None:
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            raise unknown
        found = db.session.scalar(sa.select(TherapistInvite).where(
            TherapistInvite.token_hash == stored_form(token)))
    else:
        typed = normalize_code(code)
        if not typed:
            raise TherapyError("Please type the code your therapist gave you.",
                               code="code_missing")
        found = db.session.scalar(sa.select(TherapistInvite).where(
            TherapistInvite.code == typed))
    if found is None:
        raise unknown
    return found


def check_invite_open(invite: TherapistInvite) -> None:
    """Raise why an invite can no longer be accepted."""
    if invite.used_at is not None:
        raise TherapyError("This invitation was already used. Ask your therapist for a new "
                           "one.", code="invite_used")
    if invite.expires_at <= utcnow():
        raise TherapyError("This invitation has expired. Ask your therapist for a new one.",
                           code="invite_expired")


def accepted_by_partner(invite: TherapistInvite, user: User) -> TherapyLink | None:
    """The live link ``invite`` already made for the user's own couple (their partner used
    it), where the user still has to choose; else None."""
    if invite.link_id is None or user.role != "partner":
        return None
    link = db.session.get(TherapyLink, invite.link_id)
    couple = active_couple(user.id)
    if link is None or couple is None or link.couple_id != couple.id or \
            link.ended_at is not None:
        return None
    a, b = choices_of(link, couple)
    return link if (a if couple.partner_a_id == user.id else b) is None else None


def _couple_of(user: User) -> Couple:
    require_partner(user)
    couple = active_couple(user.id)
    if couple is None:
        raise TherapyError("Pair with your partner first: a therapist links to the two of "
                           "you.", code="not_paired")
    return couple


def set_time_zone(couple: Couple, name: object) -> None:
    """Keep the couple's time zone (in the current transaction) if it is a real one."""
    if isinstance(name, str) and valid_timezone(name):
        couple.time_zone = name


def accept_invite(invite: TherapistInvite, user: User, *, level: object,
                  time_zone: object = None) -> TherapyLink:
    """A partner accepts a therapist's invite for the couple, choosing what they share. The
    therapist sees nothing until the other partner accepts too."""
    chosen = consent.parse_level(level)
    couple = _couple_of(user)
    check_invite_open(invite)
    if active_link(invite.therapist_id, couple.id) is not None:
        raise TherapyError("You're already linked with this therapist.", code="already_linked")
    now = utcnow()
    claimed = db.session.execute(sa.update(TherapistInvite).where(
        TherapistInvite.id == invite.id, TherapistInvite.used_at.is_(None),
        TherapistInvite.expires_at > now).values(used_at=now))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise TherapyError("This invitation was already used. Ask your therapist for a new "
                           "one.", code="invite_used")
    link = TherapyLink(therapist_id=invite.therapist_id, couple_id=couple.id)
    db.session.add(link)
    db.session.flush()
    invite.link_id = link.id
    db.session.add(ConsentChange(link_id=link.id, user_id=user.id, level=chosen, at=now))
    set_time_zone(couple, time_zone)
    audit.record("therapist_link_started", user_id=user.id, detail=f"link {link.id}",
                 commit=False)
    db.session.commit()
    return link


def active_link(therapist_id: int, couple_id: int) -> TherapyLink | None:
    """The therapist's live link with the couple (pending or accepted), if any."""
    return db.session.scalar(sa.select(TherapyLink).where(
        TherapyLink.therapist_id == therapist_id, TherapyLink.couple_id == couple_id,
        TherapyLink.ended_at.is_(None)).order_by(TherapyLink.id.desc()).limit(1))


def _link_of_couple(user: User, link_id: object) -> tuple[TherapyLink, Couple]:
    """A live link of the user's own couple, else 'not found' (no hints about others)."""
    couple = _couple_of(user)
    link = db.session.get(TherapyLink, link_id) if isinstance(link_id, int) else None
    if link is None or link.couple_id != couple.id or link.ended_at is not None:
        audit.record("forbidden", user_id=user.id, detail=f"therapy link {link_id}")
        raise TherapyError("We couldn't find that therapist link.", code="not_found")
    return link, couple


def histories(link_ids: list[int]) -> dict[int, list[consent.Change]]:
    """Each link's consent history, oldest first (one query for many links)."""
    out: dict[int, list[consent.Change]] = {i: [] for i in link_ids}
    if link_ids:
        for r in db.session.scalars(sa.select(ConsentChange).where(
                ConsentChange.link_id.in_(link_ids)).order_by(ConsentChange.at,
                                                              ConsentChange.id)):
            out[r.link_id].append(consent.Change(user=r.user_id or 0,
                                                 level=r.level, at=r.at))  # type: ignore[arg-type]
    return out


def history(link_id: int) -> list[consent.Change]:
    """The link's consent history, oldest first."""
    return histories([link_id])[link_id]


def choices_of(link: TherapyLink, couple: Couple, changes: list[consent.Change] | None = None
               ) -> tuple[Level | None, Level | None]:
    """Each partner's current choice (partner a, partner b)."""
    return consent.current_choices(history(link.id) if changes is None else changes,
                                   couple.partner_ids())


def visibility_of(link: TherapyLink, couple: Couple,
                  changes: list[consent.Change] | None = None) -> Visibility:
    """What the therapist sees of the couple now: the narrower of the two choices."""
    active = link.ended_at is None and couple.active
    return consent.visibility(choices_of(link, couple, changes), active=active)


def _event(name: str, link: TherapyLink, couple: Couple, **data: object) -> DomainEvent:
    return DomainEvent(name=name, couple_id=couple.id, therapist_id=link.therapist_id,
                       link_id=link.id, partner_ids=couple.partner_ids(), data=data)


def choose(user: User, link_id: object, *, level: object, time_zone: object = None) -> Visibility:
    """Accept a pending link, or change what you share; effective at once."""
    chosen = consent.parse_level(level)
    link, couple = _link_of_couple(user, link_id)
    before = visibility_of(link, couple)
    db.session.add(ConsentChange(link_id=link.id, user_id=user.id, level=chosen, at=utcnow()))
    set_time_zone(couple, time_zone)
    audit.record("therapist_sharing", user_id=user.id, detail=f"link {link.id}: {chosen}",
                 commit=False)
    db.session.commit()
    after = visibility_of(link, couple)
    if not before.any and after.any:
        publisher.announce(_event(publisher.THERAPIST_LINKED, link, couple, level=after.level))
    elif before != after or before.any:
        publisher.announce(_event(publisher.SHARING_CHANGED, link, couple, level=after.level,
                                  by=user.id))
    return after


def end_link(user: User, link_id: object) -> None:
    """End (or decline) a therapist link: the therapist sees nothing from now on."""
    link, couple = _link_of_couple(user, link_id)
    announce = _end(link, couple, by=user.id, reason="ended by a partner")
    audit.record("therapist_link_ended", user_id=user.id, detail=f"link {link.id}",
                 commit=False)
    db.session.commit()
    announce()


def _end(link: TherapyLink, couple: Couple, *, by: int | None, reason: str) -> Callable[[], None]:
    """End one link in the current transaction; returns what to publish after the commit."""
    now = utcnow()
    link.ended_at = now
    link.ended_by_id = by
    link.end_reason = reason
    db.session.add(ConsentChange(link_id=link.id, user_id=by, level=None, at=now))
    event = _event(publisher.LINK_ENDED, link, couple, reason=reason)
    return lambda: publisher.announce(event)


def end_links_of_couple(couple: Couple, *, by: int | None, reason: str) -> Callable[[], None]:
    """Unpairing or an account deletion ends every link of the couple (inside the caller's
    transaction); returns what to publish once it commits."""
    links = db.session.scalars(sa.select(TherapyLink).where(
        TherapyLink.couple_id == couple.id, TherapyLink.ended_at.is_(None))).all()
    announcements = [_end(link, couple, by=by, reason=reason) for link in links]

    def announce() -> None:
        for each in announcements:
            each()

    return announce


def end_links_of_therapist(therapist: User, *, reason: str) -> Callable[[], None]:
    """A therapist deleting their account ends every link they have (in the caller's
    transaction); returns what to publish once it commits."""
    rows = db.session.execute(sa.select(TherapyLink, Couple).join(
        Couple, Couple.id == TherapyLink.couple_id).where(
        TherapyLink.therapist_id == therapist.id, TherapyLink.ended_at.is_(None))).all()
    announcements = [_end(link, couple, by=therapist.id, reason=reason) for link, couple in rows]
    db.session.execute(sa.update(TherapistInvite).where(
        TherapistInvite.therapist_id == therapist.id, TherapistInvite.used_at.is_(None))
        .values(expires_at=utcnow()))

    def announce() -> None:
        for each in announcements:
            each()

    return announce


# --- reading a couple as a therapist ----------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """A therapist's way into one couple: the link, the couple and what they may see."""

    link: TherapyLink
    couple: Couple
    sees: Visibility


def access(therapist: User, couple_id: object, *, need: str = "completion") -> Access:
    """The therapist's access to a linked couple, checked against both partners' consent;
    'not found' for anyone else's couple, or when they no longer share what ``need`` is."""
    require_therapist(therapist)
    couple = db.session.get(Couple, couple_id) if isinstance(couple_id, int) else None
    link = active_link(therapist.id, couple.id) if couple is not None else None
    sees = visibility_of(link, couple) if link is not None and couple is not None \
        else consent.NOTHING
    if link is None or couple is None or not getattr(sees, need):
        audit.record("forbidden", user_id=therapist.id, detail=f"couple {couple_id} ({need})")
        raise TherapyError("We couldn't find that couple, or they don't share this with "
                           "you.", code="not_found")
    return Access(link=link, couple=couple, sees=sees)


def log_access(acc: Access, what: str, *, commit: bool = True) -> None:
    """Note that the therapist opened the couple's data (both partners can read the log)."""
    db.session.add(AccessEntry(link_id=acc.link.id, couple_id=acc.couple.id,
                               therapist_id=acc.link.therapist_id, what=what[:120],
                               level=acc.sees.level or ""))
    audit.record("therapist_read", user_id=acc.link.therapist_id,
                 detail=f"couple {acc.couple.id}: {what}"[:200], commit=False)
    if commit:
        db.session.commit()


def links_of_therapist(therapist: User) -> list[tuple[TherapyLink, Couple]]:
    """Every live link of the therapist with an active couple, oldest first."""
    rows = db.session.execute(sa.select(TherapyLink, Couple).join(
        Couple, Couple.id == TherapyLink.couple_id).where(
        TherapyLink.therapist_id == therapist.id, TherapyLink.ended_at.is_(None),
        Couple.ended_at.is_(None)).order_by(TherapyLink.id)).all()
    return [(link, couple) for link, couple in rows]


# --- the couple's side ------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkView:
    """One therapist link as a partner sees it in Settings → Therapists."""

    link: TherapyLink
    therapist: User
    profile: TherapistProfile | None
    mine: Level | None
    partner: Level | None
    sees: Visibility
    history: list[consent.Change]
    log: list[AccessEntry]


def links_of_couple(user: User) -> list[LinkView]:
    """Every live link of the user's couple (pending and accepted), with what each partner
    chose, what the therapist therefore sees, the consent history and the access log."""
    couple = _couple_of(user)
    views = []
    for link in db.session.scalars(sa.select(TherapyLink).where(
            TherapyLink.couple_id == couple.id, TherapyLink.ended_at.is_(None))
            .order_by(TherapyLink.id)):
        a, b = choices_of(link, couple)
        mine, theirs = (a, b) if couple.partner_a_id == user.id else (b, a)
        therapist = db.session.get(User, link.therapist_id)
        if therapist is None:  # the account went with its links (cascade): nothing to show
            continue
        log = list(db.session.scalars(sa.select(AccessEntry).where(
            AccessEntry.link_id == link.id).order_by(AccessEntry.at.desc()).limit(200)))
        views.append(LinkView(link=link, therapist=therapist, profile=profile_of(therapist.id),
                              mine=mine, partner=theirs, sees=visibility_of(link, couple),
                              history=history(link.id), log=log))
    return views


def export_of(user_id: int) -> list[dict[str, object]]:
    """The therapist links of every couple the user has been in, for their data export: who,
    each choice made (by you or your partner), and every time the therapist looked."""
    couple_ids = couple_ids_of(user_id)
    if not couple_ids:
        return []
    out: list[dict[str, object]] = []
    for link in db.session.scalars(sa.select(TherapyLink).where(
            TherapyLink.couple_id.in_(couple_ids)).order_by(TherapyLink.id)):
        therapist = db.session.get(User, link.therapist_id)
        profile = profile_of(link.therapist_id)
        out.append({
            "therapist": therapist.display_name if therapist is not None else "",
            "practice": profile.practice_name if profile is not None else "",
            "linked_at": link.created_at.isoformat(),
            "ended_at": None if link.ended_at is None else link.ended_at.isoformat(),
            "choices": [{"by": "you" if c.user == user_id else "partner", "level": c.level,
                         "at": c.at.isoformat()} for c in history(link.id)],
            "access_log": [{"what": e.what, "at": e.at.isoformat()} for e in db.session.scalars(
                sa.select(AccessEntry).where(AccessEntry.link_id == link.id)
                .order_by(AccessEntry.at))],
        })
    return out


def waiting_on(user: User, couple: Couple) -> list[str]:
    """The names of therapists whose link waits for ``user`` to accept (their partner has)."""
    names = []
    for link in db.session.scalars(sa.select(TherapyLink).where(
            TherapyLink.couple_id == couple.id, TherapyLink.ended_at.is_(None))):
        a, b = choices_of(link, couple)
        mine = a if couple.partner_a_id == user.id else b
        if mine is None:
            therapist = db.session.get(User, link.therapist_id)
            names.append(therapist.display_name if therapist is not None else "A therapist")
    return names


# --- live sockets -----------------------------------------------------------------------------


def watch(therapist: User, couple_id: object, sid: str) -> Access:
    """Follow a couple live (a therapist's socket); checked like a page, and logged."""
    acc = access(therapist, couple_id)
    db.session.merge(TherapistWatch(sid=sid, couple_id=acc.couple.id,
                                    therapist_id=therapist.id, at=utcnow()))
    db.session.commit()
    return acc


def forget_watches(*, therapist_id: int, couple_id: int) -> list[str]:
    """Drop the therapist's watches of a couple; returns their socket ids, to close."""
    sids = list(db.session.scalars(sa.select(TherapistWatch.sid).where(
        TherapistWatch.therapist_id == therapist_id, TherapistWatch.couple_id == couple_id)))
    if sids:
        db.session.execute(sa.delete(TherapistWatch).where(
            TherapistWatch.therapist_id == therapist_id,
            TherapistWatch.couple_id == couple_id))
        db.session.commit()
    return sids


def socket_closed(sid: str) -> None:
    """A therapist's socket went away: forget what it followed."""
    db.session.execute(sa.delete(TherapistWatch).where(TherapistWatch.sid == sid))
    db.session.commit()


def when(value: datetime) -> str:
    """A UTC time as the access log and history show it."""
    return value.strftime("%-d %b %Y, %H:%M UTC")
