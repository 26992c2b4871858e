"""``flask notify``: the notification worker, and VAPID keys for production."""

from __future__ import annotations

import signal
import time
from typing import Any

import click
from flask.cli import AppGroup

from app.services import notify_worker, webpush

notify_cli = AppGroup("notify", help="Attune's reminders and partner alerts.")


@notify_cli.command("worker")
@click.option("--once", is_flag=True, help="Send everything that is due, then stop.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds between looks when idle.")
def worker(once: bool, poll: float) -> None:
    """Send due notifications until stopped (safe to run beside another worker)."""
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"notification worker ready (poll {poll:g} s)", err=True)
    while not stopping:
        stats = notify_worker.run_batch()
        if stats.handled:
            click.echo(f"push {stats.push} · email {stats.email} · bell only {stats.kept} · "
                       f"later {stats.later} · retry {stats.retry} · gone {stats.gone}",
                       err=True)
            continue
        if once:
            break
        deadline = time.monotonic() + poll
        while not stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, poll))


@notify_cli.command("keys")
def keys() -> None:
    """Print a new VAPID private key for VAPID_PRIVATE_KEY (and its public key)."""
    pem = webpush.new_private_pem()
    click.echo(pem.strip())
    click.echo(f"# public key: {webpush.keys_from_pem(pem).public}", err=True)
