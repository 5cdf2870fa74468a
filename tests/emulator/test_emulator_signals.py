"""SIGTERM, SIGHUP or SIGINT to `lamina serve` ends every environment it started, and the
`setsid` children of their handlers: the process table is read afterwards."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from process_table import HANDLER, read_pids, wait_gone

from emulator.harness import ROLE, make_client, start_emulator, unique
from lamina.deploy.package import build_zip


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name
)
def test_a_signal_to_lamina_serve_leaves_no_process(tmp_path: Path, sig: signal.Signals) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(HANDLER)
    server = start_emulator(tmp_path / "data")
    try:
        lam = make_client(server.endpoint)
        name = unique()
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Timeout=120,
            Code={"ZipFile": build_zip(code)},
        )
        pids_file = tmp_path / "pids.json"
        lam.invoke(
            FunctionName=name,
            InvocationType="Event",
            Payload=json.dumps({"pids": str(pids_file)}).encode(),
        )
        pids = read_pids(pids_file, server.log)
        server.proc.send_signal(sig)
        server.proc.wait(timeout=30)
    finally:
        server.stop()
    left = wait_gone([pids["runtime"], pids["setsid_child"]])
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"left running after {sig.name}: {left}"
