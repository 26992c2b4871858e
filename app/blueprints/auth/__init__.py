"""Sign up, sign in (passkey or password) and sign out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.blueprints.links import public_url_for
from app.errors import json_object
from app.extensions import limiter
from app.security import end_session, secret_in_address, start_session
from app.services import accounts, passkeys, sessions
from app.services.accounts import AccountError

bp = Blueprint("auth", __name__)

SIGNIN_LIMIT = "10 per minute;60 per hour"
SIGNUP_LIMIT = "5 per minute;30 per hour"
PASSKEY_LIMIT = "20 per minute;120 per hour"
RESET_LIMIT = "5 per minute;20 per hour"
# The emailed link's token, kept between passkey calls under this session key (bandit takes
# the key's name for a password).
SIGN_UP_TOKEN = "signup_token"  # nosec B105


def _next_url() -> str:
    """A safe local place to go after signing in (never another site)."""
    target = request.values.get("next", "") or session.pop("after_login", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return url_for("main.home")


def _remember_next() -> None:
    """Keep where to go after signing in (an invite page, say) across the sign-in pages."""
    if request.args.get("next"):
        session["after_login"] = _next_url()


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(SIGNUP_LIMIT, methods=["POST"])
def signup() -> ResponseReturnValue:
    """Start an account: a link to finish it is emailed (the same answer for any address)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    _remember_next()
    errors: dict[str, str] = {}
    therapist = (request.values.get("as") == "therapist")
    if request.method == "POST":
        errors = accounts.sign_up_problems(email=request.form.get("email"),
                                           name=request.form.get("name"))
        if therapist:
            try:
                _therapist_details(request.form)
            except AccountError as exc:
                errors[exc.field] = exc.message
        if not errors:
            _request_sign_up(request.form)
            return redirect(url_for("auth.signup_sent"))
    return render_template("auth/signup.html", errors=errors, form=request.form,
                           therapist=therapist), (400 if errors else 200)


def _therapist_details(data: Mapping[str, Any]) -> dict[str, str] | None:
    """A therapist's sign-up carries the practice name and licence note (checked)."""
    if data.get("as") != "therapist":
        return None
    return accounts.therapist_details(practice=data.get("practice"),
                                      licence=data.get("licence"))


def _request_sign_up(data: Mapping[str, Any]) -> None:
    accounts.request_sign_up(
        email=data.get("email"), name=data.get("name"),
        finish_link=lambda token: public_url_for("auth.signup_finish", token=token),
        sign_in_link=public_url_for("auth.login"), reset_link=public_url_for("auth.forgot"),
        therapist=_therapist_details(data))


@bp.get("/signup/sent")
def signup_sent() -> ResponseReturnValue:
    """Check your email: the link there finishes the sign-up."""
    return render_template("auth/signup_sent.html")


@bp.route("/signup/finish/<token>", methods=["GET", "POST"])
@secret_in_address
@limiter.limit(SIGNUP_LIMIT, methods=["POST"])
def signup_finish(token: str) -> ResponseReturnValue:
    """The emailed link: choose a passkey or a password, and the account is made."""
    errors: dict[str, str] = {}
    try:
        pending = accounts.check_sign_up_link(token)
        if request.method == "POST":
            user = accounts.finish_sign_up_with_password(
                token=token, password=request.form.get("password"))
            target = _next_url()  # read before the new session replaces the old one
            start_session(user)
            flash(f"Welcome to Attune, {user.display_name}.", "success")
            return redirect(target)
    except AccountError as exc:
        if exc.code == "link_invalid":
            return render_template("auth/link_invalid.html", message=exc.message,
                                   again=url_for("auth.signup")), 404
        errors[exc.field or "form"] = exc.message
    return render_template("auth/signup_finish.html", pending=pending, token=token,
                           errors=errors), 400 if errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(SIGNIN_LIMIT, methods=["POST"])
def login() -> ResponseReturnValue:
    """Sign in with a passkey (on the page) or an email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    _remember_next()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            user = accounts.authenticate(email=request.form.get("email"),
                                         password=request.form.get("password"))
        except AccountError as exc:
            errors["form"] = exc.message
            status = 429 if exc.code == "throttled" else 401
        else:
            target = _next_url()
            start_session(user)
            return redirect(target)
    return render_template("auth/login.html", errors=errors, form=request.form), (
        status if errors else 200)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT, methods=["POST"])
def forgot() -> ResponseReturnValue:
    """Ask for a password reset link; the answer never says whether the address has an account."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            accounts.request_password_reset(
                email=request.form.get("email"),
                reset_link=lambda token: public_url_for("auth.reset", token=token),
                sign_up_link=public_url_for("auth.signup"))
        except AccountError as exc:
            errors["email"] = exc.message
        else:
            return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html", errors=errors, form=request.form), (
        400 if errors else 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@secret_in_address
@limiter.limit(RESET_LIMIT, methods=["POST"])
def reset(token: str) -> ResponseReturnValue:
    """Choose a new password from an emailed link; every session there was ends."""
    errors: dict[str, str] = {}
    try:
        user = accounts.check_reset_link(token)
        if request.method == "POST":
            user = accounts.reset_password(token=token, password=request.form.get("password"))
            start_session(user)
            flash("Your new password is set. Every other device was signed out.", "success")
            return redirect(url_for("main.home"))
    except AccountError as exc:
        if exc.code == "link_invalid":
            return render_template("auth/link_invalid.html", message=exc.message,
                                   again=url_for("auth.forgot")), 404
        errors[exc.field or "form"] = exc.message
    return render_template("auth/reset.html", errors=errors, email=user.email), 400 if errors else 200


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out on this device: the session ends on the server and its sockets close."""
    end_session()
    flash("You're signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/logout-all")
@login_required
def logout_all() -> ResponseReturnValue:
    """Sign out of every device, this one included."""
    sessions.end_all(current_user._get_current_object())
    end_session()
    flash("You're signed out on every device.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/api/me")
@login_required
def me() -> ResponseReturnValue:
    """Who this session belongs to: how a client outside the browser learns its user id."""
    return jsonify(ok=True, user={"id": current_user.id, "name": current_user.display_name,
                                  "email": current_user.email})


@bp.post("/auth/passkey/register/options")
@limiter.limit(PASSKEY_LIMIT)
def passkey_register_options() -> ResponseReturnValue:
    """Options for creating a passkey: for a new account, or for the signed-in one."""
    data = json_object()
    if current_user.is_authenticated:
        return current_app_response(passkeys.begin_registration(user=current_user))
    if "signup_token" in data:  # from the emailed link's page: the account's own passkey
        pending = accounts.check_sign_up_link(data.get("signup_token"))
        session[SIGN_UP_TOKEN] = data.get("signup_token")
        return current_app_response(passkeys.begin_registration(sign_up=pending))
    # A new sign-up: the same answer whether or not the address has an account.
    problems = accounts.sign_up_problems(email=data.get("email"), name=data.get("name"))
    if problems:
        field, message = next(iter(problems.items()))
        raise AccountError(message, code="invalid", field=field)
    _request_sign_up(data)
    return jsonify(ok=True, check_email=True, redirect=url_for("auth.signup_sent"))


@bp.post("/auth/passkey/register/verify")
@limiter.limit(PASSKEY_LIMIT)
def passkey_register_verify() -> ResponseReturnValue:
    """Check the new passkey; a passkey-only sign-up is signed in at once."""
    data = json_object()
    signed_in = current_user.is_authenticated
    user, passkey = passkeys.finish_registration(
        credential=data.get("credential"), name=data.get("name"),
        user=current_user._get_current_object() if signed_in else None,
        sign_up_token=None if signed_in else session.pop(SIGN_UP_TOKEN, None))
    if not signed_in:
        target = _next_url()
        start_session(user)
        return jsonify(ok=True, redirect=target)
    return jsonify(ok=True, passkey={"id": passkey.id, "name": passkey.name},
                   redirect=url_for("settings.index"))


@bp.post("/auth/passkey/login/options")
@limiter.limit(PASSKEY_LIMIT)
def passkey_login_options() -> ResponseReturnValue:
    """Options for a username-less passkey sign-in."""
    return current_app_response(passkeys.begin_authentication())


@bp.post("/auth/passkey/login/verify")
@limiter.limit(PASSKEY_LIMIT)
def passkey_login_verify() -> ResponseReturnValue:
    """Check the passkey's assertion and sign in."""
    data = json_object()
    user = passkeys.finish_authentication(credential=data.get("credential"))
    target = _next_url()
    start_session(user)
    return jsonify(ok=True, redirect=target)


def current_app_response(options_json: str) -> ResponseReturnValue:
    """Send pre-serialised WebAuthn options as JSON."""
    from flask import current_app

    return current_app.response_class(options_json, mimetype="application/json")
