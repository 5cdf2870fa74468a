"""The packages the Lambda Python runtime gives a function, installed once per interpreter.

On Lambda a function imports, after its own code and its layers, what the runtime ships: boto3,
botocore and their dependencies (in `/var/lang/lib/python3.X/site-packages`), and the runtime
client awslambdaric with its dependencies (in `/var/runtime`, `LAMBDA_RUNTIME_DIR`). Nothing else:
no packages of the developer's machine, of Lamina's virtualenv or of the interpreter's own
site-packages. This module gives every interpreter that set, whichever interpreter it is:

    ~/.cache/lamina/runtime/python3.12-x86_64/sdk-boto3-1.40.4/      boto3, botocore, ...
    ~/.cache/lamina/runtime/python3.12-x86_64/client-awslambdaric-3.1.1/   awslambdaric, ...

Lamina's own pip fetches binary wheels for the interpreter's version and machine, so the
interpreter needs no pip of its own. Where PyPI can't be reached, Lamina's own copies of the same
packages stand in (linked, not copied), and the note says which versions differ.

AWS no longer publishes one SDK version per runtime (it varies by region and runtime update);
`RUNTIME_SDK` pins the one Lamina installs (docs/fidelity.md).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from lamina.pip_target import DependencyInstallError, lambda_platforms, pip_install_once

log = logging.getLogger(__name__)

# The SDK the runtime ships (boto3 pins botocore to the same minor; pin both for one answer).
RUNTIME_SDK: dict[str, str] = {"boto3": "1.40.4", "botocore": "1.40.4"}
# The runtime client and its dependencies, as in /var/runtime (4.x has no wheels for 3.9).
RUNTIME_CLIENT: dict[str, str] = {"awslambdaric": "4.2.2"}
RUNTIME_CLIENT_BY_VERSION: dict[str, dict[str, str]] = {"3.9": {"awslambdaric": "3.1.1"}}
# Lambda's python3.13+ runtimes also ship the durable execution SDK, "for testing and
# development" (AWS: durable-supported-runtimes), so their boto3 is new enough for it (the SDK
# asks for boto3 >= 1.43.114).
DURABLE_RUNTIME_SDK: dict[str, str] = {
    "boto3": "1.43.114",
    "botocore": "1.43.114",
    "aws-durable-execution-sdk-python": "3.0.0",
}
FIRST_DURABLE_RUNTIME = (3, 13)
# Import names of the distributions above, for the offline stand-in.
SDK_IMPORT_NAMES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
_DURABLE_IMPORT_NAMES = (*SDK_IMPORT_NAMES, "aws_durable_execution_sdk_python")
_CLIENT_IMPORT_NAMES = ("awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py")


class InterpreterError(Exception):
    """The interpreter can't be started or isn't a CPython 3."""


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: str  # "3.12"
    machine: str  # "x86_64" or "aarch64"

    @property
    def runtime(self) -> str:
        return f"python{self.version}"


@dataclass(frozen=True)
class RuntimePackages:
    """Where an interpreter finds the runtime's packages."""

    site_packages: Path  # boto3 and friends: /var/lang/lib/python3.X/site-packages on Lambda
    runtime_dir: Path  # awslambdaric and friends: /var/runtime (LAMBDA_RUNTIME_DIR) on Lambda
    note: str = ""  # what differs from Lambda's set, said once


_interpreters: dict[str, Interpreter] = {}
_package_sets: dict[tuple[str, Path, bool], RuntimePackages] = {}
_lock = threading.Lock()
_PROBE = "import sys, platform; print(f'{sys.version_info[0]}.{sys.version_info[1]} {platform.machine()}')"


def describe_interpreter(python: str) -> Interpreter:
    """The interpreter's Python version and machine, asked once per path."""
    known = _interpreters.get(python)
    if known is not None:
        return known
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        found = Interpreter(python, f"{sys.version_info[0]}.{sys.version_info[1]}", _machine())
    elif (remembered := _remembered(python)) is not None:
        found = remembered
    else:
        if not os.path.exists(python) and os.sep in python:
            raise InterpreterError(f"cannot start the Python interpreter {python!r}: no such file")
        try:
            out = subprocess.run(
                [python, "-S", "-c", _PROBE], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise InterpreterError(f"cannot start the Python interpreter {python!r}: {e}") from e
        words = out.stdout.split()
        if out.returncode != 0 or len(words) != 2 or not words[0].startswith("3."):
            why = (out.stderr.strip().splitlines() or [f"exit status {out.returncode}"])[-1]
            raise InterpreterError(f"cannot use the Python interpreter {python!r}: {why}")
        found = Interpreter(python, words[0], "aarch64" if words[1] == "arm64" else words[1])
        _remember(found)
    _interpreters[python] = found
    return found


# Probing an interpreter costs a process (a pyenv shim, a shell too): the answers are kept on
# disk, keyed by path and the real file's modification time.
_PROBES_FILE = "interpreters.json"


def _stamp(python: str) -> str:
    try:
        return str(os.stat(os.path.realpath(python)).st_mtime_ns)
    except OSError:
        return ""


def _remembered(python: str) -> Interpreter | None:
    try:
        known = json.loads((cache_root() / _PROBES_FILE).read_text()).get(python)
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(known, list) or len(known) != 3 or known[2] != _stamp(python):
        return None
    return Interpreter(python, str(known[0]), str(known[1]))


def _remember(found: Interpreter) -> None:
    path = cache_root() / _PROBES_FILE
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    known[found.path] = [found.version, found.machine, _stamp(found.path)]
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_suffix(f".{os.getpid()}.tmp")
        staging.write_text(json.dumps(known))
        staging.replace(path)


def _machine() -> str:
    machine = platform.machine()
    return "aarch64" if machine == "arm64" else machine


def cache_root() -> Path:
    """Lamina's per-user cache, shared by all projects (also holds downloaded layers)."""
    explicit = os.environ.get("LAMINA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "lamina"


def ready(python: str, runtime: str | None = None) -> bool:
    """Whether runtime_packages(python, runtime=runtime) answers at once (an event loop asks
    before it blocks)."""
    durable = runtime is not None and ships_durable_sdk(runtime)
    return (python, cache_root(), durable) in _package_sets


async def ready_off_loop(python: str, runtime: str | None = None) -> None:
    """runtime_packages(python, runtime=runtime), on a thread when it would block (the first
    time: pip), so the event loop goes on meanwhile."""
    if not ready(python, runtime):
        import asyncio  # here: lamina invoke spawns its child before asyncio loads

        await asyncio.to_thread(runtime_packages, python, None, runtime)


def ships_durable_sdk(runtime: str) -> bool:
    """Whether Lambda's `runtime` (python3.X) has the durable execution SDK built in."""
    major, _, minor = runtime.removeprefix("python").partition(".")
    if not (major.isdigit() and minor.isdigit()):
        return False
    return (int(major), int(minor)) >= FIRST_DURABLE_RUNTIME


def runtime_packages(
    python: str, root: Path | None = None, runtime: str | None = None
) -> RuntimePackages:
    """The runtime's package set for `python`, installed on first use (a few seconds, once per
    Python version and machine); then a dictionary lookup. `runtime` is the function's Lambda
    runtime where it differs in what it ships (python3.13+: the durable execution SDK)."""
    root = root or cache_root()
    durable = runtime is not None and ships_durable_sdk(runtime)
    key = (python, root, durable)
    known = _package_sets.get(key)
    if known is not None:
        return known
    with _lock:  # the LSP and the emulator may ask from several threads at once
        known = _package_sets.get(key)
        if known is None:
            known = _install(describe_interpreter(python), root / "runtime", durable)
            if known.note:
                log.warning("%s", known.note)
            _package_sets[key] = known
    return known


def _install(interpreter: Interpreter, root: Path, durable: bool = False) -> RuntimePackages:
    folder = root / f"{interpreter.runtime}-{interpreter.machine}"
    notes: list[str] = []
    sdk_pins = DURABLE_RUNTIME_SDK if durable else RUNTIME_SDK
    sdk_names = _DURABLE_IMPORT_NAMES if durable else SDK_IMPORT_NAMES
    sdk = folder / ("sdk-" + "-".join(f"{n}-{v}" for n, v in sdk_pins.items() if n != "botocore"))
    client_pins = RUNTIME_CLIENT_BY_VERSION.get(interpreter.version, RUNTIME_CLIENT)
    client = folder / ("client-" + "-".join(f"{n}-{v}" for n, v in client_pins.items()))
    site_packages = _pip_or_stand_in(interpreter, sdk, sdk_pins, sdk_names, notes)
    runtime_dir = _pip_or_stand_in(interpreter, client, client_pins, _CLIENT_IMPORT_NAMES, notes)
    return RuntimePackages(site_packages, runtime_dir, " ".join(notes))


def _pip_or_stand_in(
    interpreter: Interpreter,
    target: Path,
    pins: dict[str, str],
    import_names: tuple[str, ...],
    notes: list[str],
) -> Path:
    wanted = ", ".join(f"{name} {version}" for name, version in pins.items())
    if not (target / ".lamina-complete").exists():
        log.warning(
            "installing the Lambda %s runtime's packages (%s) into %s: once per Python version",
            interpreter.runtime,
            wanted,
            target,
        )
    pip_args = ["--no-compile", "--only-binary=:all:", "--implementation", "cp",
                "--python-version", interpreter.version]  # fmt: skip
    for wheel_platform in lambda_platforms(interpreter.runtime, interpreter.machine):
        pip_args += ["--platform", wheel_platform]
    pip_args += [f"{name}=={version}" for name, version in pins.items()]
    try:
        installed = pip_install_once(
            target, sys.executable, pip_args, f"pip could not get {wanted}"
        )
    except DependencyInstallError as e:
        return _stand_in(interpreter, target, import_names, wanted, str(e), notes)
    _compile_once(interpreter, installed)
    return installed


def _compile_once(interpreter: Interpreter, folder: Path) -> None:
    """Bytecode for the interpreter that will import it: the child runs with -B and would
    otherwise compile botocore on every cold start (half a second here)."""
    marker = folder / f".lamina-compiled-{interpreter.version}"
    if marker.exists():
        return
    subprocess.run(
        [interpreter.path, "-S", "-m", "compileall", "-q", "-j0", str(folder)],
        capture_output=True,
        check=False,
    )
    marker.touch()


def _stand_in(
    interpreter: Interpreter,
    target: Path,
    import_names: tuple[str, ...],
    wanted: str,
    why: str,
    notes: list[str],
) -> Path:
    """Lamina's own copies of the packages, linked into a folder of their own: pure-Python ones
    for any interpreter, compiled ones only for an interpreter like Lamina's."""
    same_abi = interpreter.version == f"{sys.version_info[0]}.{sys.version_info[1]}"
    folder = target.with_name(target.name + "-lamina")
    folder.mkdir(parents=True, exist_ok=True)
    linked = []
    for name in import_names:
        source = _own_copy(name)
        if source is None or (source.suffix == ".so" and not same_abi):
            continue
        link = folder / source.name
        if not link.exists():
            with contextlib.suppress(FileExistsError):  # another process linked it first
                link.symlink_to(source)
        linked.append(name)
    notes.append(
        f"the Lambda {interpreter.runtime} runtime's packages ({wanted}) could not be installed "
        f"({why}); Lamina's own copies stand in: {', '.join(linked) or 'none'}."
    )
    return folder


def _own_copy(import_name: str) -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec(import_name)
    if spec is None or spec.origin is None:
        return None
    origin = Path(spec.origin)
    return origin.parent if origin.name == "__init__.py" else origin
