"""Invites and couples: links, codes, QR, bad cases, unpairing and concurrent redemption."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Couple, Invite, Membership, User
from app.models.types import utcnow
from app.services import pairing
from app.services.pairing import PairingError
from tests.conftest import create_user


@pytest.fixture
def ana(app: Any) -> User:
    return create_user("ana@example.com", "Ana")


@pytest.fixture
def ben(app: Any) -> User:
    return create_user("ben@example.com", "Ben")


def test_an_invite_has_a_strong_token_and_a_short_code(ana: User) -> None:
    new = pairing.create_invite(ana)
    assert len(new.token) >= 43  # 32 random bytes, base64url: 256 bits
    assert new.invite.token_hash != new.token  # only a hash is stored
    assert len(new.invite.code) == pairing.CODE_LENGTH
    assert pairing.find_by_token(new.token).id == new.invite.id
    assert pairing.find_by_code(new.invite.code.lower()[:4] + "-" + new.invite.code[4:]).id \
        == new.invite.id


def test_redeeming_makes_a_couple_and_uses_the_invite(ana: User, ben: User) -> None:
    new = pairing.create_invite(ana)
    couple = pairing.redeem(new.invite, ben)
    assert set(couple.partner_ids()) == {ana.id, ben.id}
    assert pairing.active_couple(ana.id).id == couple.id
    assert pairing.active_couple(ben.id).id == couple.id
    with pytest.raises(PairingError) as err:
        pairing.check_redeemable(new.invite, create_user("cy@example.com", "Cy"))
    assert err.value.code == "invite_used"


@pytest.mark.parametrize("case,code", [
    ("own", "own_invite"), ("expired", "invite_expired"), ("used", "invite_used"),
    ("paired", "already_paired"), ("replaced", "invite_used"),
])
def test_bad_redemptions_say_why_and_change_nothing(ana: User, ben: User, case: str,
                                                     code: str) -> None:
    new = pairing.create_invite(ana)
    redeemer = ben
    if case == "own":
        redeemer = ana
    elif case == "expired":
        new.invite.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    elif case == "used":
        pairing.redeem(new.invite, create_user("cy@example.com", "Cy"))
    elif case == "paired":
        dee = create_user("dee@example.com", "Dee")
        pairing.redeem(pairing.create_invite(dee).invite, ben)
    elif case == "replaced":
        pairing.create_invite(ana)
    couples_before = db.session.scalar(sa.select(sa.func.count(Couple.id)))
    with pytest.raises(PairingError) as err:
        pairing.redeem(new.invite, redeemer)
    assert err.value.code == code
    assert db.session.scalar(sa.select(sa.func.count(Couple.id))) == couples_before


@pytest.mark.parametrize("raw,code", [("", "code_missing"), ("ABC", "code_invalid"),
                                      ("22222222", "invite_unknown"), (None, "code_missing")])
def test_bad_codes_get_clear_errors(app: Any, raw: Any, code: str) -> None:
    with pytest.raises(PairingError) as err:
        pairing.find_by_code(raw)
    assert err.value.code == code


def test_unknown_token(app: Any) -> None:
    with pytest.raises(PairingError) as err:
        pairing.find_by_token("x" * 43)
    assert err.value.code == "invite_unknown"


def test_unpair_keeps_the_couple_as_history(ana: User, ben: User) -> None:
    couple = pairing.redeem(pairing.create_invite(ana).invite, ben)
    pairing.unpair(ben)
    db.session.expire_all()
    assert pairing.active_couple(ana.id) is None
    kept = db.session.get(Couple, couple.id)
    assert kept is not None and kept.ended_at is not None and kept.ended_by_id == ben.id
    with pytest.raises(PairingError):
        pairing.unpair(ben)
    # Either can pair again, with someone new.
    pairing.redeem(pairing.create_invite(ana).invite, create_user("cy@example.com", "Cy"))


def test_qr_code_is_svg_made_on_the_server(app: Any) -> None:
    svg = pairing.qr_svg("http://localhost/i/abc")
    assert svg.lstrip().startswith("<svg") and "<title>" in svg


def test_twenty_concurrent_redeemers_make_exactly_one_couple(app: Any, ana: User) -> None:
    people = [create_user(f"p{i}@example.com", f"P{i}").id for i in range(20)]
    invite_id = pairing.create_invite(ana).invite.id
    barrier = threading.Barrier(len(people), timeout=20)
    outcomes: list[str] = []

    def redeem(user_id: int) -> None:
        with app.app_context():
            barrier.wait()  # everyone starts together; each then loads and redeems
            try:
                user = db.session.get(User, user_id)
                invite = db.session.get(Invite, invite_id)
                pairing.redeem(invite, user)
                outcomes.append("paired")
            except PairingError as exc:
                outcomes.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=redeem, args=(uid,)) for uid in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("paired") == 1
    assert db.session.scalar(sa.select(sa.func.count(Couple.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 2
