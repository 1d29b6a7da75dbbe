# Gridsight: `make demo` serves the demo county, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: setup setup-browser demo serve test lint bench stop db

setup: $(STAMP)
	@scripts/install-system.sh

AXE := tests/axe/node_modules/axe-core/axe.min.js

setup-browser: $(STAMP) $(AXE)
	@scripts/install-system.sh --browser

# axe-core (npm), injected into the pages by tests/test_accessibility.py; pinned by tests/axe/package-lock.json
$(AXE): tests/axe/package.json tests/axe/package-lock.json
	@scripts/install-system.sh --browser
	cd tests/axe && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STAMP): requirements.txt
	@scripts/install-system.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

demo: setup
	$(PY) -m etl demo --if-empty
	$(PY) -m geo users demo
	$(PY) app.py

serve: setup
	$(PY) app.py

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy

test: setup-browser lint
	$(PY) -m pytest

bench: setup
	$(PY) -m bench $(BENCH_ARGS)

db: setup
	$(PY) -m geo db start

stop:
	@if [ -x $(PY) ]; then $(PY) -m geo db stop; fi
