"""Settings from the environment; development gets safe generated defaults, production fails fast."""

from __future__ import annotations

import math
import os
import secrets
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.safety import parse_resources

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class ConfigError(RuntimeError):
    """Raised when production is started without a required setting."""


def _dev_secret_key() -> str:
    """Return a per-checkout secret kept under instance/, so dev sessions survive restarts."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


# Words that mark a SECRET_KEY copied from an example rather than generated.
PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "replace-me", "replaceme",
                     "placeholder", "your-secret", "yoursecret", "example", "insecure",
                     "not-secret", "notsecret", "dev-secret", "secret-key", "todo", "xxxx")
# Estimated from the key's own characters: a generated 32-byte key scores over 200, 16 random
# bytes in hex about 120, "a" * 32 zero.
MIN_SECRET_BITS = 100
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
TRUTHY = {"1", "true", "yes", "on"}


def estimated_bits(key: str) -> float:
    """Entropy estimate: length times the Shannon entropy of the key's own characters."""
    if not key:
        return 0.0
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return max(0.0, per_char * len(key))


def check_secret_key(key: str) -> None:
    """Refuse a SECRET_KEY that is short, a placeholder, or too predictable to sign sessions."""
    lowered = key.lower()
    if len(key) < 32:
        raise ConfigError(f"SECRET_KEY must be at least 32 characters in production. "
                          f"Make one with: {MAKE_A_KEY}")
    word = next((w for w in PLACEHOLDER_WORDS if w in lowered), None)
    if word:
        raise ConfigError(f"SECRET_KEY looks like a placeholder (it contains {word!r}). "
                          f"Make a real one with: {MAKE_A_KEY}")
    if estimated_bits(key) < MIN_SECRET_BITS:
        raise ConfigError(f"SECRET_KEY is too predictable (about {estimated_bits(key):.0f} bits; "
                          f"at least {MIN_SECRET_BITS} needed). Make one with: {MAKE_A_KEY}")


def check_origins(origins: list[str]) -> None:
    """Every allowed origin is one exact scheme://host[:port]: no wildcard, no path."""
    for origin in origins:
        if "*" in origin:
            raise ConfigError(f"ALLOWED_ORIGINS may not contain a wildcard ({origin!r}): list "
                              "each origin that may open a socket, e.g. https://attune.example")
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path or \
                parts.query or parts.fragment:
            raise ConfigError(f"ALLOWED_ORIGINS entry {origin!r} is not an origin; write it as "
                              "scheme://host[:port], e.g. https://attune.example")


def check_smtp_url(url: str) -> None:
    """smtp://[user:pass@]host[:port] (STARTTLS) or smtps://… (TLS from the start)."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigError("SMTP_URL must look like smtps://user:password@mail.example:465 or "
                          "smtp://user:password@mail.example:587 (STARTTLS)")


def _split(value: str | None) -> list[str]:
    return [v.strip().rstrip("/") for v in (value or "").split(",") if v.strip()]


def load_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the app's settings from environment variables.

    ``ATTUNE_ENV`` is ``development`` (default) or ``production``. In production SECRET_KEY,
    DATABASE_URL, PUBLIC_URL and SMTP_URL are required, the key must be a real random one, debug mode is
    refused, and ALLOWED_ORIGINS (in any mode) lists exact origins, never a wildcard.
    """
    env = dict(os.environ if env is None else env)
    mode = env.get("ATTUNE_ENV", "development")
    if mode not in {"development", "production"}:
        raise ConfigError(f"ATTUNE_ENV must be development or production, not {mode!r}")
    production = mode == "production"
    port = int(env.get("PORT", "5000"))

    if production:
        missing = [k for k in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "SMTP_URL")
                   if not env.get(k)]
        if missing:
            raise ConfigError("Attune refuses to start in production without " + ", ".join(missing))
        check_secret_key(env["SECRET_KEY"])
        if env.get("FLASK_DEBUG", "").strip().lower() in TRUTHY:
            raise ConfigError("Attune refuses to start in production in debug mode (FLASK_DEBUG "
                              "or --debug): the debugger would let anyone run code. Unset it.")

    secret_key = env.get("SECRET_KEY") or _dev_secret_key()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'attune.sqlite3'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    public_url = env.get("PUBLIC_URL", "").rstrip("/")
    origins = _split(env.get("ALLOWED_ORIGINS"))
    if not origins:
        origins = [public_url] if public_url else [
            f"http://localhost:{port}", f"http://127.0.0.1:{port}"]
    check_origins(origins)
    redis_url = env.get("REDIS_URL", "")
    try:
        safety_resources = parse_resources(env.get("SAFETY_RESOURCES"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    smtp_url = env.get("SMTP_URL", "")
    if smtp_url:
        check_smtp_url(smtp_url)
    mail_host = urlsplit(public_url).hostname if public_url else None
    # The guard reads meaning with its encoder; "off" (rules and the linear model only) exists
    # so the realtime benchmark can compare the two, and is refused in production.
    guard_encoder = env.get("GUARD_ENCODER", "on")
    if guard_encoder not in {"on", "off"}:
        raise ConfigError(f"GUARD_ENCODER must be on or off, not {guard_encoder!r}")
    if production and guard_encoder == "off":
        raise ConfigError("Attune refuses to start in production with GUARD_ENCODER=off: the "
                          "guard would judge without reading meaning. Unset it.")

    return {
        "ENV_NAME": mode,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(
            database_url, int(env.get("DATABASE_POOL_SIZE", "20"))),
        "PUBLIC_URL": public_url,
        "RP_ID": env.get("RP_ID") or (urlsplit(public_url).hostname if public_url else None),
        "RP_NAME": "Attune",
        "ALLOWED_ORIGINS": origins,
        "REDIS_URL": redis_url,
        # Mail: over SMTP when SMTP_URL is set, else one .eml file per message in MAIL_DIR.
        "SMTP_URL": smtp_url,
        "MAIL_FROM": env.get("MAIL_FROM") or f"Attune <no-reply@{mail_host or 'localhost'}>",
        "MAIL_DIR": env.get("MAIL_DIR") or str(INSTANCE_DIR / "mail"),
        # Web Push: the VAPID private key (PEM; `flask notify keys` makes one). Development makes
        # one in instance/ on first use; production without it sends email instead of push.
        "VAPID_PRIVATE_KEY": env.get("VAPID_PRIVATE_KEY", ""),
        # Plain-http push endpoints on loopback: a push service stand-in, never in production.
        "PUSH_ALLOW_LOOPBACK": not production,
        "VAPID_SUBJECT": env.get("VAPID_SUBJECT") or
        f"mailto:no-reply@{mail_host or 'localhost'}",
        "PORT": port,
        "SOCKETIO_MESSAGE_QUEUE": redis_url or None,
        # Redis pub/sub ignores the db number: deployments sharing a Redis need their own channel.
        "SOCKETIO_CHANNEL": env.get("SOCKETIO_CHANNEL", "attune"),
        # How many reverse proxies sit in front (their X-Forwarded-* headers are trusted).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # None lets Flask-SocketIO pick gevent under gunicorn; `make run` asks for threading.
        "SOCKETIO_ASYNC_MODE": env.get("SOCKETIO_ASYNC_MODE") or None,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") != "0",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "attune_session",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
        "SESSION_IDLE_TIMEOUT": timedelta(days=14),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(days=30),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": production,
        "HSTS": production,
        "INVITE_LIFETIME": timedelta(hours=48),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # The "Need help now?" page: crisis and abuse resources for this deployment's people.
        "SAFETY_RESOURCES": safety_resources,
        "SAFETY_EMERGENCY_NUMBER": env.get("SAFETY_EMERGENCY_NUMBER", "").strip(),
        # Clients beat this often; three missed beats and a partner shows as away.
        "PRESENCE_HEARTBEAT_SECONDS": int(env.get("PRESENCE_HEARTBEAT_SECONDS", "25")),
        "GUARD_ENCODER": guard_encoder,
        # Logs: JSON lines with a request id (app/logs.py), the default in production.
        "LOG_FORMAT": env.get("LOG_FORMAT") or ("json" if production else "plain"),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
    }


def engine_options(database_url: str, pool_size: int = 20) -> dict[str, Any]:
    """SQLite gets a busy timeout (WAL is set on connect); PostgreSQL a checked pool.

    The pool pings each connection as it is handed out, so a restarted PostgreSQL costs failed
    requests while it is down, never a process restart. Under load a gevent worker has many
    handlers in flight: connections beyond the pool are opened and closed each time, which
    shows in the profile, so the pool keeps DATABASE_POOL_SIZE (20) open.
    """
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": pool_size, "max_overflow": 20}
