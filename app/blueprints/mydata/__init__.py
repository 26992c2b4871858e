"""Your data, from Settings: export it (JSON, CSV) and delete your account."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, logout_user

from app.domain.errors import DomainError
from app.extensions import limiter
from app.security import current_session_started
from app.services import mydata

bp = Blueprint("mydata", __name__)


def _download(chunks: object, mimetype: str, filename: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype=mimetype)  # type: ignore[arg-type]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/settings/data/attune-export.json")
@login_required
@limiter.limit("10 per hour")
def export_json() -> ResponseReturnValue:
    """Everything you own as JSON, streamed."""
    return _download(mydata.export_json(current_user.id),
                     "application/json", "attune-export.json")


@bp.get("/settings/data/attune-conversations.csv")
@login_required
@limiter.limit("10 per hour")
def export_csv() -> ResponseReturnValue:
    """Your conversations as CSV, streamed."""
    return _download(mydata.export_csv(current_user.id),
                     "text/csv; charset=utf-8", "attune-conversations.csv")


@bp.get("/settings/delete")
@login_required
def delete_form() -> ResponseReturnValue:
    """What deleting your account does, said plainly before you confirm."""
    return render_template("mydata/delete.html", error="")


@bp.post("/settings/delete")
@login_required
@limiter.limit("5 per 15 minutes")
def delete() -> ResponseReturnValue:
    """Delete the account after re-authentication; the partner keeps the shared history."""
    user = current_user._get_current_object()
    if request.form.get("confirm") != "yes":
        return render_template("mydata/delete.html",
                               error="Tick the box to confirm. Nothing was deleted."), 400
    try:
        mydata.delete_account(user, password=request.form.get("password"),
                              signed_in_at=current_session_started())
    except DomainError as exc:
        return render_template("mydata/delete.html", error=exc.message), 400
    logout_user()
    session.clear()
    flash("Your account is deleted. Take care.", "success")
    return redirect(url_for("main.home"))
