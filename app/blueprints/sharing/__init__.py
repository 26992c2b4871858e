"""Partners and their therapists: accepting an invite, choosing what to share, changing or
ending it, and Settings → Therapists (who is linked, what each of you chose, what the
therapist therefore sees, and every time they looked)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.blueprints.decorators import partner_account_required
from app.blueprints.exercises import charts
from app.domain.errors import DomainError
from app.domain.therapy.consent import DEFAULT_LEVEL, LEVEL_WORDS, LEVELS
from app.extensions import limiter
from app.models import Couple, TherapistInvite
from app.security import secret_in_address
from app.services import dashboard, therapy
from app.services.dashboard import CoupleView
from app.services.pairing import active_couple
from app.services.therapy import Access, LinkView

bp = Blueprint("sharing", __name__)

REDEEM_LIMIT = "10 per minute;50 per hour"


def _invite_page(token: str, *, problem: str | None = None, status: int = 200,
                 level: str = DEFAULT_LEVEL) -> ResponseReturnValue:
    invite = therapy.find_invite(token=token)
    if problem is None:
        try:
            therapy.check_invite_open(invite)
            if active_couple(current_user.id) is None:
                problem = "Pair with your partner first: a therapist links to the two of you."
        except DomainError as exc:
            problem = exc.message
    return render_template(
        "sharing/invite.html", token=token, problem=problem, level=level, levels=LEVEL_WORDS,
        profile=therapy.profile_of(invite.therapist_id),
        therapist=dashboard.therapist_name(invite.therapist_id)), status


def _partner_accepted(invite: TherapistInvite) -> ResponseReturnValue | None:
    """The invite was used by the user's partner: send them to choose in Settings."""
    if therapy.accepted_by_partner(invite, current_user) is None:
        return None
    flash("Your partner already accepted this invitation. Choose what you share below.",
          "info")
    return redirect(url_for("sharing.index"))


def _accept(invite: TherapistInvite, level: str | None) -> ResponseReturnValue:
    """Accept ``invite`` for the two of you (or, if your partner already used it, send you to
    choose in Settings). A DomainError says why it could not be accepted."""
    sent = _partner_accepted(invite)
    if sent is not None:
        return sent
    therapy.accept_invite(invite, current_user, level=level,
                          time_zone=request.form.get("time_zone"))
    flash("Accepted. Your therapist sees nothing until your partner accepts too.", "success")
    return redirect(url_for("sharing.index"))


@bp.get("/t/<token>")
@secret_in_address
@partner_account_required
def invite(token: str) -> ResponseReturnValue:
    """A therapist's invite: who they are, and what you choose to share."""
    try:
        return _partner_accepted(therapy.find_invite(token=token)) or _invite_page(token)
    except DomainError as exc:
        return render_template("sharing/invite_error.html", message=exc.message), 404


@bp.post("/t/<token>")
@secret_in_address
@partner_account_required
@limiter.limit(REDEEM_LIMIT)
def accept(token: str) -> ResponseReturnValue:
    """Accept a therapist's invite for the two of you."""
    level = request.form.get("level", "")
    try:
        return _accept(therapy.find_invite(token=token), level)
    except DomainError as exc:
        if exc.code == "invite_unknown":
            return render_template("sharing/invite_error.html", message=exc.message), 404
        return _invite_page(token, problem=exc.message, status=400,
                            level=level if level in LEVELS else DEFAULT_LEVEL)


@bp.post("/settings/therapists/code")
@partner_account_required
@limiter.limit(REDEEM_LIMIT)
def accept_code() -> ResponseReturnValue:
    """Accept a therapist's invite by its code."""
    try:
        return _accept(therapy.find_invite(code=request.form.get("code", "")),
                       request.form.get("level"))
    except DomainError as exc:
        return _page(400, code_error=exc.message, code=request.form.get("code", ""))


def _preview(lv: LinkView, couple: Couple) -> tuple[LinkView, CoupleView | None,
                                                     list[charts.Chart]]:
    """What the therapist would see right now, built the same way (not logged: it's you)."""
    if not lv.sees.any:
        return lv, None, []
    view = dashboard.couple_view(Access(link=lv.link, couple=couple, sees=lv.sees))
    return lv, view, charts.for_couple(view.insights)


def _page(status: int = 200, **context: object) -> ResponseReturnValue:
    couple = active_couple(current_user.id)
    previews = [] if couple is None else [
        _preview(lv, couple) for lv in therapy.links_of_couple(current_user)]
    partner = couple.other(current_user.id) if couple is not None else None
    return render_template("sharing/index.html", couple=couple, partner=partner,
                           previews=previews, levels=LEVEL_WORDS, default=DEFAULT_LEVEL,
                           when=therapy.when, **context), status


@bp.get("/settings/therapists")
@partner_account_required
def index() -> ResponseReturnValue:
    """Who is linked, what each of you chose, what they therefore see, and when they looked."""
    return _page()


@bp.post("/settings/therapists/<int:link_id>/sharing")
@partner_account_required
def choose(link_id: int) -> ResponseReturnValue:
    """Accept a link or change what you share; effective at once, open pages included."""
    try:
        sees = therapy.choose(current_user, link_id, level=request.form.get("level"),
                              time_zone=request.form.get("time_zone"))
    except DomainError as exc:
        if exc.code != "invalid":
            raise
        return _page(400, choice_error=exc.message, choice_link=link_id)
    flash("Saved. " + ("Your therapist now sees: " + LEVEL_WORDS[sees.level].lower() + "."
                       if sees.level else "They'll see it once you have both accepted."),
          "success")
    return redirect(url_for("sharing.index"))


@bp.post("/settings/therapists/<int:link_id>/end")
@partner_account_required
def end(link_id: int) -> ResponseReturnValue:
    """End the link: the therapist sees nothing from now on."""
    therapy.end_link(current_user, link_id)
    flash("Ended. Your therapist no longer sees anything of the two of you.", "success")
    return redirect(url_for("sharing.index"))
