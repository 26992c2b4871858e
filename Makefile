# Attune: `make run` serves the app on SQLite; `make test` runs the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT

.PHONY: install dev-install run serve migrate test test-fast bench bench-history bench-load lighthouse clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed

dev-install: $(VENV)/.dev-installed node_modules/.installed

migrate: install
	$(BIN)/flask --app wsgi db upgrade

# The notification worker runs beside the app and stops with it.
run: migrate
	$(BIN)/flask --app wsgi notify worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	SOCKETIO_ASYNC_MODE=threading $(BIN)/python -m app

# Production on this machine: several gunicorn/gevent processes behind a proxy (README,
# "Production"); SERVE_PROCESSES (2) and SERVE_PORT (8001) choose how many and where.
serve: install
	$(BIN)/python scripts/serve.py

test: dev-install
	@test -x /usr/bin/chromium || { echo "Chromium is missing: apt-get install -y chromium (browser tests never skip)"; exit 1; }
	$(BIN)/bandit -q -r app
	node --test tests/js/
	$(BIN)/pytest -q

test-fast: dev-install
	node --test tests/js/
	$(BIN)/pytest -q -m "not browser and not scaleout"

# The guard's accuracy, times, start-up and memory; live share -> push with the encoder against
# the rules-only guard (PostgreSQL and Redis on 127.0.0.1, as for bench-history); the history.
bench: dev-install
	$(BIN)/python benchmarks/guard_bench.py
	$(BIN)/python benchmarks/guard_realtime_bench.py
	$(BIN)/python benchmarks/history_bench.py
	$(BIN)/python benchmarks/notify_bench.py

# One couple with 1,000 exercises (40,000 events) on PostgreSQL: page times, queries, export.
bench-history: dev-install
	$(BIN)/python benchmarks/history_bench.py

# One gunicorn/gevent process on PostgreSQL + Redis against a bare Flask-SocketIO relay:
# push latency per N couples, capacity (p99 <= 100 ms, no errors), the ratio, a py-spy profile.
# BENCH_ARGS, e.g. "--steps 25,50,75 --seconds 10" or "--smoke".
bench-load: dev-install
	$(BIN)/python benchmarks/load_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache
