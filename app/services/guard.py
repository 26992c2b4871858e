"""Judging listener messages without stalling the server.

The guard's encoder is CPU work (a few milliseconds a message).  Under gevent (gunicorn's
worker) a CPU-bound call on the event loop would stall every other connection of the process,
so the judgement runs in the hub's pool of real threads while the calling greenlet waits and
the others are served.  Without gevent (the threaded development server, the CLI, tests) each
request already has its own thread, and the judgement runs in place.
"""

from __future__ import annotations

import sys

from app.domain.guard import Verdict, judge


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("threading"))


def judge_message(text: str, *, speaker_said: str, attempt: int | None = None) -> Verdict:
    """The guard's verdict on one listener message, computed off the event loop."""
    if _gevent_patched():
        import gevent

        pool = gevent.get_hub().threadpool
        verdict: Verdict = pool.apply(
            judge, (text,), {"speaker_said": speaker_said, "attempt": attempt}
        )
        return verdict
    return judge(text, speaker_said=speaker_said, attempt=attempt)
