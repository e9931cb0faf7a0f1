# The two commands of README.md. Each installs what it needs into .venv.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean docs

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## run: start the service on http://127.0.0.1:8000 with a local SQLite decision log
run: $(STAMP)
	$(BIN)/cogov serve

## test: the whole test suite (unit, features, service, browser)
test: $(STAMP)
	@test -x /usr/bin/chromium || bash .ci/install-chromium
	$(BIN)/python -m pytest

## bench: the benchmark suite (full mode: about 30 minutes on 2 cores); writes docs/BENCHMARKS.md. BENCH_MODE=quick for a shorter run
BENCH_MODE ?= full
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks --mode $(BENCH_MODE)

## docs: regenerate docs generated from the schemas
docs: $(STAMP)
	$(BIN)/cogov schema docs > docs/CONTEXT.md

clean:
	rm -rf $(VENV) .pytest_cache
