"""The samples through the real `lamina` CLI, one subprocess per command: a copy of a sample, the
command, and `lamina invoke`'s output checked line by line (START, the function's logs, END,
REPORT)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
LOG_LINE = re.compile(
    r"^\[(?P<level>[A-Z]+)\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t(?P<id>\S+)\t(?P<msg>.*)$"
)
REPORT_LINE = re.compile(
    r"^REPORT RequestId: (?P<id>\S+)\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: (?P<memory>\d+) MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t$"
)


def cli_env(**extra: str) -> dict[str, str]:
    """The test's environment without the developer's AWS settings (region, profile, keys)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(extra)
    return env


def lamina(
    *args: str | Path, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # Bytes, decoded here: text mode would turn the \r inside Lambda's error log lines into \n.
    proc = subprocess.run(
        [sys.executable, "-m", "lamina", *map(str, args)],
        cwd=cwd,
        input=stdin.encode() if stdin is not None else None,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        env=env or cli_env(),
        timeout=180,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    )


@dataclass
class Invocation:
    code: int
    result: Any
    request_id: str
    memory_mb: int
    logs: list[tuple[str, str]]  # (level, message) of the function's log lines
    stderr: str


def invoke(cwd: Path, function: str, *args: str | Path, **kwargs: Any) -> Invocation:
    """`lamina invoke`, checking the platform lines: START, the function's output, END, REPORT."""
    proc = lamina("invoke", function, *args, cwd=cwd, **kwargs)
    lines = proc.stderr.removesuffix("\n").split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("START ")]
    assert len(starts) == 1, proc.stderr
    start = starts[0]
    # Before START, only Lamina's own notices (e.g. that no AWS credentials were found).
    assert all(line.startswith("lamina: ") for line in lines[:start]), proc.stderr
    match = re.fullmatch(r"START RequestId: (\S+) Version: \$LATEST", lines[start])
    assert match, lines[start]
    request_id = match[1]
    uuid.UUID(request_id)
    assert lines[-2] == f"END RequestId: {request_id}", proc.stderr
    report = REPORT_LINE.match(lines[-1])
    assert report and report["id"] == request_id, lines[-1]
    logs = []
    for line in lines[start + 1 : -2]:
        if line.startswith("[ERROR] "):  # an unhandled error: one line, the trace joined by \r
            logs.append(("ERROR", line[len("[ERROR] ") :]))
            continue
        log = LOG_LINE.match(line)
        assert log and log["id"] == request_id, line
        logs.append((log["level"], log["msg"]))
    assert proc.stdout.endswith("\n") and proc.stdout.count("\n") == 1, proc.stdout
    return Invocation(
        proc.returncode,
        json.loads(proc.stdout),
        request_id,
        int(report["memory"]),
        logs,
        proc.stderr,
    )
