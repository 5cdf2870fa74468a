"""Start `lamina serve` when the emulator target has nothing answering (`emulator.autoStart`).

The emulator runs detached (its own session), with its output in `.lamina/state/logs/emulator.log`,
never on the caller's stdout (a language server's stdout is the protocol). A lock file,
`.lamina/state/emulator.lock`, makes the check-then-start atomic across processes: two editors
opened at once start one emulator and both use it. `.lamina/state/emulator.json` records who runs.

`stop()` stops the emulator only if this launcher started it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
PROBE_PATH = "/2016-08-19/account-settings"
LOCK_FILE_NAME = "emulator.lock"
RECORD_FILE_NAME = "emulator.json"
LOG_FILE_NAME = "emulator.log"
START_TIMEOUT_S = 30.0


class EmulatorStartError(Exception):
    """The emulator could not be started; one line for the user."""


def is_answering(endpoint: str, timeout_s: float = 0.5) -> bool:
    """Whether a Lambda API (GetAccountSettings) answers at `endpoint`."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(endpoint.rstrip("/") + PROBE_PATH, timeout=timeout_s) as r:
            return bool(r.status == 200)
    except (OSError, urllib.error.URLError, ValueError):
        return False


def loopback_address(endpoint: str) -> tuple[str, int]:
    """(host, port) of a loopback http endpoint; EmulatorStartError for anything else."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if parts.scheme != "http" or not (host in ("localhost", "::1") or host.startswith("127.")):
        raise EmulatorStartError(
            f"cannot start an emulator at {endpoint}: Lamina starts one only on a loopback "
            "http:// endpoint"
        )
    return ("127.0.0.1" if host == "localhost" else host), parts.port or 80


@contextlib.contextmanager
def _locked(path: Path, timeout_s: float) -> Iterator[None]:
    """An exclusive lock on `path` across processes (flock; none where it doesn't exist)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no cross-process lock, best effort
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise EmulatorStartError(
                        f"another Lamina process holds {path} and did not finish starting the "
                        "emulator"
                    ) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class EmulatorLauncher:
    def __init__(
        self, state_dir: Path, python: str = sys.executable, timeout_s: float = START_TIMEOUT_S
    ) -> None:
        self.state_dir = state_dir
        self.python = python
        self.timeout_s = timeout_s
        self.process: subprocess.Popen[bytes] | None = None
        self.endpoint: str | None = None

    @property
    def log_path(self) -> Path:
        return self.state_dir / "logs" / LOG_FILE_NAME

    @property
    def started_here(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_running(self, endpoint: str) -> bool:
        """Make sure an emulator answers at `endpoint` (blocking). True if this call started
        it. Raises EmulatorStartError when it can't."""
        if is_answering(endpoint):
            return False
        host, port = loopback_address(endpoint)
        with _locked(self.state_dir / LOCK_FILE_NAME, self.timeout_s + 5):
            if is_answering(endpoint):  # another process started it while we waited
                return False
            self._spawn(host, port)
            self._wait_until_answering(endpoint)
        self.endpoint = endpoint
        return True

    def _spawn(self, host: str, port: int) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            self.python, "-m", "lamina", "serve", "--host", host, "--port", str(port),
            "--data-dir", str(self.state_dir / "emulator"),
        ]  # fmt: skip
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with self.log_path.open("ab") as output:
            output.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n".encode())
            output.flush()
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=self.state_dir.parent.parent,
                env=env,
                start_new_session=True,
                close_fds=True,
            )
        record = {
            "pid": self.process.pid,
            "endpoint": f"http://{host}:{port}",
            "log": str(self.log_path),
        }
        (self.state_dir / RECORD_FILE_NAME).write_text(json.dumps(record) + "\n")
        log.info("started lamina serve (pid %s) on %s:%s", self.process.pid, host, port)

    def _wait_until_answering(self, endpoint: str) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.timeout_s
        while not is_answering(endpoint, timeout_s=1.0):
            if self.process.poll() is not None:
                tail = self._log_tail()
                self.process = None
                raise EmulatorStartError(
                    f"lamina serve exited at start ({self.log_path}){': ' + tail if tail else ''}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise EmulatorStartError(
                    f"lamina serve did not answer at {endpoint} within {self.timeout_s:.0f} s "
                    f"(see {self.log_path})"
                )
            time.sleep(0.05)

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1] if lines else ""

    def stop(self) -> bool:
        """Stop the emulator if this launcher started it. True if it did."""
        process, self.process = self.process, None
        if process is None:
            return False
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        record = self.state_dir / RECORD_FILE_NAME
        with contextlib.suppress(OSError, ValueError):
            if json.loads(record.read_text()).get("pid") == process.pid:
                record.unlink()
        return True
