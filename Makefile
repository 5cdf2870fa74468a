# `make demo` and `make test` work on a fresh clone: they create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck pytest bench clean e2e vscode-test vsix
EXT := client-vscode
EXT_STAMP := $(EXT)/node_modules/.installed
EXT_VERSION := $(shell sed -n 's/^  "version": "\(.*\)",/\1/p' $(EXT)/package.json)
VSIX := $(EXT)/lamina-$(EXT_VERSION).vsix

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	# AWS's durable execution requirements (YAML, pure Python); it declares Python >= 3.14.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--ignore-requires-python 'aws-durable-execution-conformance-tests>=1.0'
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

test: lint typecheck pytest vscode-test

$(EXT_STAMP): $(EXT)/package-lock.json
	cd $(EXT) && npm ci --no-audit --no-fund --loglevel=error
	touch $(EXT_STAMP)

# The extension's typecheck, ESLint and unit tests (node --test on its pure modules).
vscode-test: $(EXT_STAMP)
	cd $(EXT) && npm run --silent check

# client-vscode/lamina-<version>.vsix. BUNDLE_WHEEL=1 puts Lamina's wheel inside, so the
# extension can install Lamina into an interpreter that lacks it.
vsix: $(EXT_STAMP) install
	rm -rf $(EXT)/wheels
	if [ -n "$(BUNDLE_WHEEL)" ]; then $(BIN)/python -m pip wheel --quiet --no-deps -w $(EXT)/wheels .; fi
	cd $(EXT) && npm run --silent build && npx vsce package --no-dependencies -o ../$(VSIX)

bench: install
	$(BIN)/python bench/runtime.py

# Real editor clients (tests/e2e, which the default pytest run leaves out): headless Neovim
# (Debian's 0.7.2), Emacs 28 with eglot, and with lsp-mode + dap-mode (elpa-*), and Kate under Xvfb
# (screenshots to build/e2e-kate), installed
# through apt when missing, drive `lamina lsp`, and the VS Code
# extension runs in code-server with headless Chromium (client-vscode/e2e/install.sh installs
# them). Screenshots of each step go to build/e2e-vscode.
# aws-sam-cli pins boto3/click/watchdog: it gets a venv of its own, for the generate-event comparison.
SAM_VENV := .venv-sam
$(SAM_VENV)/bin/sam:
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q aws-sam-cli

e2e: install vsix $(SAM_VENV)/bin/sam
	command -v nvim >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq neovim; }
	# Chromium (and code-server) for the browser tests: install.sh adds only what is missing.
	bash $(EXT)/e2e/install.sh
	emacs --batch --eval "(progn (package-initialize) (require 'eglot) (require 'lsp-mode) (require 'dap-mode))" >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends emacs-nox elpa-eglot elpa-lsp-mode elpa-dap-mode; }
	# Kate 22.12 under Xvfb, typed at with xdotool; ImageMagick's `import` takes its screenshots.
	command -v kate >/dev/null 2>&1 && command -v Xvfb >/dev/null 2>&1 && command -v xdotool >/dev/null 2>&1 && command -v import >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends kate xvfb xdotool imagemagick; }
	LAMINA_E2E=1 LAMINA_E2E_VSIX=$(VSIX) LAMINA_E2E_OUT=build/e2e-vscode $(BIN)/pytest -q -s tests/e2e
	# The tests marked slow, which make test leaves out (tests/conftest.py).
	LAMINA_E2E=1 $(BIN)/pytest -q -m slow tests --ignore=tests/e2e

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
