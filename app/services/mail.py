"""Email from Attune's own templates: queued in the caller's transaction, sent after it commits.

A message is written to the outbox table together with whatever caused it, so a rolled-back
sign-up sends nothing. After the commit the caller asks for the queue to be sent: over SMTP when
``SMTP_URL`` is set, otherwise as one ``.eml`` file per message in ``MAIL_DIR`` (development
needs no mail server). A server that is briefly down is tried again in the same request, then
on every later send and by ``flask mail send``, with growing pauses. Messages carry only what
the templates say, a name and a link: never anything written in an exercise.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from flask import current_app, render_template

from app.extensions import db
from app.models import OutboxMessage
from app.models.types import utcnow

log = logging.getLogger("attune.mail")

# Each kind of message: its subject; its bodies are templates/mail/KIND.txt and KIND.html.
SUBJECTS: dict[str, str] = {
    "test": "A test message from Attune",
    "reset": "Reset your Attune password",
    "reset_unknown": "About resetting a password on Attune",
    # A subject line, not a secret (bandit takes it for a password).
    "password_changed": "Your Attune password was changed",  # nosec B105
    "signup": "Finish creating your Attune account",
    "signup_taken": "You already have an Attune account",
    "email_confirm": "Confirm your new email address for Attune",
    "email_change_requested": "Your Attune email address is about to change",
    "email_changed": "Your Attune email address was changed",
    # A notification for someone without push: its subject is the notification's title.
    "notice": "{title}",
}
TRIES_NOW = 2            # attempts within the request that queued the message
RETRY_PAUSE = 0.5        # seconds between them
MAX_ATTEMPTS = 12        # then the message is dropped (and logged): about two days of retries
LEASE = timedelta(minutes=2)
SMTP_TIMEOUT = 10
LOOPBACK = {"127.0.0.1", "::1", "localhost"}

LinkMaker = Callable[[str], str]


class PermanentMailError(Exception):
    """The server refused the message for good (a bad address, say): retrying cannot help."""


def compose(*, to: str, kind: str, context: dict[str, str]) -> EmailMessage:
    """Build the message: plain text and HTML from the kind's templates."""
    if kind not in SUBJECTS:
        raise ValueError(f"unknown kind of mail: {kind}")
    msg = EmailMessage(policy=SMTP)
    sender = current_app.config["MAIL_FROM"]
    subject = SUBJECTS[kind].format(**context)  # only "notice" has a field: its title
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(render_template(f"mail/{kind}.txt", **context))
    msg.add_alternative(render_template(f"mail/{kind}.html", subject=subject, **context),
                        subtype="html")
    return msg


def queue(*, to: str, kind: str, **context: str) -> None:
    """Add a message to the outbox in the current transaction (the caller commits)."""
    raw = compose(to=to, kind=kind, context=context).as_bytes().decode("utf-8")
    db.session.add(OutboxMessage(to_addr=to, kind=kind, raw=raw))


def _claim(message_id: int) -> bool:
    """Take a due message for LEASE, so another process does not send it at the same time."""
    now = utcnow()
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE))
    db.session.commit()
    return done.rowcount == 1


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 30 s, 1 min, 2 min, … at most 6 hours."""
    return min(timedelta(seconds=30 * 2 ** (attempts - 1)), timedelta(hours=6))


def send_queued(*, tries_now: int = TRIES_NOW) -> int:
    """Send every message that is due; returns how many went out. Call after the commit."""
    due = db.session.scalars(
        sa.select(OutboxMessage.id).where(OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.id).limit(50)).all()
    sent = 0
    for message_id in due:
        if not _claim(message_id):
            continue
        row = db.session.get(OutboxMessage, message_id)
        if row is None:
            continue
        error, permanent = "", False
        for attempt in range(max(1, tries_now)):
            try:
                deliver(row.to_addr, row.raw.encode("utf-8"), name=f"{row.id:08d}-{row.kind}")
                error = ""
                break
            except PermanentMailError as exc:
                error, permanent = str(exc), True
                break
            except (OSError, smtplib.SMTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"
                if attempt + 1 < tries_now:
                    time.sleep(RETRY_PAUSE * (attempt + 1))
        if not error:
            db.session.delete(row)
            sent += 1
        else:
            row.attempts += 1
            row.last_error = error[:200]
            if permanent or row.attempts >= MAX_ATTEMPTS:
                log.error("mail %s to a recipient dropped after %d attempts: %s", row.kind,
                          row.attempts, row.last_error)
                db.session.delete(row)
            else:
                log.warning("mail %s not sent yet (attempt %d): %s", row.kind, row.attempts,
                            row.last_error)
                row.next_attempt_at = utcnow() + backoff(row.attempts)
        db.session.commit()
    return sent


def deliver(to: str, raw: bytes, *, name: str) -> None:
    """Hand one message to the SMTP server, or write it to the mail folder."""
    url = current_app.config.get("SMTP_URL") or ""
    if url:
        _smtp(url, to, raw)
    else:
        folder = Path(current_app.config["MAIL_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        tmp = folder / f".{stamp}-{name}.tmp"
        tmp.write_bytes(raw)
        tmp.rename(folder / f"{stamp}-{name}.eml")  # readers never see half a file


def _smtp(url: str, to: str, raw: bytes) -> None:
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    sender = parseaddr(current_app.config["MAIL_FROM"])[1]
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, parts.port or 465, timeout=SMTP_TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(host, parts.port or 587, timeout=SMTP_TIMEOUT)
    with client:
        client.ehlo()
        if parts.scheme == "smtp":
            if client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif host not in LOOPBACK:
                # Passwords and reset links never cross a network in the clear.
                raise PermanentMailError(f"{host} offers no STARTTLS; use smtps:// or a relay "
                                         "on this machine")
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        try:
            client.sendmail(sender, [to], raw)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentMailError(f"recipient refused: {exc.recipients}") from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise PermanentMailError(f"{exc.smtp_code} {exc.smtp_error!r}") from None
            raise
