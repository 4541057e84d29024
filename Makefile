# The README's two set-up commands: `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test bench lint format worker clean check-migrations screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

# Serves the app. With DATABASE_URL and REDIS_URL (or CELERY_BROKER_URL) set it uses PostgreSQL and
# Redis and starts a Celery worker beside the web server; with nothing set, SQLite and eager jobs.
run: setup
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py load_questionnaires
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Emails the app sends are written to sent-emails/, one file each."
	@echo "MLFit is at http://$(HOST):$(PORT)/  (sign in as member@demo.mlfit.test / mlfit-demo-2026)"
	@echo ""
	@if [ -n "$$REDIS_URL$$CELERY_BROKER_URL" ]; then \
		echo "Starting a Celery worker beside the web server"; \
		DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/celery -A config worker --beat --loglevel=INFO --concurrency=2 & \
		WORKER=$$!; trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
		DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT); \
	else \
		DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT); \
	fi

worker: setup
	$(BIN)/celery -A config worker --loglevel=INFO

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# A database made before issue 16's split by noun migrates forward with every row (needs PostgreSQL).
check-migrations: setup
	$(BIN)/python scripts/check_migrations.py

bench: setup
	$(BIN)/python -m scripts.bench

# The demo's main pages in Chromium, written to docs/screenshots/ (a throwaway SQLite database,
# or DATABASE_URL when set: it is migrated and seeded).
screenshots: setup
	$(BIN)/python -m scripts.screenshots

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
