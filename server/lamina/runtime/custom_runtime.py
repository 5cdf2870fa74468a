"""OS-only runtimes (`provided.al2023`, `provided.al2`): the function's `bootstrap` executable is
the runtime. Lambda runs `/var/task/bootstrap` (the code's), else `/opt/bootstrap` (a layer's),
with the Lambda environment variables and no runtime of its own; the bootstrap talks to the
Runtime API (`AWS_LAMBDA_RUNTIME_API`) itself, streaming included.

Here the same file is run from the code folder (or the merged /opt). What can't be reproduced
is said at init, as Lambda says a broken bootstrap (`Runtime.InvalidEntrypoint`): no bootstrap,
one that isn't executable, or a compiled one for another architecture or OS (a Go or Rust
binary built for Linux arm64 on an x86_64 machine, or for Linux on macOS). The error reaches
the invoke through the Runtime API's init error, from a small stand-in process, so every caller
sees it as the function's init error.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from lamina.runtime.config import FunctionConfig

INVALID_ENTRYPOINT = "Runtime.InvalidEntrypoint"
# ELF e_machine values for the architectures Lambda runs.
_ELF_MACHINES = {0x3E: "x86_64", 0xB7: "arm64"}
_HOST_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}

# Reports an init error through the Runtime API, then exits as a runtime that gave up does.
_REPORT_INIT_ERROR = """
import http.client, json, os, sys
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
connection = http.client.HTTPConnection(host, int(port))
body = json.dumps({"errorType": sys.argv[1], "errorMessage": sys.argv[2]})
connection.request("POST", "/2018-06-01/runtime/init/error", body,
                   {"Lambda-Runtime-Function-Error-Type": sys.argv[1]})
connection.getresponse().read()
print(sys.argv[2], file=sys.stderr)
sys.exit(1)
"""


def bootstrap_command(config: FunctionConfig) -> list[str]:
    """The bootstrap to run, or a stand-in that reports why there is none that can run here."""
    places = [config.code_dir / "bootstrap"]
    if config.opt is not None:
        places.append(config.opt.path / "bootstrap")
    found = next((p for p in places if p.is_file()), None)
    if found is None:
        shown = " ".join(("/var/task/bootstrap", "/opt/bootstrap"))
        return _init_error(f"Couldn't find valid bootstrap(s): [{shown}]")
    problem = unrunnable(found)
    if problem is not None:
        return _init_error(problem)
    return [str(found)]


def unrunnable(path: Path) -> str | None:
    """Why this machine can't run `path` as Lambda would (None: it can)."""
    name = "/var/task/bootstrap" if path.parent.name != "opt" else "/opt/bootstrap"
    if not os.access(path, os.X_OK):
        return f"fork/exec {name}: permission denied (chmod +x bootstrap)"
    with path.open("rb") as file:
        head = file.read(20)
    if head.startswith(b"#!"):
        return None  # a script: its interpreter must exist here, as on Lambda
    host = _HOST_MACHINES.get(platform.machine().lower(), platform.machine())
    if head.startswith(b"\x7fELF"):
        if not sys.platform.startswith("linux"):
            return f"fork/exec {name}: exec format error (a Linux binary: this is {sys.platform})"
        number = int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")
        machine = _ELF_MACHINES.get(number, "another architecture")
        if machine != host:
            return (
                f"fork/exec {name}: exec format error (built for {machine}; this machine is "
                f"{host}: it can't be run here)"
            )
        return None
    return f"fork/exec {name}: exec format error (neither a script with #! nor a Linux binary)"


def _init_error(message: str) -> list[str]:
    return [sys.executable, "-S", "-c", _REPORT_INIT_ERROR, INVALID_ENTRYPOINT, message]
