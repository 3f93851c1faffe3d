# Terre de Solidarités
#   make run    install, migrate, load the demo data, start the task worker and the web server
#               (on ADDR, 127.0.0.1:8000 by default: make run ADDR=0.0.0.0:8080)
#   make test   install, lint, check migrations, run the suite on SQLite then on PostgreSQL
#   make prod-check  the production topology on this machine (gunicorn, 2 task workers,
#               PostgreSQL, WhiteNoise, a local SMTP server) under a bounded load test

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

PYTHON ?= python
VENV_PYTHON := .venv/bin/python
ADDR ?= 127.0.0.1:8000
PG_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tds
TEST_DATABASE_NAME ?= test_tds_make
BENCH_ARGS ?=
PYTEST := $(VENV_PYTHON) -m pytest -p no:cacheprovider

# uv downloads nothing but packages: the interpreter is the one running this Makefile.
export UV_PYTHON_DOWNLOADS := never

.NOTPARALLEL:
.PHONY: install run test prod-check lint migrations-check test-sqlite test-postgres bench diagrams

install:
	bash scripts/install_system_deps.sh
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv sync --frozen --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"

run: install
	$(VENV_PYTHON) manage.py migrate --no-input
	@if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null && command -v msgfmt >/dev/null; then \
		$(VENV_PYTHON) manage.py compilemessages --ignore=.venv --verbosity=0; \
	fi
	$(VENV_PYTHON) scripts/run_dev.py --seed $(ADDR)

test: install lint migrations-check test-sqlite test-postgres

lint:
	$(VENV_PYTHON) -m ruff check .

migrations-check:
	$(VENV_PYTHON) manage.py makemigrations --check --dry-run

# pytest exits non-zero when a test fails and 5 when no test ran: both stop make.
test-sqlite:
	env -u DATABASE_URL $(PYTEST)

test-postgres:
	@status=0; $(VENV_PYTHON) scripts/check_postgres.py "$(PG_DATABASE_URL)" || status=$$?; \
	if [ "$$status" -eq 3 ]; then exit 0; fi; \
	if [ "$$status" -ne 0 ]; then exit "$$status"; fi; \
	echo "$(PYTEST)  (PostgreSQL, test database $(TEST_DATABASE_NAME))"; \
	DATABASE_URL="$(PG_DATABASE_URL)" TEST_DATABASE_NAME="$(TEST_DATABASE_NAME)" $(PYTEST)

prod-check: install
	$(VENV_PYTHON) tests/bench/bench_load.py $(BENCH_ARGS)

bench: install
	@if [ -f tests/bench/run.py ]; then \
		$(VENV_PYTHON) tests/bench/run.py $(BENCH_ARGS); \
	else \
		echo "No benchmarks yet (tests/bench/run.py is missing)."; \
	fi

# Rewrite the state diagrams of README.md from the flow classes.
diagrams:
	$(VENV_PYTHON) -m workflows.diagram --write
