# Two entry points: `make run` (the local stack) and `make test` (every check).
# Both install what they need first and can be run again at any time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

# Browser tests drive Debian's chromium; Playwright must never download its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: install run test lint bench clean vendor-console screenshots

$(PY_STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(PY_STAMP) $(NODE_STAMP)

run: install
	$(PY) -m tools.run_local

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	bash tools/ensure_chromium.sh
	PYTHON=$(PYTHON) bash tools/ensure_checkov.sh
	$(VENV)/bin/pytest

# The README's pictures (docs/*.png), from the demo tenant `make run` sets up.
screenshots: install
	bash tools/ensure_chromium.sh
	$(PY) -m tools.screenshots

vendor-console: $(NODE_STAMP)
	$(PY) -m tools.vendor_console

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules .local .mypy_cache .ruff_cache .pytest_cache
