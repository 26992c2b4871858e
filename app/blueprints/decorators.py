"""Role checks stacked on views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import flash, g, redirect, url_for
from flask_login import current_user, login_required

from app.services.pairing import active_couple

F = TypeVar("F", bound=Callable[..., Any])


def partner_required(view: F) -> F:
    """Signed in and in an active couple (the couple is put on ``g.couple``)."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        couple = active_couple(current_user.id)
        if couple is None:
            flash("Pair with your partner first: exercises are done together.", "info")
            return redirect(url_for("pairing.pair"))
        g.couple = couple
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
