"""Pairing: invite by link, code or QR; accept; unpair."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.blueprints.decorators import partner_account_required
from app.extensions import limiter
from app.models import Invite
from app.security import secret_in_address
from app.services import audit, pairing
from app.services.pairing import PairingError

bp = Blueprint("pairing", __name__)

REDEEM_LIMIT = "10 per minute;50 per hour"
# A session key's name, not a secret (bandit takes it for a password).
INVITE_TOKEN_KEY = "invite_token"  # nosec B105


def _shown_invite() -> tuple[Invite | None, str | None]:
    """The user's open invite and its token, if this session made it (only a hash is stored)."""
    token = session.get(INVITE_TOKEN_KEY)
    invite = pairing.open_invite(current_user)
    if invite is None or not token or pairing.find_by_token(token).id != invite.id:
        return None, None
    return invite, token


def _invite_link(token: str) -> str:
    return url_for("pairing.invite", token=token, _external=True)


@bp.get("/pair")
@partner_account_required
def pair() -> ResponseReturnValue:
    """Invite your partner, or type their code."""
    couple = pairing.active_couple(current_user.id)
    if couple is not None:
        return render_template("pairing/paired.html", couple=couple,
                               partner=couple.other(current_user.id))
    invite, token = _shown_invite()
    return render_template("pairing/pair.html", invite=invite,
                           link=_invite_link(token) if token else None, errors={}, form={})


@bp.post("/pair/invite")
@partner_account_required
@limiter.limit("10 per minute")
def create_invite() -> ResponseReturnValue:
    """Make a new invite (the last open one stops working)."""
    try:
        new = pairing.create_invite(current_user)
    except PairingError as exc:
        flash(exc.message, "error")
        return redirect(url_for("pairing.pair"))
    # The token is shown only to its inviter, in their own session; the database keeps a hash.
    session[INVITE_TOKEN_KEY] = new.token
    return redirect(url_for("pairing.pair"))


@bp.get("/pair/qr.svg")
@partner_account_required
def invite_qr() -> ResponseReturnValue:
    """The current invite link as a QR code."""
    _, token = _shown_invite()
    if token is None:
        abort(404)
    return Response(pairing.qr_svg(_invite_link(token)), mimetype="image/svg+xml")


@bp.get("/i/<token>")
@secret_in_address
def invite(token: str) -> ResponseReturnValue:
    """The page an invite link opens: who invited you, and a button to accept."""
    try:
        inv = pairing.find_by_token(token)
    except PairingError as exc:
        return _invite_error(exc, 404)
    problem = None
    if current_user.is_authenticated:
        try:
            pairing.check_redeemable(inv, current_user)
        except PairingError as exc:
            problem = exc.message
    else:
        try:
            pairing.check_open(inv)
        except PairingError as exc:  # used, replaced by a newer one, or expired: say which
            problem = exc.message
        else:
            session["after_login"] = url_for("pairing.invite", token=token)
    return render_template("pairing/invite.html", invite=inv, token=token, problem=problem)


@bp.post("/i/<token>")
@secret_in_address
@partner_account_required
@limiter.limit(REDEEM_LIMIT)
def accept(token: str) -> ResponseReturnValue:
    """Accept the invite behind a link."""
    try:
        pairing.redeem(pairing.find_by_token(token), current_user)
    except PairingError as exc:
        return _invite_error(exc, 409)
    flash("You're paired. Welcome, both of you.", "success")
    return redirect(url_for("main.home"))


@bp.post("/pair/code")
@partner_account_required
@limiter.limit(REDEEM_LIMIT)
def accept_code() -> ResponseReturnValue:
    """Accept an invite by its short code."""
    code = request.form.get("code", "")
    try:
        inv = pairing.find_by_code(code)
        pairing.redeem(inv, current_user)
    except PairingError as exc:
        audit.record("pair_code_failed", user_id=current_user.id, detail=exc.code)
        return render_template("pairing/pair.html", invite=None, link=None,
                               errors={"code": exc.message}, form=request.form), 400
    flash("You're paired. Welcome, both of you.", "success")
    return redirect(url_for("main.home"))


@bp.route("/pair/unpair", methods=["GET", "POST"])
@partner_account_required
def unpair() -> ResponseReturnValue:
    """Confirm, then end the couple."""
    couple = pairing.active_couple(current_user.id)
    if couple is None:
        flash("You're not paired right now.", "info")
        return redirect(url_for("pairing.pair"))
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            return render_template("pairing/unpair.html", partner=couple.other(current_user.id),
                                   error="Please tick the box to confirm."), 400
        pairing.unpair(current_user)
        flash("You're no longer paired. Your shared history stays readable to you both.", "info")
        return redirect(url_for("main.home"))
    return render_template("pairing/unpair.html", partner=couple.other(current_user.id),
                           error=None)


def _invite_error(exc: PairingError, status: int) -> ResponseReturnValue:
    return render_template("pairing/invite_error.html", message=exc.message), status
