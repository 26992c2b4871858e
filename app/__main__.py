"""``python -m app``: the development server with real-time working (``make run``)."""

from __future__ import annotations

import os

from app import create_app
from app.extensions import socketio


def main() -> None:
    """Serve on 127.0.0.1:$PORT with Socket.IO in threading mode."""
    app = create_app({"SOCKETIO_ASYNC_MODE": "threading"})
    port = int(os.environ.get("PORT", "5000"))
    print(f" * Attune is running on http://localhost:{port}", flush=True)
    socketio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, debug=False,
                 use_reloader=False, log_output=False)


if __name__ == "__main__":
    main()
