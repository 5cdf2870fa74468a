# `make demo` and `make test` work on a fresh clone: they create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	# An editable install leaves Lamina uncompiled; without .pyc files (PYTHONDONTWRITEBYTECODE)
	# every `lamina` start would compile it again.
	$(BIN)/python -m compileall -q server/lamina
	touch $(STAMP)

install: $(STAMP)

# The main job on the embedded defaults: run the samples' handlers in local Lambda environments.
demo: install
	bash docs/demo.sh

lint: install
	$(BIN)/ruff check server tests bench samples
	$(BIN)/ruff format --check server tests bench samples

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: install
	$(BIN)/python bench/runtime.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
