"""Real editor clients (slow, and they need the editor installed): run by `make e2e`, which
installs Neovim when it is missing and sets LAMINA_E2E=1. The default `pytest` run leaves
this folder out."""

from __future__ import annotations

import os

collect_ignore_glob = [] if os.environ.get("LAMINA_E2E") == "1" else ["test_*.py"]
