"""Mail: queued with the transaction, sent after it over real SMTP or into the mail folder."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import OutboxMessage
from app.models.types import utcnow
from app.services import mail
from tests.conftest import free_port, mail_folder, smtp_server, text_part


def queued() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_message_has_a_text_and_an_html_part_with_the_link(app: Any) -> None:
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        mail.queue(to="ana@example.com", kind="test", link="https://attune.example/")
        db.session.commit()
        assert mail.send_queued() == 1
        (msg,) = catcher.wait_for(1)
    assert catcher.envelopes == [("no-reply@localhost", ["ana@example.com"])]
    assert msg["Subject"] == "A test message from Attune"
    assert msg["To"] == "ana@example.com" and msg["From"] == "Attune <no-reply@localhost>"
    assert msg["Message-ID"] and msg["Date"] and msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    assert "Attune" in text_part(msg) and "https://attune.example/" in text_part(msg)
    html = msg.get_body(("html",))
    assert html is not None and 'href="https://attune.example/"' in html.get_content()
    assert queued() == []  # sent messages leave the outbox


def test_nothing_is_sent_when_the_transaction_rolls_back(app: Any) -> None:
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        mail.queue(to="ana@example.com", kind="test", link="https://attune.example/")
        db.session.rollback()
        assert mail.send_queued() == 0
    assert catcher.messages == [] and queued() == []


def test_a_server_that_is_briefly_down_gets_the_message_later(app: Any) -> None:
    port = free_port()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"  # nothing listens yet
    mail.queue(to="ana@example.com", kind="test", link="https://attune.example/")
    db.session.commit()
    assert mail.send_queued() == 0
    (row,) = queued()
    assert row.attempts == 1 and "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)  # backs off
    assert mail.send_queued() == 0 and queued()[0].attempts == 1  # not due yet: not tried

    with smtp_server(port=port) as (catcher, _url):
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
        assert mail.send_queued() == 1
        (msg,) = catcher.wait_for(1)
    assert msg["To"] == "ana@example.com" and queued() == []


def test_the_cli_sends_a_test_message_and_what_is_queued(app: Any) -> None:
    with smtp_server() as (catcher, url):
        app.config["SMTP_URL"] = url
        result = app.test_cli_runner().invoke(args=["mail", "test", "Ops@Example.com"])
        assert result.exit_code == 0, result.output
        assert "sent a test message to ops@example.com via the SMTP server 127.0.0.1" in \
            result.output
        assert catcher.wait_for(1)[0]["To"] == "ops@example.com"
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "0 still queued" in result.output


def test_a_server_without_starttls_off_this_machine_is_refused(app: Any) -> None:
    with smtp_server(host="127.0.0.2") as (catcher, url):
        app.config["SMTP_URL"] = url  # not "localhost": passwords would cross a network
        mail.queue(to="ana@example.com", kind="test", link="https://attune.example/")
        db.session.commit()
        assert mail.send_queued() == 0
    assert catcher.messages == [] and queued() == []  # dropped for good, not retried


def test_development_writes_one_eml_per_message(app: Any) -> None:
    assert not app.config["SMTP_URL"]
    for who in ("ana", "bo"):
        mail.queue(to=f"{who}@example.com", kind="test", link="http://localhost:5000/")
    db.session.commit()
    assert mail.send_queued() == 2
    first, second = mail_folder(app)
    assert (first["To"], second["To"]) == ("ana@example.com", "bo@example.com")
    assert "http://localhost:5000/" in text_part(first)
