"""gunicorn settings for one Attune process in production (``make serve`` starts several).

One gevent worker per process: Socket.IO keeps each connection's state in the process that
accepted it, so several workers under one gunicorn would scatter a client's long-polling
requests. Scale out with more processes (each its own port) behind a proxy with sticky
sessions, sharing PostgreSQL and Redis (see README, "Production").
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8001")
worker_class = "gevent"
workers = 1
# Every open socket is a connection; gunicorn's gevent default is 1,000.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "4000"))
# A worker silent this long is restarted; long-lived sockets do not count as silence.
timeout = 60
graceful_timeout = 20
keepalive = 5
# gunicorn 27 opens a control socket in the home folder by default: not wanted here.
control_socket_disable = True
# Attune logs its own requests, one JSON line each, with a request id (app/logs.py);
# gunicorn's access log would repeat them with the raw path, which can hold secrets.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# Behind a proxy on the same machine: trust its X-Forwarded-* (TRUSTED_PROXIES sets how many).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "attune"
