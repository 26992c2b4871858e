"""Settings: passkeys (list, add, rename, remove), signed-in devices and signing out."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.domain.errors import DomainError
from app.security import current_session_id, end_session
from app.services import passkeys, sessions

bp = Blueprint("settings", __name__)


@bp.get("/settings")
@login_required
def index() -> ResponseReturnValue:
    """Your account, your passkeys, and signing out."""
    return _page()


def _page(status: int = 200, **context: object) -> ResponseReturnValue:
    """The settings page with everything it lists; ``context`` adds errors and typed values."""
    context.setdefault("errors", {})
    return render_template("settings/index.html", passkeys=current_user.passkeys,
                           devices=sessions.of_user(current_user),
                           this_session=current_session_id(), **context), status


@bp.post("/settings/passkeys/<int:passkey_id>/rename")
@login_required
def rename(passkey_id: int) -> ResponseReturnValue:
    """Rename a passkey."""
    try:
        passkeys.rename(user=current_user, passkey_id=passkey_id, name=request.form.get("name"))
    except DomainError as exc:
        if exc.code == "not_found":
            raise
        return _page(400, errors={passkey_id: exc.message}, form=request.form)
    flash("Passkey renamed.", "success")
    return redirect(url_for("settings.index"))


@bp.post("/settings/passkeys/<int:passkey_id>/delete")
@login_required
def remove(passkey_id: int) -> ResponseReturnValue:
    """Remove a passkey (never the last way in); other devices are signed out."""
    user = current_user._get_current_object()
    try:
        passkeys.remove(user=user, passkey_id=passkey_id, keep_session=session.get("sk"))
    except DomainError as exc:
        if exc.code == "not_found":
            raise
        flash(exc.message, "error")
        return redirect(url_for("settings.index"))
    flash("Passkey removed. Other devices were signed out.", "success")
    return redirect(url_for("settings.index"))


@bp.post("/settings/sessions/<int:session_id>/end")
@login_required
def end_device(session_id: int) -> ResponseReturnValue:
    """Sign out one device: its session ends and its live sockets close at once."""
    if session_id == current_session_id():
        end_session()
        flash("You're signed out.", "info")
        return redirect(url_for("auth.login"))
    device = sessions.end_one(current_user._get_current_object(), session_id)
    if device is None:
        abort(404)
    flash(f"Signed out of {device}.", "success")
    return redirect(url_for("settings.index"))
