"""The bell (in-app notifications), push subscriptions, and the notification settings."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import (
    Blueprint,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.domain import notifications as nt
from app.domain.errors import DomainError
from app.errors import error_response, json_object, wants_json
from app.extensions import limiter
from app.services import notifications, webpush

bp = Blueprint("notifications", __name__)
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))

PUSH_LIMIT = "20 per minute"


@bp.app_context_processor
def bell() -> dict[str, object]:
    """Every signed-in page shows the bell with its count."""
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return {}  # mail rendered by the worker has no visitor
    if getattr(current_user, "role", "partner") != "partner":
        return {}  # therapists are told nothing here: their dashboard shows each couple
    return {"bell_unread": notifications.unread_count(current_user.id)}


@bp.get("/notifications")
@login_required
def inbox() -> ResponseReturnValue:
    """Everything Attune told you (or kept for you), newest first."""
    items = notifications.inbox(current_user.id)
    return render_template("notifications/inbox.html", items=items,
                           up_to=max((n.id for n in items), default=0))


@bp.post("/notifications/read")
@login_required
def mark_read() -> ResponseReturnValue:
    """The list was seen: what it showed (up to ``up_to``) no longer counts as new."""
    up_to = request.form.get("up_to", "")
    if not up_to.isdigit():
        return error_response(400, "Which notifications? Reload the page and try again.",
                              "invalid")
    notifications.mark_read(current_user.id, up_to=int(up_to))
    if wants_json(request):
        return jsonify(ok=True, unread=notifications.unread_count(current_user.id))
    return redirect(url_for("notifications.inbox"))


@bp.get("/api/push/key")
@login_required
def push_key() -> ResponseReturnValue:
    """The public key a browser subscribes with (absent when push is not set up)."""
    key = webpush.public_key()
    if key is None:
        return error_response(404, "Push notifications are not set up on this server.",
                              "push_unavailable")
    return jsonify(ok=True, key=key)


@bp.post("/api/push/subscribe")
@login_required
@limiter.limit(PUSH_LIMIT)
def subscribe() -> ResponseReturnValue:
    """Keep this browser's push subscription for the signed-in person (push turns on)."""
    body = json_object()
    try:
        notifications.subscribe(current_user.id, body.get("subscription"))
        tz = body.get("timezone")
        if isinstance(tz, str):
            notifications.adopt_timezone(current_user.id, tz)
    except DomainError as exc:
        return error_response(400, exc.message, exc.code)
    return jsonify(ok=True)


@bp.post("/api/push/unsubscribe")
@login_required
@limiter.limit(PUSH_LIMIT)
def unsubscribe() -> ResponseReturnValue:
    """Forget this browser's push subscription."""
    body = json_object()
    try:
        notifications.unsubscribe(current_user.id, body.get("endpoint"))
    except DomainError as exc:
        return error_response(400, exc.message, exc.code)
    return jsonify(ok=True)


@bp.post("/settings/notifications")
@login_required
def save() -> ResponseReturnValue:
    """Save what Attune tells you, how, and when it stays quiet."""
    from app.blueprints.settings import _page

    try:
        notifications.save_prefs(current_user.id, request.form)
    except notifications.SettingsError as exc:
        return _page(400, errors={f"notify_{exc.field}": exc.message}, notify_form=request.form)
    flash("Your notification choices are saved.", "success")
    return redirect(url_for("settings.index") + "#notifications")


def settings_context(user_id: int) -> dict[str, object]:
    """What the Settings page's notification card shows."""
    prefs = notifications.prefs_of(user_id)
    return {"notify": prefs, "notify_switches": [(s, nt.SWITCH_LABELS[s]) for s in nt.SWITCHES],
            "notify_clock": nt.clock,
            "notify_devices": notifications.subscription_count(user_id),
            "notify_zones": ZONES}
