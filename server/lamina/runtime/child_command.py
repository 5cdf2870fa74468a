"""The command that starts a managed runtime's client (Lamina's bootstrap, or awslambdaric through
it, or the debug launcher), and the sys.path the bootstrap gives the function: Lambda's."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.debug import LAUNCHER, DebugSettings
from lamina.runtime.package_set import RuntimePackages

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
_compiled_bootstrap: dict[str, str] = {}


def child_command(
    config: FunctionConfig, options: RuntimeOptions, debug: DebugSettings | None = None
) -> list[str]:
    """The command that starts the runtime client. -B: never write .pyc files into the function's
    code (Lambda's task root is read-only), so an edit that keeps a file's size within the same
    second can't run stale bytecode. -S: no site-packages of the interpreter's (or of Lamina's
    virtualenv); the bootstrap builds Lambda's sys.path itself (package_set.py). awslambdaric
    runs through the bootstrap too, after the same set-up (named after the handler)."""
    python = config.interpreter(options)
    if debug is not None:
        return [python, "-S", "-B", str(LAUNCHER), options.runtime_client, config.handler]
    command = [python, "-S", "-B", bootstrap_script(python), config.handler]
    if options.runtime_client == "awslambdaric":
        command.append("awslambdaric")  # the bootstrap hands over to it; `ps` shows which
    return command


def lambda_sys_path(config: FunctionConfig, packages: RuntimePackages) -> list[str]:
    """The folders the bootstrap puts first on sys.path, in the Lambda runtime's order: the task
    root and its installed dependencies, the layers (/opt; left out when the function sets
    PYTHONPATH, as Lambda's bootstrap does), the runtime's packages."""
    folders = [config.code_dir, *config.extra_paths]
    if not any(name == "PYTHONPATH" for name, _ in config.environment):
        folders += config.layer_paths
    folders += [packages.site_packages, packages.runtime_dir]
    return [str(folder) for folder in folders]


def bootstrap_script(python: str) -> str:
    """Our bootstrap, precompiled when the child is this same interpreter: a script is compiled
    on every start (about 7 ms here), a .pyc is not. The name carries the source's hash, so a
    stale one is never run."""
    if os.path.realpath(python) != os.path.realpath(sys.executable):
        return str(BOOTSTRAP)
    if python not in _compiled_bootstrap:
        _compiled_bootstrap[python] = _compile_bootstrap() or str(BOOTSTRAP)
    return _compiled_bootstrap[python]


def _compile_bootstrap() -> str | None:
    import hashlib
    import importlib.util
    import py_compile

    source = BOOTSTRAP.read_bytes()
    tag = f"{hashlib.sha256(source).hexdigest()[:16]}.{sys.implementation.cache_tag}"
    private = Path(tempfile.gettempdir()) / f"lamina-{os.getuid() if hasattr(os, 'getuid') else 0}"
    for folder in (Path(importlib.util.cache_from_source(str(BOOTSTRAP))).parent, private):
        target = folder / f"bootstrap.{tag}.pyc"
        if target.exists() and (folder != private or _owned_by_us(folder)):
            return str(target)
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            if folder == private and not _owned_by_us(folder):
                continue
            py_compile.compile(str(BOOTSTRAP), cfile=str(target), doraise=True)
            return str(target)
        except (OSError, py_compile.PyCompileError):
            continue
    return None


def _owned_by_us(folder: Path) -> bool:
    """A shared temp dir is only trusted if it is ours and private (no planted bytecode)."""
    if not hasattr(os, "getuid"):
        return True
    info = folder.stat()
    return info.st_uid == os.getuid() and not info.st_mode & 0o077
