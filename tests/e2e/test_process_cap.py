"""Lambda's cap of 1,024 processes and threads per environment: a fork bomb in a handler stops
at the cap (a fork beyond it fails, as on Lambda), and when the environment ends every process
it started is gone, `setsid` children included. Where no pids cgroup is writable, Lamina says
once that the cap is off, and this test checks that instead."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from process_table import wait_gone

from lamina.runtime import fork_server, process_limits
from lamina.runtime.config import RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

FORK_BOMB = """
import json, os, subprocess, sys, time

def handler(event, context):
    daemon = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True
    )
    children = []
    error = None
    while len(children) < 2000:
        try:
            pid = os.fork()
        except OSError as e:
            error = e.strerror
            break
        if pid == 0:
            time.sleep(300)
            os._exit(0)
        children.append(pid)
    return {"forked": len(children), "error": error, "pids": children + [daemon.pid]}
"""


def in_pid_namespace(link: str) -> list[int]:
    """Host pids of the processes in the PID namespace `link` (a /proc/<pid>/ns/pid target)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{entry}/ns/pid") == link:
                    found.append(int(entry))
    return found


@pytest.mark.parametrize("isolated", [False, True], ids=["host-pids", "pid-namespace"])
async def test_a_fork_bomb_stops_at_the_cap_and_ends_with_the_environment(
    write_function: Any, caplog: pytest.LogCaptureFixture, isolated: bool
) -> None:
    from lamina.runtime import sandbox

    if isolated and not sandbox.available():
        pytest.skip("no user, mount and PID namespaces here")
    config = write_function(FORK_BOMB, timeout=120.0)  # a thousand forks on a busy machine
    caplog.set_level(logging.INFO, logger=process_limits.__name__)
    async with RuntimePool(RuntimeOptions(sandbox=isolated)) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
        assert result.ok, result.payload
        outcome = json.loads(result.payload)
        (env,) = pool.environments(config)
        assert env.runtime_pid is not None
        namespace = os.readlink(f"/proc/{env.runtime_pid}/ns/pid")
    capped = [r for r in caplog.records if "processes per environment is off" in r.message]
    if capped:
        assert len(capped) == 1
        print(f"cap off on this machine: {capped[0].message}; forked {outcome['forked']}")
    else:
        # The runtime, its threads and the setsid child count too.
        assert 1000 < outcome["forked"] < process_limits.MAX_PROCESSES, outcome["forked"]
        assert outcome["error"] == os.strerror(11), outcome["error"]  # EAGAIN, as on Lambda
        print(f"fork bomb: {outcome['forked']} forks, then {outcome['error']}")
    if isolated:  # the handler saw its namespace's pids: find what is left by namespace
        assert wait_gone(in_pid_namespace(namespace), 30) == []
    else:
        assert wait_gone(outcome["pids"], 30) == []
    # The fork server's spares keep theirs (each is the next environment's), with nothing of this
    # environment in them.
    spares = fork_server.spare_cgroups()
    for spare in spares:
        assert not set((spare / "cgroup.procs").read_text().split()) & set(
            map(str, outcome["pids"])
        )
    cgroups = Path("/sys/fs/cgroup/pids").glob(f"lamina-{os.getpid()}-*")
    assert [p for p in cgroups if p not in spares] == []


# The RLIMIT_NPROC fallback, where no pids cgroup is writable: Lamina run as an ordinary user
# (here `nobody`, when the tests run as root) with the sandbox's user namespace. The pool runs in
# a child process under that uid, on a system interpreter of this Python version (this venv's
# lives under root's home), with this venv's packages and Lamina's source on its path, and a
# copy of the runtime's package set in a cache it can read.
POOL_AS_USER = """
import asyncio, json, logging, sys
from pathlib import Path
logging.basicConfig(level=logging.INFO, format="%(message)s")
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

async def main():
    config = FunctionConfig(function_name="fn", handler="app.handler",
                            code_dir=Path(sys.argv[1]), timeout=120.0)
    async with RuntimePool(RuntimeOptions(python=sys.executable)) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    print(json.dumps({"ok": result.ok, "payload": json.loads(result.payload)}))

asyncio.run(main())
"""


def owned_by(uid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    found.add(int(entry))
    return found


def _system_python() -> str | None:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for candidate in (f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"):
        if os.path.exists(candidate):
            return candidate
    return None


@pytest.mark.skipif(os.getuid() != 0, reason="the test above covers an ordinary user's run")
def test_without_a_cgroup_rlimit_nproc_caps_an_ordinary_users_environment() -> None:
    import shutil
    import subprocess
    import sysconfig
    import tempfile

    from lamina.runtime import package_set, sandbox

    python = _system_python()
    if (
        python is None
        or not sandbox.available()
        or not process_limits.kernel_counts_nproc_per_namespace()
    ):
        pytest.skip("needs a system python of this version, user namespaces and Linux 5.14+")
    packages = package_set.runtime_packages(sys.executable)
    root = Path(tempfile.mkdtemp(prefix="lamina-nproc-"))
    try:
        cache = root / "cache"
        for folder in (packages.site_packages, packages.runtime_dir):
            relative = folder.relative_to(package_set.cache_root())
            shutil.copytree(folder, cache / relative, symlinks=True)
        (root / "code").mkdir()
        (root / "code" / "app.py").write_text(FORK_BOMB)
        (root / "run.py").write_text(POOL_AS_USER)
        subprocess.run(["chmod", "-R", "a+rwX", str(root)], check=True)
        before = owned_by(65534)
        server = Path(process_limits.__file__).parents[2]
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(root),
            "LAMINA_CACHE_DIR": str(cache),
            "PYTHONPATH": f"{sysconfig.get_paths()['purelib']}:{server}",
        }
        done = subprocess.run(
            [python, str(root / "run.py"), str(root / "code")],
            user=65534, group=65534, extra_groups=[], env=env, cwd=root,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outcome = json.loads(done.stdout.splitlines()[-1])
        assert outcome["ok"], outcome
        forked = outcome["payload"]["forked"]
        print(f"RLIMIT_NPROC fallback: {forked} forks, then {outcome['payload']['error']}")
        assert "capped by RLIMIT_NPROC in its own user namespace" in done.stderr
        assert 1000 < forked < process_limits.MAX_PROCESSES, forked
        assert outcome["payload"]["error"] == os.strerror(11)
        # The handler saw its namespace's pids: what must be gone is every process of that uid
        # that the run started.
        assert wait_gone(sorted(owned_by(65534) - before), 30) == []
    finally:
        shutil.rmtree(root, ignore_errors=True)
