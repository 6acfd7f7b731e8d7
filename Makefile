# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format fuzz bench mutate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt requirements-production.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt requirements-production.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $(VENV)/.runtime $@

## Start the embedded store (unless MONGODB_URI is set), load the demo rounds, serve on :8000.
run: $(VENV)/.runtime
	$(BIN)/python -m service serve --demo --host $(HOST) --port $(PORT)

## The whole suite against a real store over TCP.
test: $(VENV)/.dev
	$(BIN)/python -m pytest -q

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## A longer schemathesis run over every endpoint.
fuzz: $(VENV)/.dev
	FUZZ_EXAMPLES=500 $(BIN)/python -m pytest -q tests/security/test_fuzz.py

bench: $(VENV)/.dev
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/change.py
	$(BIN)/python bench/series_change.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/open_loop.py
	$(BIN)/python bench/estimates.py
	$(BIN)/python bench/small_area.py

## Mutation testing of scoring/ with the scoring tests; the score goes in docs/statistics.md.
## One module: make mutate MUTANTS='scoring.fpc.*' (mutmut's mutant-name pattern).
MUTANTS ?=
mutate: $(VENV)/.dev
	rm -rf mutants
	$(BIN)/mutmut run $(MUTANTS)
	$(BIN)/mutmut results --all true | $(BIN)/python bench/mutation_score.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis mutants
