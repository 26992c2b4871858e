"""Readiness: can this process reach what it needs (the database, and Redis when scaled out)?"""

from __future__ import annotations

import logging
from typing import Any

import redis
import sqlalchemy as sa
from flask import current_app

from app.extensions import db

log = logging.getLogger("attune.health")
_REDIS = "attune.health_redis"


def _redis() -> redis.Redis | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get(_REDIS)
    if client is None:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        current_app.extensions[_REDIS] = client
    return client


def check() -> dict[str, Any]:
    """``{"ok", "database", "redis"}``: each "ok", "unreachable" or (Redis) "not used"."""
    result: dict[str, Any] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
        result["database"] = "ok"
    except Exception:  # any driver error means the same to a load balancer
        log.warning("health: database unreachable", exc_info=True)
        db.session.rollback()
        result["database"] = "unreachable"
    client = _redis()
    if client is None:
        result["redis"] = "not used"
    else:
        try:
            client.ping()
            result["redis"] = "ok"
        except redis.RedisError:
            log.warning("health: Redis unreachable", exc_info=True)
            result["redis"] = "unreachable"
    result["ok"] = result["database"] == "ok" and result["redis"] in ("ok", "not used")
    return result
