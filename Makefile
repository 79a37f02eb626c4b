# Two commands: `make run` (server with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DATABASE_URL ?= sqlite+aiosqlite:///./app.db
export DATABASE_URL

.PHONY: run test test-engine-off install install-dev lint typecheck schema bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Migrate, seed demo data on the first run (seed is a no-op once users exist), serve with GraphiQL.
run: install
	$(BIN)/graphql-api migrate
	$(BIN)/graphql-api seed --demo
	$(BIN)/graphql-api serve --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest

# The engine's contract: the whole suite again on SQLite with FAST_EXECUTOR=false (stock
# Strawberry and graphql-core) must pass too; tests marked `engine` keep it on.
test-engine-off: install-dev
	env -u TEST_DATABASE_URL FAST_EXECUTOR=false $(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check graphql_api tests bench
	$(BIN)/ruff format --check graphql_api tests bench

typecheck: install-dev
	$(BIN)/mypy

schema: install
	$(BIN)/graphql-api export-schema --output schema.graphql

bench: install-dev
	$(BIN)/python -m bench

bench-quick: install-dev
	$(BIN)/python -m bench --quick
	$(BIN)/python -m bench.inprocess --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
