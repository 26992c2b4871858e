"""One place that turns errors into HTML pages or JSON bodies."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Request, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException

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


class InvalidJSON(BadRequest):
    """A JSON body that cannot be parsed, or is not the object a route needs."""

    def __init__(self, message: str, code: str = "invalid_json") -> None:
        super().__init__(message)
        self.message, self.error_code = message, code


def json_object() -> dict[str, Any]:
    """The request's JSON body as an object, else a 400 that says what is wrong."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidJSON("The request body must be a JSON object, like {\"key\": \"value\"}.",
                          code="invalid")
    return data


def _check_json_body() -> tuple[object, int] | None:
    """Every request that says it carries JSON must carry valid JSON, whatever the route."""
    if request.method not in {"POST", "PUT", "PATCH", "DELETE"} or not request.is_json:
        return None
    try:
        json.loads(request.get_data(cache=True))
    except json.JSONDecodeError as exc:
        return error_response(400, f"The request body isn't valid JSON ({exc.msg} at line "
                                   f"{exc.lineno}, column {exc.colno}).", "invalid_json")
    except UnicodeDecodeError:
        return error_response(400, "The request body isn't valid JSON (it must be UTF-8 text).",
                              "invalid_json")
    return None


def init_errors(app: Flask) -> None:
    """Register the handlers, and the JSON check that runs before every view."""
    app.before_request(_check_json_body)

    @app.errorhandler(InvalidJSON)
    def invalid_json(e: InvalidJSON) -> tuple[object, int]:
        return error_response(400, e.message, e.error_code)

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
        status = {"not_found": 404, "forbidden": 403}.get(e.code, 409)
        return error_response(status, e.message, e.code)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> tuple[object, int]:
        status = e.code or 500
        message = MESSAGES.get(status, e.description or "That didn't work.")
        return error_response(status, message, f"http_{status}")

    @app.errorhandler(Exception)
    def server_error(e: Exception) -> tuple[object, int]:
        app.logger.exception("unhandled error")
        return error_response(500, MESSAGES[500], "server_error")
