"""Settings: name, email and password; passkeys; signed-in devices and signing out."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.blueprints.links import public_url_for
from app.domain.errors import DomainError
from app.extensions import limiter
from app.security import (
    current_session_id,
    current_session_started,
    end_session,
    secret_in_address,
)
from app.services import accounts, passkeys, sessions
from app.services.accounts import AccountError

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


@bp.post("/settings/teaching")
@login_required
def teaching() -> ResponseReturnValue:
    """Opt in or out of letting the couple's corrections teach the guard (default: out)."""
    raw = request.form.get("teaches_guard", "")
    value: object = {"": False, "yes": True}.get(raw, raw)
    try:
        accounts.set_teaches_guard(current_user._get_current_object(), value=value)
    except AccountError as exc:
        return _account_error(exc)
    flash("Thank you: your corrections may teach the guard once your partner agrees too."
          if value else "Your corrections stay with the two of you.", "success")
    return redirect(url_for("settings.index"))


# --- Name, email and password (templates/settings/_account.html) ---------------------------

ACCOUNT_LIMIT = "10 per minute;50 per hour"


def _account_error(exc: AccountError) -> ResponseReturnValue:
    return _page(400, errors={exc.field or "form": exc.message}, account_form=request.form)


@bp.post("/settings/name")
@login_required
def change_name() -> ResponseReturnValue:
    """Change what Attune calls you."""
    try:
        accounts.change_name(current_user._get_current_object(), name=request.form.get("name"))
    except AccountError as exc:
        return _account_error(exc)
    flash("Your name is changed.", "success")
    return redirect(url_for("settings.index"))


@bp.post("/settings/email")
@login_required
@limiter.limit(ACCOUNT_LIMIT)
def change_email() -> ResponseReturnValue:
    """Ask to move the account to a new address (confirmed there; the old one is told)."""
    try:
        new = accounts.request_email_change(
            current_user._get_current_object(), new_email=request.form.get("new_email"),
            password=request.form.get("email_password"), signed_in_at=current_session_started(),
            confirm_link=lambda token: public_url_for("settings.confirm_email", token=token))
    except AccountError as exc:
        return _account_error(exc)
    flash(f"We sent a link to {new}. Your address changes when you open it.", "success")
    return redirect(url_for("settings.index"))


@bp.route("/settings/email/confirm/<token>", methods=["GET", "POST"])
@secret_in_address
def confirm_email(token: str) -> ResponseReturnValue:
    """The link sent to the new address (it works signed in or not)."""
    if request.method == "GET":
        return render_template("settings/confirm_email.html")
    try:
        user = accounts.confirm_email_change(token)
    except AccountError as exc:
        return render_template("auth/link_invalid.html", message=exc.message,
                               again=url_for("settings.index")), 404
    flash(f"Your account now uses {user.email}.", "success")
    return redirect(url_for("settings.index" if current_user.is_authenticated else
                            "auth.login"))


@bp.post("/settings/password")
@login_required
@limiter.limit(ACCOUNT_LIMIT)
def change_password() -> ResponseReturnValue:
    """Set a new password (or a first one); other devices are signed out."""
    user = current_user._get_current_object()
    had = bool(user.password_hash)
    try:
        accounts.change_password(user, current=request.form.get("current_password"),
                                 new=request.form.get("new_password"),
                                 signed_in_at=current_session_started(),
                                 keep_session=session.get("sk"))
    except AccountError as exc:
        return _account_error(exc)
    flash("Your password is changed. Other devices were signed out." if had else
          "Your password is set. Other devices were signed out.", "success")
    return redirect(url_for("settings.index"))


@bp.post("/settings/password/remove")
@login_required
@limiter.limit(ACCOUNT_LIMIT)
def remove_password() -> ResponseReturnValue:
    """Sign in with passkeys only (never the last way in)."""
    try:
        accounts.remove_password(current_user._get_current_object(),
                                 current=request.form.get("remove_password"),
                                 signed_in_at=current_session_started())
    except AccountError as exc:
        return _account_error(exc)
    flash("Your password is removed: you sign in with your passkeys.", "success")
    return redirect(url_for("settings.index"))
