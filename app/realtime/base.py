"""What every namespace shares: authentication at connect, per-event re-checks, rate caps."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, disconnect, join_room
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.domain.errors import DomainError
from app.errors import MESSAGES
from app.extensions import db
from app.security import current_session_hash, touch_session
from app.services import audit, presence, sessions
from app.services.sessions import SessionUser

log = logging.getLogger("attune.realtime")

F = TypeVar("F", bound=Callable[..., Any])

# Events per signed-in device and namespace: bursts of 20, about 5 a second on average; a phone
# never needs more. Counted in the rate-limit store (Redis when scaled out), so the budget holds
# across processes and reconnects.
EVENT_LIMIT = parse("20 per 4 seconds")
_LIMITER = "attune.socket_event_limiter"
_store_failed_at = 0.0


def init_event_limits(app: Flask) -> None:
    """The socket event limiter, on the same store as the HTTP rate limits."""
    storage = storage_from_string(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    app.extensions[_LIMITER] = MovingWindowRateLimiter(storage)


def allow_event(namespace: str, who: SessionUser) -> bool:
    """Count one event of this device in this namespace; False once over the limit.

    If the store is unreachable (Redis restarting) events are let through: the database and
    the rules still protect every action, and nothing a user sends is refused for our fault.
    """
    global _store_failed_at
    limiter: MovingWindowRateLimiter = current_app.extensions[_LIMITER]
    try:
        return bool(limiter.hit(EVENT_LIMIT, "socket", namespace, who.key_hash or str(who.id)))
    except Exception:  # any storage error: fail open, and say so now and then
        now = time.monotonic()
        if now - _store_failed_at > 60:
            _store_failed_at = now
            log.warning("socket rate-limit store unreachable; letting events through",
                        exc_info=True)
        return True


def enter_room(room: str) -> bool:
    """Put the current socket in ``room``; False if it disconnected meanwhile.

    Handlers run on their own thread, so a phone that reloads while its ``join`` is being
    answered is already gone when the room is entered (python-socketio raises KeyError or
    ValueError then). Not an error: nobody is left to answer, and the new connection joins
    again.
    """
    try:
        join_room(room)
    except (KeyError, ValueError):
        return False
    return True


def error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The one shape of a failed acknowledgement."""
    return {"ok": False, "error": {"code": code, "message": message, **extra}}


def server_error(namespace: str, event: str) -> dict[str, Any]:
    """Log the exception being handled under a fresh request id; the acknowledgement says it.

    Nothing half-done is kept: the transaction is rolled back, so the client may retry the
    same action (same client id) and it applies exactly once.
    """
    request_id = uuid.uuid4().hex[:12]
    log.exception("socket handler %s %s failed [request %s]", namespace, event, request_id,
                  extra={"request_id": request_id, "event": event, "namespace": namespace})
    try:
        db.session.rollback()
    except Exception:  # the session may be the thing that broke; the answer matters more
        log.exception("rollback after [request %s] failed", request_id)
    return error("server_error", MESSAGES[500], request_id=request_id)


def viewing(data: Any) -> str:
    """The page a client says its tab shows, if the tab is in front ("" otherwise)."""
    if not isinstance(data, dict) or data.get("visible") is False:
        return ""
    return presence.clean_page(data.get("page"))


class AuthedNamespace(Namespace):  # type: ignore[misc]
    """Refuses anonymous connects; every event re-checks the session (an ended one is dropped)
    and the role: a partner's namespace refuses therapists, and the therapists' refuses
    partners.

    The user is loaded once, at connect (a role never changes after sign-up); each event then
    checks only that the session it came from is still live (folded into the action's own read
    for ``act``).
    """

    roles: frozenset[str] = frozenset({"partner"})

    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        # Socket id → who it belongs to; events for a socket reach only the process holding it.
        self._users: dict[str, SessionUser] = {}

    def on_connect(self, auth: Any = None) -> None:
        """Authenticate from the session cookie and record the socket."""
        if not current_user.is_authenticated:
            audit.record("socket_refused", detail=self.namespace)
            # Flask-SocketIO's own exception: its message reaches the client's connect_error.
            raise ConnectionRefusedError("unauthorized")
        if current_user.role not in self.roles:
            audit.record("socket_refused", user_id=current_user.id,
                         detail=f"{self.namespace} as {current_user.role}")
            raise ConnectionRefusedError("forbidden")
        touch_session()
        who = SessionUser(id=current_user.id, key_hash=current_session_hash(),
                          role=current_user.role)
        self._users[request.sid] = who
        presence.connected(sid=request.sid, user_id=who.id, namespace=self.namespace,
                           session_key=who.key_hash, viewing=viewing(auth))
        self.joined(who.id)

    def joined(self, user_id: int) -> None:
        """Hook for subclasses: put the socket in its rooms."""

    def socket_user(self) -> SessionUser | None:
        """Who this event's socket belongs to (None if it never connected here)."""
        return self._users.get(request.sid)

    def on_disconnect(self, reason: Any = None) -> None:
        """Forget the socket."""
        self._users.pop(request.sid, None)
        presence.disconnected(sid=request.sid)



UNAUTHORIZED = sessions.ENDED


def guarded(handler: F | None = None, *, checks_session: bool = False) -> Any:
    """Wrap an event handler: session still live, rate cap, errors → error ack.

    The handler is called as ``handler(self, who, data)`` with the socket's ``SessionUser``.
    With ``checks_session`` the handler checks the session's liveness and the account's role
    itself, inside its own read (the hot path); otherwise the wrapper does, with one small
    query. Every event is
    answered: a rule's refusal with its code, anything unexpected with ``server_error``
    (logged with a request id), so no client waits for an answer forever.
    """
    if handler is None:
        return lambda h: guarded(h, checks_session=checks_session)

    @wraps(handler)
    def wrapped(self: AuthedNamespace, *args: Any) -> Any:
        try:
            who = self.socket_user()
            role = None if who is None else who.role if checks_session else sessions.live_role(who)
            if who is None or role is None:
                # The session ended elsewhere (signed out there, or from another device).
                disconnect()
                return error("unauthorized", UNAUTHORIZED)
            if role not in self.roles:
                audit.record("forbidden", user_id=who.id,
                             detail=f"{self.namespace} {handler.__name__} as {role}")
                return error("forbidden", "This account can't do that here.")
            if not allow_event(self.namespace, who):
                return error("rate_limited", "You're sending very fast. Please wait a moment.")
            return handler(self, who, *args)
        except DomainError as exc:
            if exc.code == "unauthorized":
                db.session.rollback()
                disconnect()
            return error(exc.code, exc.message)
        except Exception:  # noqa: BLE001  (logged with its traceback by server_error)
            return server_error(self.namespace, handler.__name__.removeprefix("on_"))

    wrapped.answers_always = True  # type: ignore[attr-defined]  (checked by the tests)
    return wrapped
