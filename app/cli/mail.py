"""``flask mail``: send what is queued (run it from cron), or send a test message."""

from __future__ import annotations

from urllib.parse import urlsplit

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.models import OutboxMessage
from app.services import mail

mail_cli = AppGroup("mail", help="Attune's outgoing mail.")


def _where() -> str:
    url = current_app.config.get("SMTP_URL")
    if url:
        return f"SMTP server {urlsplit(url).hostname}"  # never the password
    return f"mail folder {current_app.config['MAIL_DIR']}"


@mail_cli.command("send")
def send() -> None:
    """Send every queued message that is due (retries included)."""
    sent = mail.send_queued()
    left = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) or 0
    click.echo(f"sent {sent} to the {_where()}; {left} still queued")


@mail_cli.command("test")
@click.argument("address")
def test(address: str) -> None:
    """Send a test message to ADDRESS, to check the mail settings."""
    from app.services.accounts import AccountError, normalize_email

    try:
        to = normalize_email(address)
    except AccountError as exc:
        raise click.BadParameter(exc.message) from None
    mail.queue(to=to, kind="test", link=current_app.config.get("PUBLIC_URL") or
               "http://localhost:5000")
    db.session.commit()
    if mail.send_queued() == 0:
        row = db.session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()))
        raise click.ClickException(f"not sent yet ({row.last_error if row else 'unknown'}); "
                                   "it stays queued and is retried")
    click.echo(f"sent a test message to {to} via the {_where()}")
