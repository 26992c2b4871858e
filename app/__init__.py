"""Attune: practise empathy together, one turn at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from app.config import load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Attune app; ``config`` overrides settings read from the environment."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(load_config())
    if config:
        app.config.from_mapping(config)
    if app.config["ENV_NAME"] == "production" and app.debug:
        from app.config import ConfigError

        raise ConfigError("Attune refuses to start in production in debug mode (FLASK_DEBUG, "
                          "--debug or DEBUG): the debugger would let anyone run code.")
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    from app.logs import init_logging

    init_logging(app)
    register_guard(app)
    register_extensions(app)
    register_blueprints(app)
    register_realtime(app)
    register_notifications(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_guard(app: Flask) -> None:
    """Load the listener guard's models once per process, before serving anyone.

    A guard that cannot load its model stops start-up here with a clear message, rather than
    letting every listener message through unjudged.
    """
    from app.domain.guard import load_guard
    from app.services.exercises import guard_model_version

    directory = app.config.get("GUARD_MODEL_DIR")
    load_guard(Path(directory) if directory else None,
               use_encoder=app.config.get("GUARD_ENCODER", "on") != "off")
    guard_model_version()  # hash the model files now, not inside the first listener's action


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions from ``app.extensions``."""
    from app import models  # noqa: F401  (tables must be known before migrations run)
    from app.extensions import csrf, db, limiter, login_manager, migrate
    from app.security import init_security

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    init_security(app)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per feature."""
    from app.blueprints.auth import bp as auth_bp
    from app.blueprints.exercises import bp as exercises_bp
    from app.blueprints.main import bp as main_bp
    from app.blueprints.mydata import bp as mydata_bp
    from app.blueprints.notifications import bp as notifications_bp
    from app.blueprints.pairing import bp as pairing_bp
    from app.blueprints.settings import bp as settings_bp
    from app.blueprints.sharing import bp as sharing_bp
    from app.blueprints.therapist import bp as therapist_bp

    for bp in (main_bp, auth_bp, pairing_bp, settings_bp, exercises_bp, mydata_bp, sharing_bp,
               therapist_bp, notifications_bp):
        app.register_blueprint(bp)


def register_realtime(app: Flask) -> None:
    """Bind Socket.IO with its origin check, size caps and optional Redis queue."""
    from app.realtime import init_realtime

    init_realtime(app)


def register_notifications(app: Flask) -> None:
    """Reminders and partner alerts hear the therapy events they notify about."""
    from app.services.notify_therapy import subscribe_all

    subscribe_all(app)


def register_errorhandlers(app: Flask) -> None:
    """Map errors to HTML or JSON in one place."""
    from app.errors import init_errors

    init_errors(app)


def register_commands(app: Flask) -> None:
    """Add the ``flask`` subcommands."""
    from app.cli.guard import guard_cli
    from app.cli.mail import mail_cli
    from app.cli.notify import notify_cli

    app.cli.add_command(guard_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(notify_cli)
