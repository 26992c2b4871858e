"""Benchmark reminders and partner alerts: what recording notices adds to an exercise action,
and how fast one worker pushes due notifications (encrypt, sign, POST, mark sent).

    .venv/bin/python benchmarks/notify_bench.py [--actions 200] [--due 300]

Runs the real app on a throwaway SQLite file (the embedded default) with the push service
stand-in from the tests on loopback. Prints the median and 95th percentile time of a speaker's
"share" action with and without the notification hook, and the worker's sends per second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Notification, NotificationSettings, PushSubscription, User
from app.models.types import utcnow
from app.services import exercises, notify_worker, pairing, publisher
from app.services.accounts import sign_up_with_password
from tests.conftest import PASSWORD, make_config
from tests.push_service import PushService, Subscriber


def _shares(alex: User, count: int) -> list[float]:
    exercise_id = exercises.propose(alex, {"kind": "speaker_listener", "first_speaker": "me"}).id
    blair = exercises.partner_of(exercises.load_for(alex, exercise_id), alex.id)
    exercises.act(blair, exercise_id=exercise_id, client_id=f"accept-{exercise_id:04d}",
                  type_="accept", payload={})
    times = []
    for i in range(count):
        start = time.perf_counter()
        exercises.act(alex, exercise_id=exercise_id, client_id=f"s-{exercise_id}-{i:05d}",
                      type_="share", payload={"text": f"piece {i}"})
        times.append((time.perf_counter() - start) * 1000)
    exercises.act(alex, exercise_id=exercise_id, client_id=f"endearly-{exercise_id:04d}",
                  type_="end_early", payload={})
    return times


def _line(label: str, times: list[float]) -> str:
    times = sorted(times)
    return (f"{label}: median {statistics.median(times):.2f} ms, "
            f"p95 {times[int(len(times) * 0.95) - 1]:.2f} ms over {len(times)}")


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--actions", type=int, default=200)
    args.add_argument("--due", type=int, default=300)
    opts = args.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="attune-notify-bench-"))
    app = create_app(make_config(tmp, VAPID_KEY_FILE=str(tmp / "vapid.pem")))
    with app.app_context():
        db.create_all()
        alex = sign_up_with_password(email="a@example.com", name="Alex", password=PASSWORD)
        blair = sign_up_with_password(email="b@example.com", name="Blair", password=PASSWORD)
        pairing.redeem(pairing.create_invite(alex).invite, blair)

        with_hook = _shares(alex, opts.actions)
        real: Any = publisher.notify
        publisher.notify = lambda *a, **k: None  # type: ignore[assignment]
        try:
            without = _shares(alex, opts.actions)
        finally:
            publisher.notify = real
        print(_line("share action, with notifications", with_hook))
        print(_line("share action, without the hook  ", without))

        db.session.execute(sa.delete(Notification))
        with PushService() as service:
            now = utcnow()
            for i in range(opts.due):
                user = sign_up_with_password(email=f"p{i}@example.com", name=f"P{i}",
                                             password=PASSWORD)
                keys = Subscriber(service.endpoint(f"p{i}")).subscription()["keys"]
                db.session.add_all([
                    NotificationSettings(user_id=user.id, quiet_start=None, quiet_end=None),
                    PushSubscription(user_id=user.id, endpoint=service.endpoint(f"p{i}"),
                                     p256dh=keys["p256dh"], auth=keys["auth"]),
                    Notification(user_id=user.id, kind="starts_now", key=f"k{i}",
                                 title="Time for Speaker–Listener", body="Now.",
                                 path="/exercises/1", due_at=now, next_attempt_at=now,
                                 reached=[])])
            db.session.commit()
            start = time.perf_counter()
            sent = 0
            while sent < opts.due:
                stats = notify_worker.run_batch()
                if not stats.handled:
                    break
                sent += stats.push
            seconds = time.perf_counter() - start
            service.wait_for(opts.due)
        print(f"one worker (SQLite): {sent} pushes in {seconds:.2f} s = "
              f"{sent / seconds:.0f} per second ({seconds / sent * 1000:.1f} ms each)")


if __name__ == "__main__":
    main()
