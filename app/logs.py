"""Structured logs: one JSON line per record, each HTTP request logged once with its request id.

What is logged about a request: its method, the route's pattern (``/i/<token>``, never the path,
which can hold a secret), the status, the time taken, the signed-in user's id and the request id
— never a body, a query string or anything a user wrote. The request id comes from the proxy's
``X-Request-ID`` when it looks like one, else is made here, and is sent back in the response's
``X-Request-ID``; error answers carry it too, so a report can be matched with the log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, has_request_context, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The only record attributes copied into a line besides the message: nothing free-form.
FIELDS = ("request_id", "method", "route", "status", "ms", "user_id", "event", "namespace",
          "code")
log = logging.getLogger("attune.request")


def request_id() -> str:
    """This request's id (made on first use)."""
    if not has_request_context():
        return uuid.uuid4().hex[:12]
    rid = request.environ.get("attune.request_id")
    if rid is None:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex[:12]
        request.environ["attune.request_id"] = rid
    return str(rid)


class JsonFormatter(logging.Formatter):
    """``{"at", "level", "logger", "message", …FIELDS, "exception"?}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if "request_id" not in line and has_request_context():
            line["request_id"] = request_id()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _started() -> None:
    request.environ["attune.request_started"] = time.perf_counter()
    request_id()


def _finished(response: Response) -> Response:
    response.headers["X-Request-ID"] = request_id()
    if request.path.startswith("/static/") or request.path == "/healthz":
        return response
    from flask_login import current_user

    started = request.environ.get("attune.request_started", time.perf_counter())
    user_id = current_user.get_id() if current_user and current_user.is_authenticated else None
    log.info("request", extra={
        "request_id": request_id(), "method": request.method,
        "route": request.url_rule.rule if request.url_rule is not None else "-",
        "status": response.status_code, "ms": round((time.perf_counter() - started) * 1000, 1),
        "user_id": int(user_id) if user_id else None})
    return response


def init_logging(app: Flask) -> None:
    """With LOG_FORMAT=json (the production default) Attune's loggers write JSON lines to
    stderr at LOG_LEVEL (INFO); otherwise logging is left as the host set it up. Requests are
    timed and given their id either way."""
    if app.config.get("LOG_FORMAT") == "json":
        attune = logging.getLogger("attune")
        if not any(getattr(h, "attune_json", False) for h in attune.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.attune_json = True  # type: ignore[attr-defined]
            handler.setFormatter(JsonFormatter())
            attune.addHandler(handler)
            attune.propagate = False
        attune.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.before_request(_started)
    app.after_request(_finished)
