# `make demo` and `make test` work on a fresh clone: they create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck pytest bench clean e2e

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

# Real editor clients: headless Neovim (Debian's 0.7.2) drives `lamina lsp` (tests/e2e, which the
# default pytest run leaves out). Installs Neovim through apt when it is missing.
e2e: install
	command -v nvim >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq neovim; }
	LAMINA_E2E=1 $(BIN)/pytest -q tests/e2e

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
