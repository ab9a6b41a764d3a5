# The two commands: `make run` (the platform with demo data) and `make test` (the whole suite).
# Both build .venv from the pinned requirements on first use; nothing else needs installing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test setup setup-dev migrate demo lint fmt check messages compilemessages browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime compilemessages
setup-dev: $(VENV)/.dev compilemessages

compilemessages: $(VENV)/.runtime
	$(BIN)/python scripts/compile_messages.py

migrate: setup
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo_load

## The platform with realistic demo data, on http://$(HOST):$(PORT)
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## The whole test suite (SQLite unless DATABASE_URL points elsewhere)
test: setup-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: setup-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Models and migrations agree
check: setup
	$(BIN)/python manage.py makemigrations --check --dry-run

## Refresh the message catalogues from the source (needs GNU gettext; developers only)
messages: setup
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=tests
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
