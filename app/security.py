"""Session identity, idle and absolute timeouts, and the security headers on every response."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, request, session
from flask_login import current_user, logout_user

from app.extensions import db, login_manager
from app.models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# Public, user-independent responses outside /static/ that browsers may cache.
PUBLIC_CACHEABLE = frozenset({"/manifest.webmanifest"})


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """Load the session's user, refusing sessions from before 'sign out of all devices'."""
    user_id, _, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def start_session(user: User) -> None:
    """Sign ``user`` in on a fresh session (a new identifier, so a planted one is useless)."""
    from flask_login import login_user

    session.clear()
    session.permanent = True
    login_user(user, remember=False, fresh=True)
    now = int(datetime.now(UTC).timestamp())
    session["iat"] = now
    session["seen"] = now
    session["sk"] = secrets.token_urlsafe(16)


def _enforce_timeouts() -> None:
    if not current_user.is_authenticated:
        return
    now = int(datetime.now(UTC).timestamp())
    idle = int(current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds())
    absolute = int(current_app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds())
    iat = int(session.get("iat", 0))
    seen = int(session.get("seen", 0))
    if now - iat > absolute or now - seen > idle:
        logout_user()
        session.clear()
        return
    if now - seen > 60:  # refresh at most once a minute, so every request is not a cookie write
        session["seen"] = now


def _headers(response: Response) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HSTS"):
        h.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    if not request.path.startswith("/static/") and request.path not in PUBLIC_CACHEABLE:
        h["Cache-Control"] = "no-store"
    return response



@login_manager.unauthorized_handler
def unauthorized() -> Any:
    """Pages send people to sign in (and back); JSON callers get a 401 they can read."""
    from flask import redirect, url_for

    from app.errors import error_response, wants_json

    if wants_json(request):
        return error_response(401, "Please sign in first.", "unauthorized")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_security(app: Flask) -> None:
    """Install the login view, timeouts and header hooks."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(_enforce_timeouts)
    app.after_request(_headers)
