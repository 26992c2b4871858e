"""Session identity (a live server-side record per session) and the security headers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user

from app.extensions import login_manager
from app.models import User
from app.services import sessions

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# Public, user-independent responses outside /static/ that browsers may cache.
PUBLIC_CACHEABLE = frozenset({"/manifest.webmanifest"})


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """Load the session's user, only while its server-side session record is live.

    Runs on every request and every socket event, so an ended session stops working at once.
    """
    if not identity.isdigit():
        return None
    found = sessions.lookup(int(identity), session.get("sk"))
    if found is None:
        return None
    user, g.session_record = found
    return user


CLEAR_SITE_DATA = '"cache", "storage"'


def start_session(user: User) -> None:
    """Sign ``user`` in on a fresh session (a new key, so a planted one is useless)."""
    from flask_login import login_user

    sessions.end_key(session.get("sk"))
    session.clear()
    session.permanent = True
    login_user(user, remember=False, fresh=True)
    session["sk"] = sessions.start(user, user_agent=request.user_agent.string)


def end_session() -> None:
    """Sign out on this device: the record goes, then the cookie's contents."""
    key = session.get("sk")
    logout_user()
    session.clear()
    sessions.end_key(key)
    g.clear_site_data = True  # and what this browser kept (drafts, transcripts) goes too


def current_session_hash() -> str:
    """The key hash of this request's (or socket's) live session, empty when signed out."""
    record = g.get("session_record")
    return record.key_hash if record is not None and current_user.is_authenticated else ""


def current_session_id() -> int | None:
    """The id of this request's live session record (to mark "this device")."""
    record = g.get("session_record")
    return record.id if record is not None and current_user.is_authenticated else None


def current_session_started() -> datetime:
    """When this session was signed in (re-authentication may need a recent sign-in)."""
    record = g.get("session_record")
    return record.created_at if record is not None else datetime.min.replace(tzinfo=UTC)


def touch_session() -> None:
    """Note the current session as used (throttled inside)."""
    record = g.get("session_record")
    if record is not None and current_user.is_authenticated:
        sessions.touch(record)


def _check_session() -> None:
    if current_user.is_authenticated:
        touch_session()
    elif "_user_id" in session:
        session.clear()  # ended or expired elsewhere: forget it in the cookie too
        g.clear_site_data = True


def secret_in_address(view: Callable[..., ResponseReturnValue]
                      ) -> Callable[..., ResponseReturnValue]:
    """For a view whose address holds a secret token (an emailed link, an invite): nothing it
    answers, errors and redirects included, sends that address on in a Referer."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        g.no_referrer = True
        return view(*args, **kwargs)
    return wrapped


def _headers(response: Response) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h["Referrer-Policy"] = "no-referrer" if g.get("no_referrer") else "same-origin"
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HSTS"):
        h.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    if g.get("clear_site_data"):
        # A shared phone keeps nothing of a signed-out person (the app's storage is theirs).
        h["Clear-Site-Data"] = CLEAR_SITE_DATA
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
    app.before_request(_check_session)
    app.after_request(_headers)
