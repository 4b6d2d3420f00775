# `make run` starts the console on config.example.yaml; `make test` checks the import contracts
# (pyproject.toml) and runs the whole suite.
# Each creates .venv (from pyproject.toml) when it is missing or older than pyproject.toml.

PYTHON ?= python3
VENV := .venv
INSTALLED := $(VENV)/.installed

.PHONY: run test

$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "uptime-tui needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

run: $(INSTALLED)
	$(VENV)/bin/uptime-tui --config config.example.yaml --demo

test: $(INSTALLED)
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/python -m pytest
