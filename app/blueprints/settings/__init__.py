"""Settings: passkeys (list, add, rename, remove) and signing out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.domain.errors import DomainError
from app.security import start_session
from app.services import passkeys

bp = Blueprint("settings", __name__)


@bp.get("/settings")
@login_required
def index() -> ResponseReturnValue:
    """Your account, your passkeys, and signing out."""
    return render_template("settings/index.html", passkeys=current_user.passkeys, errors={})


@bp.post("/settings/passkeys/<int:passkey_id>/rename")
@login_required
def rename(passkey_id: int) -> ResponseReturnValue:
    """Rename a passkey."""
    try:
        passkeys.rename(user=current_user, passkey_id=passkey_id, name=request.form.get("name"))
    except DomainError as exc:
        if exc.code == "not_found":
            raise
        return render_template("settings/index.html", passkeys=current_user.passkeys,
                               errors={passkey_id: exc.message}, form=request.form), 400
    flash("Passkey renamed.", "success")
    return redirect(url_for("settings.index"))


@bp.post("/settings/passkeys/<int:passkey_id>/delete")
@login_required
def remove(passkey_id: int) -> ResponseReturnValue:
    """Remove a passkey (never the last way in); other devices are signed out."""
    from app.realtime.sessions import disconnect_user

    user = current_user._get_current_object()
    try:
        passkeys.remove(user=user, passkey_id=passkey_id)
    except DomainError as exc:
        if exc.code == "not_found":
            raise
        flash(exc.message, "error")
        return redirect(url_for("settings.index"))
    disconnect_user(user.id)
    start_session(user)  # this device stays signed in on a fresh session
    flash("Passkey removed. Other devices were signed out.", "success")
    return redirect(url_for("settings.index"))
