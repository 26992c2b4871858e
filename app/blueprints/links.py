"""Links that leave the site (in emails): built on PUBLIC_URL, never on the request's Host."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def public_url_for(endpoint: str, **values: Any) -> str:
    """An absolute URL for ``endpoint``. A forged Host header cannot redirect a reset link."""
    base = current_app.config.get("PUBLIC_URL") or ""
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
