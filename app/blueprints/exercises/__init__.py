"""Exercises: the catalog, proposing, the live exercise screen, and the shared history."""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter
from typing import Any

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.blueprints.decorators import partner_account_required, partner_required
from app.blueprints.exercises import charts
from app.domain import exercises as ex
from app.domain.errors import DomainError
from app.domain.exercises import prompts as deck
from app.domain.exercises.catalog import STRICTNESS_LABELS
from app.errors import json_object
from app.services import exercises, homework, prompts
from app.services import history as past

bp = Blueprint("exercises", __name__)

DEFAULT_KIND = "speaker_listener"
SURPRISE = "surprise"  # the form's "Surprise me" choice: we pick the prompt when proposing


def _form_page(form: dict[str, Any], *, errors: dict[str, str] | None = None,
               status: int = 200) -> ResponseReturnValue:
    """The proposal form with every prompt (the page's script narrows them to the exercise)."""
    live = exercises.live_exercise(g.couple.id)
    kind = form.get("kind") if form.get("kind") in ex.CATALOG else DEFAULT_KIND
    groups = [(title, list(items)) for title, items in
              groupby(prompts.choices(g.couple), key=attrgetter("deck"))]
    return render_template(
        "exercises/index.html", catalog=ex.CATALOG.values(), live=live,
        partner=g.couple.other(current_user.id), errors=errors or {},
        form={**form, "kind": kind}, prompt_groups=groups, surprise=SURPRISE,
        holds=STRICTNESS_LABELS), status


@bp.get("/exercises")
@partner_required
def index() -> ResponseReturnValue:
    """Choose an exercise (and a prompt) to propose, or go back to the one in progress;
    from a piece of homework, its exercise, topic and strictness are filled in."""
    raw = request.args.get("homework", "")
    if raw.isdecimal() and len(raw) < 10:
        try:
            hw = homework.for_start(g.couple, int(raw))
        except DomainError as exc:
            flash(exc.message, "info")
        else:
            return _form_page({"kind": hw.kind, "topic": hw.topic, "strictness": hw.strictness,
                               "homework_id": str(hw.id), "homework_note": hw.note})
    return _form_page({"kind": request.args.get("kind", DEFAULT_KIND)})


@bp.post("/exercises")
@partner_required
def propose_form() -> ResponseReturnValue:
    """Propose from the catalog form, with a prompt chosen, none, or "surprise me"."""
    form = {"kind": request.form.get("kind", ""),
            "topic": request.form.get("topic", ""),
            "prompt": request.form.get("prompt", ""),
            "first_speaker": request.form.get("first_speaker", "random"),
            "strictness": request.form.get("strictness", "gentle"),
            "homework_id": request.form.get("homework_id", "")}
    payload = {key: form[key] for key in ("kind", "topic", "first_speaker", "strictness")}
    raw_hw = form["homework_id"]
    homework_id = int(raw_hw) if raw_hw.isdecimal() and len(raw_hw) < 10 else None
    try:
        choice = form["prompt"]
        if choice == SURPRISE:
            choice = prompts.surprise(g.couple, form["kind"]).ref
        exercise = exercises.propose(current_user, {**payload, **deck.proposal_fields(choice)},
                                     homework_id=homework_id)
    except DomainError as exc:
        return _form_page(form, errors={"form": exc.message}, status=400)
    return redirect(url_for("exercises.live", exercise_id=exercise.id))


@bp.post("/api/exercises")
@partner_account_required
def propose_json() -> ResponseReturnValue:
    """Propose with JSON ``{kind, first_speaker, topic?, strictness?, prompt_id? | own_prompt_id?,
    homework_id?}`` (a homework id makes the finished exercise count for that homework)."""
    body = json_object()
    homework_id = body.pop("homework_id", None)
    exercise = exercises.propose(current_user, body, homework_id=homework_id)
    return jsonify(ok=True, exercise_id=exercise.id,
                   url=url_for("exercises.live", exercise_id=exercise.id)), 201


# --- prompts ----------------------------------------------------------------------------------


@bp.get("/prompts")
@partner_required
def own_prompts() -> ResponseReturnValue:
    """The prompts the two of you wrote, and a form to write another."""
    return render_template("exercises/prompts.html", own=prompts.own_prompts(g.couple.id),
                           error="", text="", max_len=deck.PROMPT_MAX)


@bp.post("/prompts")
@partner_required
def add_own_prompt() -> ResponseReturnValue:
    """Keep a new prompt of your own."""
    text = request.form.get("text", "")
    try:
        prompts.add_own(g.couple, current_user.id, text)
    except DomainError as exc:
        return render_template("exercises/prompts.html", own=prompts.own_prompts(g.couple.id),
                               error=exc.message, text=text, max_len=deck.PROMPT_MAX), 400
    flash("Kept. You'll find it when you propose an exercise.", "success")
    return redirect(url_for("exercises.own_prompts"))


@bp.post("/prompts/<int:prompt_id>/delete")
@partner_required
def remove_own_prompt(prompt_id: int) -> ResponseReturnValue:
    """Remove one of your own prompts."""
    prompts.remove_own(g.couple, current_user.id, prompt_id)
    flash("Removed.", "success")
    return redirect(url_for("exercises.own_prompts"))


def _choice_json(c: prompts.Choice) -> dict[str, Any]:
    return {"ref": c.ref, "text": c.text, "deck": c.deck, "used": c.used, "last": c.last,
            "suits": sorted(c.suits)}


@bp.get("/api/prompts")
@partner_account_required
def prompts_json() -> ResponseReturnValue:
    """Prompts for ``?kind=`` (all without it), each marked ``used`` and ``last``."""
    couple = exercises.couple_of(current_user)
    kind = request.args.get("kind") or None
    return jsonify(ok=True, kind=kind,
                   prompts=[_choice_json(c) for c in prompts.choices(couple, kind)])


@bp.get("/api/prompts/surprise")
@partner_account_required
def surprise_json() -> ResponseReturnValue:
    """One prompt for ``?kind=``: never the last one used, fresh ones first."""
    couple = exercises.couple_of(current_user)
    return jsonify(ok=True, prompt=_choice_json(
        prompts.surprise(couple, request.args.get("kind", DEFAULT_KIND))))


@bp.post("/api/prompts")
@partner_account_required
def add_prompt_json() -> ResponseReturnValue:
    """Keep a prompt of your own: ``{"text": 1–200 characters}``."""
    couple = exercises.couple_of(current_user)
    prompt = prompts.add_own(couple, current_user.id, json_object().get("text"))
    return jsonify(ok=True, prompt={"id": prompt.id, "ref": deck.own_ref(prompt.id),
                                    "text": prompt.text}), 201


@bp.post("/api/prompts/<int:prompt_id>/delete")
@partner_account_required
def remove_prompt_json(prompt_id: int) -> ResponseReturnValue:
    """Remove one of your own prompts."""
    prompts.remove_own(exercises.couple_of(current_user), current_user.id, prompt_id)
    return jsonify(ok=True)


@bp.get("/exercises/<int:exercise_id>")
@partner_account_required
def live(exercise_id: int) -> ResponseReturnValue:
    """The live exercise screen (the socket fills it in and keeps it current)."""
    exercise = exercises.load_for(current_user, exercise_id)
    state = exercises.state_of(exercise)
    if state.phase not in exercises.LIVE_PHASES:
        return redirect(url_for("exercises.transcript", exercise_id=exercise.id))
    view = ex.screen_view(state, viewer=current_user.id)
    partner = exercises.partner_of(exercise, current_user.id)
    return render_template("exercises/live.html", exercise=exercise, view=view,
                           partner=partner, kind=ex.get_kind(state.kind))


@bp.get("/history")
@partner_account_required
def history() -> ResponseReturnValue:
    """Every exercise the two of you have done, newest first, with filters and search."""
    try:
        filters = past.parse_filters(request.args)
    except DomainError as exc:
        page = past.history_page(current_user, past.Filters())
        return render_template("exercises/history.html", page=page, form=request.args,
                               error=exc.message, **_list_choices()), 400
    page = past.history_page(current_user, filters)
    return render_template("exercises/history.html", page=page, form=request.args, error="",
                           **_list_choices())


def _list_choices() -> dict[str, object]:
    return {"kinds": [(k.slug, k.title) for k in ex.CATALOG.values()],
            "periods": [(key, label) for key, (label, _days) in past.PERIODS.items()]}


@bp.get("/history/<int:exercise_id>")
@partner_account_required
def transcript(exercise_id: int) -> ResponseReturnValue:
    """One exercise as you may see it; a finished one ends on its debrief."""
    page = past.exercise_page(current_user, exercise_id)
    return render_template("exercises/transcript.html", page=page,
                           kind=ex.get_kind(page.state.kind))


@bp.get("/insights")
@partner_account_required
def insights() -> ResponseReturnValue:
    """Your listening over time: numbers, trends and charts drawn on the server."""
    page = past.insights_for(current_user)
    return render_template("exercises/insights.html", page=page, charts=charts.for_page(page))
