"""The yardstick for ``make bench-load``: a bare Flask-SocketIO relay, nothing of Attune.

The same event names and namespace as Attune (``join``, ``act`` on ``/exercise``, ``events``
pushed to both partners), the same server stack (gunicorn -k gevent, one worker, the Redis
message queue, the same origin check and packet cap), but no sign-in, no state, no database:
``act`` is acknowledged and relayed as it came. A per-process counter numbers each exercise's
messages, so the load client checks the relay's pushes exactly as it checks Attune's.

    gunicorn -k gevent -w 1 --chdir benchmarks/load relay_app:app
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from flask_socketio import SocketIO, emit, join_room

app = Flask(__name__)
socketio = SocketIO(
    app,
    async_mode="gevent",
    message_queue=os.environ.get("REDIS_URL") or None,
    channel=os.environ.get("SOCKETIO_CHANNEL", "attune-relay"),
    cors_allowed_origins=[o for o in os.environ.get("ALLOWED_ORIGINS", "").split(",") if o],
    max_http_buffer_size=32 * 1024,
    ping_interval=20,
    ping_timeout=20,
)
_seq: dict[Any, int] = {}


@app.get("/healthz")
def healthz() -> dict[str, bool]:
    return {"ok": True}


@socketio.on("join", namespace="/exercise")
def join(data: dict[str, Any]) -> dict[str, Any]:
    exercise_id = data["exercise_id"]
    join_room(f"ex:{exercise_id}")
    return {"ok": True, "exercise_id": exercise_id, "seq": _seq.get(exercise_id, 0),
            "events": []}


@socketio.on("act", namespace="/exercise")
def act(data: dict[str, Any]) -> dict[str, Any]:
    exercise_id = data["exercise_id"]
    seq = _seq[exercise_id] = _seq.get(exercise_id, 0) + 1
    event = {"seq": seq, "type": data["type"], "payload": data["payload"]}
    emit("events", {"exercise_id": exercise_id, "seq": seq, "events": [event]},
         to=f"ex:{exercise_id}")
    return {"ok": True, "exercise_id": exercise_id, "seq": seq, "events": [event]}
