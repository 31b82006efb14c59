# `make run` sets up and starts the bot on its embedded default (SQLite, web chat on
# http://127.0.0.1:8080/); `make test` sets up and runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint chat clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	@test -f .env || cp .env.example .env
	$(BIN)/cchc-bot migrate
	$(BIN)/cchc-bot content validate
	$(BIN)/cchc-bot run

chat: $(VENV)/.run-deps
	$(BIN)/cchc-bot chat

# The suite in parallel, one process per core (pytest-xdist); PostgreSQL on a throwaway
# cluster the tests start themselves (or the server TEST_POSTGRES_URL names); every skip
# printed with its reason, and the slowest tests.
test: $(VENV)/.dev-deps
	$(BIN)/python -m pytest -q -n auto --dist loadgroup -rs --durations=15

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check bot scheduler tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) data .pytest_cache
