"""Helpers for the emulator's tests: `lamina serve` as a real process, boto3 clients for it,
deployment packages built from handler source, and shape checks against botocore's model."""

from __future__ import annotations

import io
import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lamina-test"
REGION = "us-east-1"
START_TIMEOUT_S = 30.0

# The handler most tests deploy: it answers with ANSWER and what it saw, and can fail, sleep, or
# wait on a gate file, as the event asks.
HANDLER = """
import json, os, time
ANSWER = {answer!r}

def handler(event, context):
    print("answer", ANSWER)
    if isinstance(event, dict):
        if event.get("fail"):
            raise ValueError("boom " + str(ANSWER))
        if event.get("started"):
            open(event["started"], "w").close()
        if event.get("gate"):
            deadline = time.time() + 20
            while not os.path.exists(event["gate"]) and time.time() < deadline:
                time.sleep(0.01)
        if event.get("sleep"):
            time.sleep(event["sleep"])
        if event.get("log_bytes"):
            print("x" * event["log_bytes"])
        if event.get("append_to"):
            with open(event["append_to"], "a") as f:
                f.write(json.dumps(event.get("mark")) + "\\n")
    cc = context.client_context
    return {{
        "answer": ANSWER,
        "version": context.function_version,
        "arn": context.invoked_function_arn,
        "event": event,
        "custom": getattr(cc, "custom", None) if cc else None,
        "greeting": os.environ.get("GREETING"),
        "memory": context.memory_limit_in_mb,
    }}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def handler_zip(answer: object = "v1", extra: dict[str, str] | None = None) -> bytes:
    """A deployment package of HANDLER (app.handler), built by deploy.package.build_zip."""
    from lamina.deploy.package import build_zip

    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"lamina-test-code-{uuid.uuid4().hex}"
    root.mkdir(parents=True)
    try:
        (root / "app.py").write_text(HANDLER.format(answer=answer))
        for name, text in (extra or {}).items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(textwrap.dedent(text))
        return build_zip(root)
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def raw_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def stored_code_keys(data_dir: Path) -> set[str]:
    """The keys of the zips a data dir holds: small ones are rows of the database's code_zips
    table, larger ones files in code/ (read while the server runs: SQLite's WAL allows it)."""
    keys = {p.stem for p in (data_dir / "code").glob("*.zip")}
    conn = sqlite3.connect(f"file:{data_dir / 'emulator.sqlite3'}?mode=ro", uri=True)
    try:
        keys.update(str(key) for (key,) in conn.execute("SELECT key FROM code_zips"))
    finally:
        conn.close()
    return keys


def unique(prefix: str = "fn") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class EmulatorProcess:
    """A running `python -m lamina serve`."""

    proc: subprocess.Popen[bytes]
    endpoint: str
    data_dir: Path
    log_path: Path
    port: int

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as a crash."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_emulator(
    data_dir: Path, *extra: str, port: int | None = None, env: dict[str, str] | None = None
) -> EmulatorProcess:
    """`lamina serve` on a free port (or `port`), with `extra` options; `env` adds variables
    to its environment (AWS_* are otherwise removed). Its environments run without the sandbox
    unless `env` says LAMINA_SANDBOX=1: these tests' handlers signal them through files in
    pytest's tmp_path, which a private /tmp would hide (tests/test_runtime_sandbox.py covers it)."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"serve-{port}-{uuid.uuid4().hex[:6]}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "serve", "--port", str(port), "--data-dir", str(data_dir)]
        + list(extra),
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**clean_env(), "LAMINA_SANDBOX": "0", **(env or {})},
        start_new_session=True,
    )
    log.close()
    endpoint = f"http://127.0.0.1:{port}"
    server = EmulatorProcess(proc, endpoint, data_dir, log_path, port)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"lamina serve exited with {proc.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{endpoint}/2016-08-19/account-settings", timeout=2):
                return server
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"lamina serve did not start:\n{server.log()}") from None
            time.sleep(0.05)


def wait_until(predicate: Any, timeout: float = 30.0, interval: float = 0.02) -> None:
    """Poll until `predicate()` is true (a generous timeout: tests never assert speed)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")
        time.sleep(interval)


def make_client(endpoint: str, **config: Any) -> Any:
    import boto3
    from botocore.config import Config

    options: dict[str, Any] = {"retries": {"total_max_attempts": 1}, "read_timeout": 60}
    options.update(config)
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client("lambda", endpoint_url=endpoint, config=Config(**options))


def check_shape(model: Any, shape_name: str, value: Any, path: str = "") -> None:
    """Assert that a response body uses only the members (and types) of a botocore shape."""
    shape = model.shape_for(shape_name) if isinstance(shape_name, str) else shape_name
    _check(shape, value, path or shape.name)


def _check(shape: Any, value: Any, path: str) -> None:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
        for key, item in value.items():
            assert key in shape.members, f"{path}: {key!r} is not a member of {shape.name}"
            _check(shape.members[key], item, f"{path}.{key}")
    elif kind == "list":
        assert isinstance(value, list), f"{path}: expected a list"
        for i, item in enumerate(value):
            _check(shape.member, item, f"{path}[{i}]")
    elif kind == "map":
        assert isinstance(value, dict), f"{path}: expected a map"
        for key, item in value.items():
            _check(shape.key, key, f"{path} key")
            _check(shape.value, item, f"{path}.{key}")
    elif kind == "string":
        assert isinstance(value, str), f"{path}: expected a string, got {value!r}"
        # AWS itself answers StateReasonCode/LastUpdateStatusReasonCode "Creating", a value
        # botocore's model lacks (recorded in ../shared/recordings).
        aws_extra = path.endswith("ReasonCode") and value == "Creating"
        if shape.enum and not aws_extra:
            assert value in shape.enum, f"{path}: {value!r} not in {shape.enum}"
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{path}: not an int"
    elif kind in ("float", "double"):
        assert isinstance(value, (int, float)), f"{path}: not a number"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{path}: not a boolean"


def raw_call(
    endpoint: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """An unsigned HTTP request (the emulator accepts any credentials, and none)."""
    request = urllib.request.Request(
        endpoint + path, data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


# --- hostile packages -----------------------------------------------------------------------


def symlink_zip(name: str, target: str, then: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(e, c): return 1\n")
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = (0o120777 << 16) | 0x20
        archive.writestr(info, target)
        for entry, data in (then or {}).items():
            archive.writestr(entry, data)
    return buffer.getvalue()


def plain_zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()


def bomb() -> bytes:
    """260 MB of zeros in about 250 KB, sizes declared honestly."""
    buffer = io.BytesIO()
    chunk = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as out,
    ):
        for _ in range(260):
            out.write(chunk)
    return buffer.getvalue()


def lying_bomb() -> bytes:
    """A 4 MB file whose local header and central directory claim 1 KB."""
    data = bytearray(plain_zip({"app.py": b"x = 1\n", "big.bin": b"\0" * (4 << 20)}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(signature, start)) != -1:
            name_len = struct.unpack_from(
                "<H", data, at + (26 if signature == b"PK\x03\x04" else 28)
            )[0]
            header = 30 if signature == b"PK\x03\x04" else 46
            name = bytes(data[at + header : at + header + name_len])
            if name == b"big.bin":
                struct.pack_into("<I", data, at + offset, 1024)
            start = at + 4
    return bytes(data)
