# Alleykeeper: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/alleykeeper

.PHONY: run serve test test-clock test-postgres lint format env demo clean system-test-deps audit

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

.env: | $(VENV)/.runtime
	$(PY) scripts/make_env.py .env

env: .env

# var/static: WhiteNoise warns on every request while STATIC_ROOT does not exist.
var:
	mkdir -p var/static

## make run: install, migrate, load the demo community, make the coming shifts of its weekly rosters and today's
## disinfection tasks (a demo loaded last week is staffed and has its tasks today: what the timers do on a real
## installation), serve it at http://127.0.0.1:8000 with the task worker and the alerts scan (every 20 s) beside it
run: $(VENV)/.runtime .env var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_divisions
	$(PY) manage.py load_demo
	$(PY) manage.py generate_shifts
	$(PY) manage.py generate_disinfection_tasks
	$(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
	$(PY) manage.py scan_alerts --loop 20 & scanner=$$!; \
	trap "kill $$worker $$scanner 2>/dev/null" EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

## Debian packages the tests need: Chromium and CJK fonts (browser tests), faketime (clock runs), nginx (`nginx -t`
## of deploy/nginx); root, or sudo.
system-test-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || ! command -v faketime >/dev/null \
		|| [ ! -x /usr/sbin/nginx ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-noto-cjk faketime nginx; \
	fi

## make test: install what tests need, lint, and pass the whole suite (SQLite by default)
test: $(VENV)/.dev .env var system-test-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

## the suite's time-dependent part on SQLite under faketime at 00:05, 03:50, 07:59, 12:10, 23:55 Beijing time,
## 23:59 on 31 December and 23:59 on 28 February of a leap year (scripts/test_clock.sh)
test-clock: $(VENV)/.dev .env var system-test-deps
	scripts/test_clock.sh

## the same suite on PostgreSQL (the server must be running; .ci/run starts it)
test-postgres:
	DATABASE_URL=$(PG_TEST_URL) $(MAKE) test

## make audit: known vulnerabilities in the pinned dependencies (pip-audit; needs the network, so not in the suite;
## exceptions are written down in README "Security")
audit: $(VENV)/.dev
	$(VENV)/bin/pip-audit -r requirements.txt -r requirements-dev.txt --progress-spinner off

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache
