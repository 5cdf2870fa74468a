"""`lamina api` as a real process on a copy of a fixture app, for the gateway's tests."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ports import free_port

APPS = Path(__file__).parent / "apps"
RECORDINGS = Path(__file__).resolve().parents[2].parent / "shared" / "recordings"
START_TIMEOUT_S = 30.0


def recordings_dir() -> Path:
    """../shared/recordings, beside the checkout (CI has the same folder)."""
    for base in Path(__file__).resolve().parents:
        candidate = base / "shared" / "recordings"
        if candidate.is_dir():
            return candidate
    return RECORDINGS


class ApiProcess:
    def __init__(
        self,
        app: str,
        tmp: Path,
        *args: str,
        prepare: Callable[[Path], None] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        """`prepare(root)` runs on the app's copy before `lamina api` starts; `env` adds to
        the process's environment (which has no AWS_* variables of the caller's). The sandbox
        is off unless `env` says LAMINA_SANDBOX=1: these apps' handlers tell the tests what
        they did through files under /tmp, which a private /tmp would hide (as in
        tests/emulator/harness.py; tests/test_runtime_sandbox.py covers the sandbox)."""
        self.root = tmp / app
        shutil.copytree(APPS / app, self.root)
        if prepare is not None:
            prepare(self.root)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stderr_path = tmp / f"{app}.stderr"
        self._stderr = self.stderr_path.open("wb")
        extra = env or {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["LAMINA_SANDBOX"] = "0"
        env.update(extra)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lamina", "api", "--port", str(self.port), *args],
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
        )
        self.banner: list[str] = []
        assert self.proc.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        first = self.proc.stdout.readline().decode()
        if not first.startswith("lamina api:"):
            self.stop()
            raise RuntimeError(f"lamina api did not start: {first!r} {self.stderr()}")
        self.banner.append(first.rstrip("\n"))
        count = int(first.split("serving ", 1)[1].split(" ", 1)[0])
        while len(self.banner) < count + 1 and time.monotonic() < deadline:
            self.banner.append(self.proc.stdout.readline().decode().rstrip("\n"))

    def stderr(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.stderr()
            if text in log:
                return log
            time.sleep(0.02)
        raise AssertionError(f"{text!r} not in the log:\n{self.stderr()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()
