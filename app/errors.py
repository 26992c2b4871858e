"""One place that turns errors into HTML pages or JSON bodies."""

from __future__ import annotations

from flask import Flask, Request, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.domain.errors import DomainError

MESSAGES = {
    400: "That request could not be understood.",
    403: "You don't have access to that.",
    404: "We couldn't find that page.",
    405: "That action isn't allowed here.",
    413: "That was too large to send.",
    429: "Too many attempts. Please wait a minute and try again.",
    500: "Something went wrong on our side. Nothing you typed was lost; please try again.",
}


def wants_json(req: Request) -> bool:
    """JSON for API calls and fetch() requests, HTML for pages."""
    if req.is_json or req.path.startswith("/api/"):
        return True
    best = req.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and req.accept_mimetypes[best] > req.accept_mimetypes[
        "text/html"]


def error_response(status: int, message: str, code: str) -> tuple[object, int]:
    """Render an error as JSON ``{ok: false, error: {code, message}}`` or as a page."""
    if wants_json(request):
        return jsonify(ok=False, error={"code": code, "message": message}), status
    return render_template("error.html", status=status, message=message), status


def init_errors(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError) -> tuple[object, int]:
        return error_response(
            400, "Your page was open too long or came from elsewhere. Reload it and try again.",
            "csrf")

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(e: RateLimitExceeded) -> tuple[object, int]:
        return error_response(429, MESSAGES[429], "rate_limited")

    @app.errorhandler(DomainError)
    def domain_error(e: DomainError) -> tuple[object, int]:
        return error_response(409 if e.code != "not_found" else 404, e.message, e.code)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> tuple[object, int]:
        status = e.code or 500
        message = MESSAGES.get(status, e.description or "That didn't work.")
        return error_response(status, message, f"http_{status}")

    @app.errorhandler(Exception)
    def server_error(e: Exception) -> tuple[object, int]:
        app.logger.exception("unhandled error")
        return error_response(500, MESSAGES[500], "server_error")
