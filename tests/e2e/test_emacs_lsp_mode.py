"""Emacs with lsp-mode and dap-mode (Debian 12: elpa-lsp-mode 8.0, elpa-dap-mode 0.7, installed
by `make e2e`): lsp-lens-mode draws Lamina's lenses over the handler, the Run lens's own action
runs it, and the Debug lens plus dap-mode stop at a breakpoint in the handler (see
lsp_mode_lamina.el)."""

from __future__ import annotations

from pathlib import Path

from emacs import run_emacs_driver


def test_lsp_mode_lenses_run_and_a_dap_mode_breakpoint(tmp_path: Path) -> None:
    root, report = run_emacs_driver(tmp_path, "lsp_mode_lamina.el", "elpa-lsp-mode")
    assert report["lenses"] == ["▶ Run", "⚙ Debug", "⇪ Sync", "{ } Event: hello"]
    assert report["lens-line"] == 7  # def handler(event, context):
    assert (report["run-ok"], report["function"], report["event"]) == (
        True,
        "EchoFunction",
        "hello",
    )
    # dap-mode attached through lamina/debugReady and stopped in the user's own file.
    assert report["stopped-path"] == str(root / "src" / "app.py")
    assert report["stopped-line"] == 8  # print("echo got", event)
    assert report["debug-ok"] is True
