# modelyard: `make run` and `make test` bootstrap .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run example test lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# the server on 127.0.0.1 (SQLite + blobs in ./modelyard), loaded with the example once
run: $(STAMP)
	$(BIN)/python examples/serve.py

# the example alone, on the embedded store, no server
example: $(STAMP)
	$(BIN)/python examples/fraud_detection.py

lint: $(STAMP)
	$(BIN)/ruff check src tests examples bench
	$(BIN)/ruff format --check src tests examples bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# two workers (one per core here), a test file per worker at a time so module-scoped
# servers and stores are built once
test: lint
	$(BIN)/pytest -q -n 2 --dist loadfile

format: $(STAMP)
	$(BIN)/ruff format src tests examples bench
	$(BIN)/ruff check --fix src tests examples bench

clean:
	rm -rf $(VENV) modelyard .pytest_cache .mypy_cache .ruff_cache
