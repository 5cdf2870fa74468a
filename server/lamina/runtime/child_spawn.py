"""Starting an environment's child process, with no event loop needed.

The Runtime API's listening socket is bound before the child starts, so the child can connect and
park its first `/next` in the kernel's backlog before the parent serves it. That lets the CLI start
the child first and import asyncio and the rest of Lamina while the function's init runs: the
two overlap instead of adding up. The child, once started, is a ChildProcess (child_process.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lamina.project.lambda_runtimes import is_custom_runtime
from lamina.runtime import fork_server, process_limits, sandbox
from lamina.runtime.child_command import BOOTSTRAP, child_command, lambda_sys_path
from lamina.runtime.child_process import ChildProcess, remove_tree
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.custom_runtime import bootstrap_command
from lamina.runtime.debug import DebugSettings
from lamina.runtime.opt_files import external_extensions, sandbox_hosts
from lamina.runtime.package_set import runtime_packages
from lamina.runtime.process_tree import child_setup
from lamina.runtime.runtime_command import wrapped

# Variables naming a CA file the function's SDK or HTTP client reads: the sandbox's private /tmp
# must not hide it (lamina api's local CA lives in the project, which may be under /tmp).
_CA_VARIABLES = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")

log = logging.getLogger(__name__)


def spawn_child(
    config: FunctionConfig,
    options: RuntimeOptions,
    credentials_env: dict[str, str],
    debug: DebugSettings | None = None,
    initialization_type: str = "on-demand",
    forked: bool = False,
) -> ChildProcess:
    """Start an environment's child: exec'd (bootstrap.py), or, with `forked`, forked from a
    pre-started interpreter (runtime/fork_server.py) where one is ready for it."""
    # Installed once per interpreter; then cached.
    packages = runtime_packages(config.interpreter(options), runtime=config.runtime)
    tmp_dir = Path(tempfile.mkdtemp(prefix="lamina-env-"))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    read_fd = write_fd = ext_read = ext_write = -1
    cap: process_limits.Cap | None = None
    extensions = external_extensions(config.opt_roots) if config.opt_roots else ()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        host, port = listener.getsockname()[:2]
        env = {k: os.environ[k] for k in options.inherit_env if k in os.environ}
        env.update(credentials_env)
        env.update(
            config.lambda_environment(
                f"{host}:{port}", config.code_dir, tmp_dir, packages.runtime_dir
            )
        )
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = initialization_type  # or provisioned-concurrency
        env["LAMINA_SYS_PATH"] = os.pathsep.join(lambda_sys_path(config, packages))
        if config.layer_paths:  # dropped by the bootstrap if a wrapper sets PYTHONPATH
            env["LAMINA_OPT_PATH"] = os.pathsep.join(str(path) for path in config.layer_paths)
        if debug is not None:
            env.update(debug.child_environment())
        read_fd, write_fd = os.pipe()
        _widen_pipe(read_fd)
        os.set_blocking(read_fd, False)
        custom = is_custom_runtime(config.runtime)
        if custom:  # provided.al2023/al2: the function's own bootstrap is the runtime
            env.pop("AWS_EXECUTION_ENV", None)  # Lambda sets none for OS-only runtimes
            command = base = bootstrap_command(config)
        else:
            command = base = child_command(config, options, debug)
        wrapper = "AWS_LAMBDA_EXEC_WRAPPER" in dict(config.environment)
        # Lambda applies exec wrappers to its managed runtimes only (not to provided.*).
        if not custom and (extensions or config.opt_roots or wrapper):
            command = wrapped(base, config, config.interpreter(options), extensions)
            if command[-1] != base[-1]:  # behind a wrapper: the client is said by a variable
                env["LAMINA_RUNTIME_CLIENT"] = options.runtime_client
        if extensions:  # their output: a pipe of its own (function and extension records)
            ext_read, ext_write = os.pipe()
            os.set_blocking(ext_read, False)
            env["LAMINA_EXTENSION_LOG_FD"] = str(ext_write)
        setup = None
        keep: list[Path] = []
        isolated = options.sandbox and sandbox.enabled()
        cap = process_limits.plan(user_namespace=isolated)  # 1,024 processes and threads
        if isolated:
            # What it needs from the host, by real path: its import path, the interpreter's
            # folder, Lamina's bootstrap (or debug launcher); a custom runtime its code.
            keep = [Path(p) for p in lambda_sys_path(config, packages)]
            keep.append(Path(base[0]).parent)
            if not custom:
                keep.append(Path(base[3]).parent)
            keep.append(BOOTSTRAP.parent)  # the runtime client package, next to bootstrap.py
            if config.opt is not None:  # /opt, and the layer folders its links point into
                keep += [config.opt.path, *config.opt.sources]
            keep += [*config.opt_roots, Path(command[0]).parent]  # extensions, wrapper
            # The CA bundle botocore is told to trust (lamina api's local CA, the developer's).
            keep += [Path(env[n]).parent for n in _CA_VARIABLES if os.path.isfile(env.get(n, ""))]
            setup = sandbox.preexec(
                config.code_dir,
                keep,
                config.ephemeral_storage,
                config.mounts,
                opt=None if config.opt is None else config.opt.path,
                hosts=sandbox_hosts(tmp_dir) if extensions else None,
                max_processes=cap.rlimit,
            )
        elif config.mounts:
            log.warning(
                "%s: no mount namespaces here, so its EFS mount paths (%s) don't exist",
                config.function_name,
                ", ".join(inside for inside, _ in config.mounts),
            )
        spawned_at = time.perf_counter()
        environment = _sandboxed_env(env) if setup else env
        # Extensions and exec wrappers exec: they are handed the runtime's command line.
        # A custom runtime's bootstrap is the function's own program: never a fork of ours.
        plain = command == base and not extensions and not custom
        if forked and plain and debug is None and options.runtime_client == "lamina":
            request = fork_server.request_for(config, environment, cap, setup is not None, keep)
            request["script"] = command[3]  # what sys.argv[0] would be: bootstrap.py or its .pyc
            child = fork_server.fork(command[0], request, write_fd, setup is not None, cap)
            if child is not None:
                return ChildProcess(child, listener, read_fd, tmp_dir, spawned_at, cap, bool(setup))
            spawned_at = time.perf_counter()
        try:
            proc = _popen(command, config, environment, write_fd, cap, setup, ext_write)
        except subprocess.SubprocessError:  # the sandbox could not be made here
            if setup is None:
                raise
            sandbox.failed()
            setup = None
            spawned_at = time.perf_counter()
            proc = _popen(command, config, env, write_fd, cap, None, ext_write)
    except BaseException:
        if cap is not None:
            process_limits.release(cap)
        listener.close()
        if read_fd >= 0:
            os.close(read_fd)
        if ext_read >= 0:
            os.close(ext_read)
        remove_tree(tmp_dir)
        raise
    finally:
        if write_fd >= 0:
            os.close(write_fd)
        if ext_write >= 0:
            os.close(ext_write)
    names = tuple(extension.name for extension in extensions)
    return ChildProcess(
        proc,
        listener,
        read_fd,
        tmp_dir,
        spawned_at,
        cap,
        setup is not None,
        extensions=names,
        extension_output_fd=ext_read,
    )


def _sandboxed_env(env: dict[str, str]) -> dict[str, str]:
    """Inside the sandbox the task root is /var/task and /tmp is the environment's own."""
    inside = {k: v for k, v in env.items() if k != "TMPDIR"}
    inside["LAMBDA_TASK_ROOT"] = sandbox.TASK_ROOT
    return inside


def _popen(
    command: list[str],
    config: FunctionConfig,
    env: dict[str, str],
    output_fd: int,
    cap: process_limits.Cap,
    setup: Callable[[], None] | None,
    extension_fd: int = -1,
) -> subprocess.Popen[bytes]:
    group = _own_process_group()
    first = group.pop("preexec_fn", None)

    def prepare() -> None:
        if first is not None:  # Lamina's own set-up (process_tree), the cgroup, the sandbox
            first()
        cap.join()  # before the sandbox forks the namespace's init
        if setup is not None:
            setup()

    if first is not None or cap.cgroup is not None or setup is not None:
        group["preexec_fn"] = prepare
    return subprocess.Popen(
        command,
        cwd=str(config.code_dir),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output_fd,
        stderr=output_fd,
        pass_fds=(extension_fd,) if extension_fd >= 0 else (),
        **group,
    )


def _own_process_group() -> dict[str, Any]:
    """The child leads its own process group, in Lamina's session. Its own group: Ctrl+C in a
    terminal reaches Lamina, not the function, and signals reach the function's subprocesses too.
    The same session: if Lamina is killed while the child is frozen, the kernel sees an orphaned
    group with a stopped member and sends it SIGHUP and SIGCONT, so no frozen child outlives us
    (a new session would leave it stopped forever)."""
    setup = child_setup()  # dies with Lamina, keeps its orphans (see process_tree)
    if sys.version_info >= (3, 11):
        return {"process_group": 0, "preexec_fn": setup}
    if setup is None:  # pragma: no cover - Python 3.10
        return {"preexec_fn": os.setpgrp}

    def both() -> None:  # pragma: no cover - Python 3.10
        os.setpgrp()
        setup()

    return {"preexec_fn": both}


def _widen_pipe(fd: int) -> None:
    """A 1 MB pipe lets a chatty function run ahead of our reads (Linux only; optional)."""
    if sys.platform.startswith("linux"):
        import fcntl

        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ
