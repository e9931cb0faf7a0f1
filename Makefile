# The two commands of README.md. Each installs what it needs into .venv.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

NODE_TOOLS := node_modules/.package-lock.json

.PHONY: run test bench clean docs node-tools messages check-translations

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## run: start the service on http://127.0.0.1:8000 with a local SQLite decision log
run: $(STAMP)
	@bash .ci/install-pdf-libs
	$(BIN)/cogov serve

## test: the whole test suite (unit, features, service, browser)
test: $(STAMP) node-tools
	@test -x /usr/bin/chromium || bash .ci/install-chromium
	@bash .ci/install-pdf-libs
	$(BIN)/python -m pytest

# the tests' Node tools (@redocly/cli for the API contract, axe-core for the browser journey's accessibility
# check), pinned in package.json and package-lock.json; without npm the tests that need them say so and skip
node-tools:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(NODE_TOOLS); \
	else echo "npm not found: the Redocly check of the OpenAPI will be skipped"; fi

$(NODE_TOOLS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

## bench: the benchmark suite (full mode: about 30 minutes on 2 cores); writes docs/BENCHMARKS.md. BENCH_MODE=quick for a shorter run
BENCH_MODE ?= full
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks --mode $(BENCH_MODE)

## docs: regenerate docs generated from the schemas, and the OpenAPI's examples from a real run
docs: $(STAMP)
	$(BIN)/cogov schema docs > docs/CONTEXT.md
	$(BIN)/python -m service.openapi_examples

## messages: the interface's catalogues after a page's text changed (docs/TRANSLATING.md): extract
## service/locale/messages.pot from the templates and service/pages, merge it into each language's .po (new entries
## come in empty, to be translated; no guesses)
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project=cogov --version=interface \
		--copyright-holder=cogov -o service/locale/messages.pot .
	$(BIN)/pybabel update -i service/locale/messages.pot -d service/locale -D messages \
		--no-fuzzy-matching --ignore-obsolete

## check-translations: every language translates every interface string, placeholders and markup kept, each
## entry marked drafted or reviewed
check-translations: $(STAMP)
	$(BIN)/python -m pytest -n 0 -q tests/pages/test_i18n_catalogues.py

clean:
	rm -rf $(VENV) .pytest_cache node_modules
