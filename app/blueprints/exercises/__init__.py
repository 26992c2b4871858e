"""Exercises: the catalog, proposing, the live exercise screen, and the shared history."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.blueprints.decorators import partner_required
from app.domain import exercises as ex
from app.domain.errors import DomainError
from app.errors import json_object
from app.services import exercises

bp = Blueprint("exercises", __name__)


@bp.get("/exercises")
@partner_required
def index() -> ResponseReturnValue:
    """Choose an exercise to propose, or go back to the one in progress."""
    live = exercises.live_exercise(g.couple.id)
    return render_template("exercises/index.html", catalog=ex.CATALOG.values(), live=live,
                           partner=g.couple.other(current_user.id), errors={}, form={})


@bp.post("/exercises")
@partner_required
def propose_form() -> ResponseReturnValue:
    """Propose from the catalog form."""
    payload = {"kind": request.form.get("kind", ""),
               "topic": request.form.get("topic", ""),
               "first_speaker": request.form.get("first_speaker", "random"),
               "strictness": request.form.get("strictness", "gentle")}
    try:
        exercise = exercises.propose(current_user, payload)
    except DomainError as exc:
        return render_template("exercises/index.html", catalog=ex.CATALOG.values(),
                               live=exercises.live_exercise(g.couple.id),
                               partner=g.couple.other(current_user.id),
                               errors={"form": exc.message}, form=request.form), 400
    return redirect(url_for("exercises.live", exercise_id=exercise.id))


@bp.post("/api/exercises")
@login_required
def propose_json() -> ResponseReturnValue:
    """Propose with JSON ``{kind, first_speaker, topic?, strictness?}``."""
    exercise = exercises.propose(current_user, json_object())
    return jsonify(ok=True, exercise_id=exercise.id,
                   url=url_for("exercises.live", exercise_id=exercise.id)), 201


@bp.get("/exercises/<int:exercise_id>")
@login_required
def live(exercise_id: int) -> ResponseReturnValue:
    """The live exercise screen (the socket fills it in and keeps it current)."""
    exercise = exercises.load_for(current_user, exercise_id)
    state = exercises.state_of(exercise)
    if state.phase not in exercises.LIVE_PHASES:
        return redirect(url_for("exercises.transcript", exercise_id=exercise.id))
    view = exercises.view_for(state, current_user.id)
    partner = exercises.partner_of(exercise, current_user.id)
    return render_template("exercises/live.html", exercise=exercise, view=view,
                           partner=partner, kind=ex.get_kind(state.kind))


@bp.get("/history")
@login_required
def history() -> ResponseReturnValue:
    """Every exercise the two of you have done, newest first."""
    items = [(e, exercises.state_of(e)) for e in exercises.history_for(current_user)]
    return render_template("exercises/history.html", items=items, catalog=ex.CATALOG)


@bp.get("/history/<int:exercise_id>")
@login_required
def transcript(exercise_id: int) -> ResponseReturnValue:
    """One exercise's transcript, as you may see it."""
    exercise = exercises.load_for(current_user, exercise_id)
    data = exercises.replay(current_user, exercise_id=exercise.id, after_seq=0)
    partner = exercises.partner_of(exercise, current_user.id)
    return render_template("exercises/transcript.html", exercise=exercise, data=data,
                           partner=partner, kind=ex.get_kind(exercise.kind))
