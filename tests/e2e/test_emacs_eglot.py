"""Emacs with eglot (Debian 12: Emacs 28 and elpa-eglot, installed by `make e2e`) drives
`lamina lsp` through eglot's own functions (see eglot_lamina.el): the code actions on a handler's
def line, Run with an event and Debug through them, a diagnostic and its quick fix."""

from __future__ import annotations

from pathlib import Path

from emacs import run_emacs_driver


def test_eglot_reaches_every_action_and_a_quick_fix(tmp_path: Path) -> None:
    _, report = run_emacs_driver(tmp_path, "eglot_lamina.el", "elpa-eglot")
    assert report["titles"][:6] == [
        "Lamina: Run EchoFunction (event hello)",
        "Lamina: Debug EchoFunction (event hello)",
        "Lamina: Sync EchoFunction",
        "Lamina: Run EchoFunction with hello",
        "Lamina: Run EchoFunction with other",
        "Lamina: Next event for EchoFunction",
    ]
    assert "Lamina: Start the emulator" in report["titles"]
    assert report["kinds"] == ["source.lamina"]
    assert report["only-source-lamina"] == len(report["titles"])
    assert report["run"]["ok"] is True
    assert report["run"]["payload"]["event"] == {"name": "other"}
    assert report["debug"]["type"] == "debugpy" and report["debug"]["connect"]["port"] > 0
    assert report["diagnostic"] == "handler-signature"
    assert report["quickfixes"] == ["Change to handler(event, context)"]
    assert report["fixed-line"] == "def handler(event, context):"
    # Eglot sends the diagnostics at point with every plain request: the fix, never a run.
    assert not any(title.startswith("Lamina: Run") for title in report["plain-with-diagnostics"])
