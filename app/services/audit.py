"""Audit log of sign-ins, authorization failures and other security events."""

from __future__ import annotations

from flask import has_request_context, request

from app.extensions import db
from app.models import AuditEntry


def record(event: str, *, user_id: int | None = None, detail: str = "", commit: bool = True) -> None:
    """Write one audit entry (never message content)."""
    ip = (request.remote_addr or "") if has_request_context() else ""
    db.session.add(AuditEntry(event=event[:40], user_id=user_id, detail=detail[:200], ip=ip[:64]))
    if commit:
        db.session.commit()
