"""SIGTERM, SIGHUP or SIGINT to `lamina api` ends every environment it started, and the `setsid`
children of their handlers, while a request is still running: the process table is read
afterwards (as tests/emulator/test_emulator_signals.py does for `lamina serve`)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from process_table import HANDLER, read_pids, wait_gone

from gateway.harness import ApiProcess

# The shared handler reads its pids file from the event; behind an HTTP API it comes in the query.
API_HANDLER = HANDLER.replace(
    'open(event["pids"], "w")', 'open(event["queryStringParameters"]["pids"], "w")'
)


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name
)
def test_a_signal_to_lamina_api_leaves_no_process(tmp_path: Path, sig: signal.Signals) -> None:
    assert API_HANDLER != HANDLER
    pids_file = tmp_path / "pids.json"
    api = ApiProcess(
        "http_only",
        tmp_path,
        prepare=lambda root: (root / "src" / "app.py").write_text(API_HANDLER),
    )
    url = f"{api.url}/hello?" + urllib.parse.urlencode({"pids": str(pids_file)})

    def request() -> None:  # answered by the gateway's error, or cut, when lamina api ends
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=90).read()

    caller = threading.Thread(target=request, daemon=True)
    caller.start()
    try:
        pids = read_pids(pids_file, api.stderr)
        api.proc.send_signal(sig)
        api.proc.wait(timeout=30)
    finally:
        api.stop()
    left = wait_gone([pids["runtime"], pids["setsid_child"]])
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"left running after {sig.name}: {left}"
