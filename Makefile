# Two commands do all set-up on a fresh machine: `make serve` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --quiet
# What the venv installs: the product with its test tools; the container image takes `.` alone.
INSTALL_TARGET ?= .[dev]
# Options for `dbgpt serve`, e.g. `make serve ARGS="--port 8080"` (or DBGPT_PORT=8080 make serve).
ARGS ?=

.PHONY: serve test model venv clean system-deps

# System packages some tests and features use: hypopg (hypothetical indexes for
# PostgreSQL index advice) and SQLite's own HTML documentation (a real corpus
# for the knowledge tests), Chromium (the browser the UI tests drive) and
# docker-compose (it checks docker-compose.yml; no container engine is needed).
# Installed where we are root and apt is there; elsewhere the tests that need
# them say so.
SYSTEM_PACKAGES := postgresql-15-hypopg sqlite3-doc chromium docker-compose
system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  fi; \
	else echo "not root or no apt-get: skipping $(SYSTEM_PACKAGES)"; fi

# The virtual environment, rebuilt when the pinned dependencies change.
# llama-cpp-python compiles from source the first time (~11 min on 2 cores) for
# this CPU's feature level, not -march=native (see the script); the wheel is kept
# in ~/.cache/dbgpt, so later installs take seconds.
LLAMA_CPP_VERSION := $(shell sed -n 's/.*"llama-cpp-python==\([^"]*\)".*/\1/p' pyproject.toml)
$(STAMP): pyproject.toml scripts/llama-cpp-wheel.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	scripts/quiet-pip.sh $(PIP) install --force-reinstall --no-deps "$$(scripts/quiet-pip.sh scripts/llama-cpp-wheel.sh $(BIN)/python $(LLAMA_CPP_VERSION))"
	scripts/quiet-pip.sh $(PIP) install -e '$(INSTALL_TARGET)'
	$(BIN)/python -c "import llama_cpp, fastchat, sqlglot"
	touch $(STAMP)

venv: $(STAMP)

model: $(STAMP)
	$(BIN)/dbgpt model pull

serve: $(STAMP)
	$(BIN)/dbgpt serve $(ARGS)

test: model
	$(BIN)/python -m pytest tests

clean:
	rm -rf $(VENV) data/demo data/logs data/metadata.sqlite data/chroma
