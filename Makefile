# Two commands on a fresh machine: `make run` (the shop on SQLite with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Every command below runs with an explicit APP_ENV (the shop never guesses it); override with
# `make run APP_ENV=production` or by exporting APP_ENV.
export APP_ENV ?= development

.PHONY: run test lint format install install-dev migrate seed bench bench-scale audit e2e clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

migrate: install
	mkdir -p instance
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) shop seed --if-empty

## make run: set up and serve the shop on HOST:PORT with the demo catalog (SQLite unless DATABASE_URL says otherwise),
## with the email worker beside the web server; Ctrl-C stops both
run: export SHOP_BASE_URL ?= http://$(HOST):$(PORT)
run: seed
	$(BIN)/python scripts/run_dev.py --host $(HOST) --port $(PORT)

# Test processes for `make test` (pytest-xdist): one per core; PYTEST_WORKERS=0 runs the suite in this process.
PYTEST_WORKERS ?= auto

## make test: set up, lint and run the whole suite (TEST_DATABASE_URL selects PostgreSQL; PYTEST_ARGS adds pytest
## options; PYTEST_WORKERS sets the number of test processes, each with its own database)
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make bench: load the shop and a bare Flask baseline with wrk and print ratios; then checkout (orders/s, webhook replays) on PostgreSQL and the shoppers' mix on PostgreSQL with Redis (each skipped, saying so, when its servers do not answer)
bench: install-dev
	$(BIN)/python bench/run.py --rounds 3
	$(BIN)/python bench/orders.py
	$(BIN)/python bench/mix.py

# Lighthouse, pinned in audit/package.json and audit/package-lock.json (needs Node 20 and npm).
audit/node_modules/.installed: audit/package.json audit/package-lock.json
	npm ci --prefix audit --no-audit --no-fund --loglevel=error
	touch $@

## make audit: Lighthouse (mobile) on six storefront pages and, as the admin, the dashboard and the sales report,
## and axe-core on every page at 360 px and desktop, against the shop in production mode on SQLite with demo data;
## prints a table, fails when a budget is missed (BENCH_PORTS=first-last keeps its servers to a range of ports)
audit: install-dev audit/node_modules/.installed
	$(BIN)/python audit/run.py

## make bench-scale: the shop over a big PostgreSQL database (seed it first with `flask shop seed --scale`, or pass
## BENCH_SCALE_ARGS=--seed to drop, recreate and seed BENCH_DATABASE_URL, default shop_scale on 127.0.0.1)
bench-scale: install-dev
	$(BIN)/python bench/scale.py $(BENCH_SCALE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache audit/node_modules audit/results
