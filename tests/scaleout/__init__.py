"""Scale-out tests: two real gunicorn/gevent processes sharing PostgreSQL and Redis."""
