# Two commands do all set-up on a fresh machine: `make serve` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --quiet

.PHONY: serve test model venv clean lint bench

# The virtual environment, rebuilt when the pinned dependencies change.
# llama-cpp-python compiles from source the first time (~11 min on 2 cores);
# pip caches the wheel, so later installs take seconds.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[dev]' 2> >(grep -v '^WARNING: Location' >&2)
	$(BIN)/python -c "import llama_cpp, fastchat, sqlglot"
	touch $(STAMP)

venv: $(STAMP)

model: $(STAMP)
	$(BIN)/dbgpt model pull

serve: $(STAMP)
	$(BIN)/dbgpt serve

test: model
	$(BIN)/python -m pytest tests

clean:
	rm -rf $(VENV) data/demo data/logs data/metadata.sqlite data/chroma
