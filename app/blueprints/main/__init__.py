"""Home, the offline page and the installable-app files."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.domain.exercises import screen_view
from app.services import homework, therapy
from app.services.exercises import live_exercise, state_of
from app.services.pairing import active_couple, open_invite
from app.services.presence import online_user_ids

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    """The couple at a glance, or the way to pair; a welcome for visitors."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    if current_user.role == "therapist":
        return redirect(url_for("therapist.index"))
    couple = active_couple(current_user.id)
    partner = couple.other(current_user.id) if couple else None
    online = online_user_ids([partner.id]) if partner else set()
    live = live_exercise(couple.id) if couple else None
    return render_template("main/home.html", couple=couple, partner=partner,
                           partner_online=bool(partner and partner.id in online),
                           invite=None if couple else open_invite(current_user),
                           homework=homework.items_of(couple, include_finished=False)
                           if couple else [],
                           therapists_waiting=therapy.waiting_on(current_user, couple)
                           if couple else [],
                           live=live, live_view=screen_view(state_of(live), viewer=current_user.id)
                           if live else None)


@bp.get("/help")
def safety() -> ResponseReturnValue:
    """Need help now? Crisis and abuse resources, open to anyone, signed in or not."""
    return render_template("main/help.html", resources=current_app.config["SAFETY_RESOURCES"],
                           emergency=current_app.config.get("SAFETY_EMERGENCY_NUMBER", ""))


@bp.get("/offline")
def offline() -> ResponseReturnValue:
    """Shown by the service worker when the network is gone."""
    return render_template("main/offline.html", public_page=True)


@bp.get("/manifest.webmanifest")
def manifest() -> ResponseReturnValue:
    """The web app manifest, so phones can install Attune."""
    resp = send_from_directory(current_app.static_folder or "", "manifest.webmanifest",
                               mimetype="application/manifest+json", max_age=3600)
    return resp


@bp.get("/sw.js")
def service_worker() -> ResponseReturnValue:
    """The service worker, served from the root so it controls every page."""
    resp = send_from_directory(current_app.static_folder or "", "js/sw.js",
                               mimetype="text/javascript", max_age=0)
    resp.headers["Service-Worker-Allowed"] = "/"
    return resp


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """For the proxy and process managers: 200 when the database (and Redis, when scaled out)
    answer, 503 naming what does not."""
    from app.services import health

    result = health.check()
    return result, 200 if result["ok"] else 503
