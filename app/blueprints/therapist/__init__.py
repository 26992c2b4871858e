"""The therapist's side: the dashboard of linked couples, invites, homework, the printable
"before our next session" page and shared transcripts. Every view is for therapists only,
and every read of a couple is checked against both partners' consent (services)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.blueprints.decorators import therapist_required
from app.blueprints.exercises import charts
from app.domain import exercises as ex
from app.domain.errors import DomainError
from app.domain.exercises.catalog import STRICTNESS_LABELS
from app.domain.therapy import schedule
from app.domain.therapy.consent import LEVEL_WORDS
from app.extensions import limiter
from app.services import dashboard, homework, therapy

bp = Blueprint("therapist", __name__, url_prefix="/therapist")

INVITE_KEY = "therapist_invite"


@bp.app_template_filter("in_zone")
def in_zone(value: datetime, name: str) -> datetime:
    """A UTC time in a couple's time zone, for display."""
    return value.astimezone(schedule.zone(name))


def _shown_invite() -> tuple[str, str] | None:
    """The invite this session just made (link, code), while nobody has used it."""
    kept = session.get(INVITE_KEY)
    if not isinstance(kept, dict):
        return None
    for invite in therapy.open_invites(current_user):
        if invite.id == kept.get("id"):
            return url_for("sharing.invite", token=kept.get("token"), _external=True), \
                invite.code
    return None


@bp.get("")
@therapist_required
def index() -> ResponseReturnValue:
    """Every linked couple: homework done, due and not yet done, and what they share."""
    views, pending = dashboard.dashboard(current_user)
    return render_template("therapist/dashboard.html", views=views, pending=pending,
                           invite=_shown_invite(), profile=therapy.profile_of(current_user.id),
                           levels=LEVEL_WORDS)


@bp.post("/invites")
@therapist_required
@limiter.limit("20 per hour")
def create_invite() -> ResponseReturnValue:
    """A new single-use invite for a couple (a link and a code, valid for a week)."""
    new = therapy.create_invite(current_user)
    session[INVITE_KEY] = {"id": new.invite.id, "token": new.token}
    return redirect(url_for("therapist.index") + "#invite")


def _assign_form(form: dict[str, str] | None = None) -> dict[str, object]:
    today = date.today()
    return {"form": form or {"kind": "speaker_listener", "when": "repeat", "per_week": "3",
                             "weeks": "2", "due_on": (today + timedelta(days=7)).isoformat(),
                             "starts_on": today.isoformat(), "strictness": "gentle"},
            "catalog": ex.CATALOG.values(), "holds": STRICTNESS_LABELS}


@bp.get("/couples/<int:couple_id>")
@therapist_required
def couple(couple_id: int) -> ResponseReturnValue:
    """One couple: homework and how it stands, and what they share; assign more."""
    return _couple_page(couple_id)


def _couple_page(couple_id: int, *, error: str = "", form: dict[str, str] | None = None,
                 status: int = 200) -> ResponseReturnValue:
    """The couple's page, with the assignment form (and what was wrong with it)."""
    view = dashboard.couple_page(current_user, couple_id)
    return render_template("therapist/couple.html", view=view,
                           charts=charts.for_couple(view.insights),
                           errors={"assign": error} if error else {}, levels=LEVEL_WORDS,
                           **_assign_form(form)), status


def _form_problem(exc: DomainError) -> str:
    """What is wrong with a homework form, to show beside it; homework or a couple that isn't
    yours stays a 404."""
    if exc.code == "not_found":
        raise exc
    return exc.message


@bp.post("/couples/<int:couple_id>/homework")
@therapist_required
def assign(couple_id: int) -> ResponseReturnValue:
    """Assign homework to the couple."""
    form = request.form.to_dict()
    try:
        homework.assign(current_user, couple_id, form)
    except DomainError as exc:
        return _couple_page(couple_id, error=_form_problem(exc), form=form, status=400)
    flash("Homework assigned. The couple sees it on their Home screen.", "success")
    return redirect(url_for("therapist.couple", couple_id=couple_id))


@bp.route("/homework/<int:homework_id>", methods=["GET", "POST"])
@therapist_required
def edit_homework(homework_id: int) -> ResponseReturnValue:
    """Change a piece of homework."""
    hw, _acc = homework.owned(current_user, homework_id)
    form = {"kind": hw.kind, "topic": hw.topic, "note": hw.note, "strictness": hw.strictness,
            "when": "repeat" if hw.per_week else "due",
            "due_on": (hw.due_on or hw.starts_on).isoformat(),
            "starts_on": hw.starts_on.isoformat(), "per_week": str(hw.per_week or 3),
            "weeks": str(hw.weeks or 2)}
    error = ""
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            homework.edit(current_user, homework_id, form)
        except DomainError as exc:
            error = _form_problem(exc)
        else:
            flash("Homework changed.", "success")
            return redirect(url_for("therapist.couple", couple_id=hw.couple_id))
    return render_template("therapist/homework_edit.html", hw=hw, error=error,
                           **_assign_form(form)), 400 if error else 200


@bp.post("/homework/<int:homework_id>/withdraw")
@therapist_required
def withdraw_homework(homework_id: int) -> ResponseReturnValue:
    """Withdraw a piece of homework."""
    hw, _acc = homework.owned(current_user, homework_id)
    couple_id = hw.couple_id
    homework.withdraw(current_user, homework_id)
    flash("Homework withdrawn.", "success")
    return redirect(url_for("therapist.couple", couple_id=couple_id))


def _since(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@bp.get("/couples/<int:couple_id>/print")
@therapist_required
def print_page(couple_id: int) -> ResponseReturnValue:
    """"Before our next session": homework done since a date, the trends, and (only where
    both partners share conversations) the topics with links to their transcripts."""
    raw = request.args.get("since", "")
    since = _since(raw)
    if raw and since is None:
        flash("Pick a date for “since”; showing everything.", "error")
    view = dashboard.couple_page(current_user, couple_id, since=since,
                                 what="Print page: before our next session")
    return render_template("therapist/print.html", view=view,
                           charts=charts.for_couple(view.insights), since=since, levels=LEVEL_WORDS)


@bp.get("/couples/<int:couple_id>/exercises/<int:exercise_id>")
@therapist_required
def transcript(couple_id: int, exercise_id: int) -> ResponseReturnValue:
    """A shared transcript (only while both partners share conversations)."""
    view = dashboard.transcript(current_user, couple_id, exercise_id)
    return render_template("therapist/transcript.html", view=view, couple_id=couple_id)
