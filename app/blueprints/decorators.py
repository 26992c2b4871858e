"""Role checks stacked on views: partners' pages refuse therapists and therapists' pages
refuse partners (403), whatever the URL."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, g, redirect, url_for
from flask_login import current_user, login_required

from app.services import audit
from app.services.pairing import active_couple

F = TypeVar("F", bound=Callable[..., Any])


def _role(role: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role != role:
                audit.record("forbidden", user_id=current_user.id,
                             detail=f"{view.__name__} as {current_user.role}")
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


# A partner's account (paired or not): exercises, pairing, history, sharing with therapists.
partner_account_required = _role("partner")
# A therapist's account: the dashboard, invites, homework.
therapist_required = _role("therapist")


def partner_required(view: F) -> F:
    """A partner's account in an active couple (the couple is put on ``g.couple``)."""

    @wraps(view)
    @partner_account_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        couple = active_couple(current_user.id)
        if couple is None:
            flash("Pair with your partner first: exercises are done together.", "info")
            return redirect(url_for("pairing.pair"))
        g.couple = couple
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
