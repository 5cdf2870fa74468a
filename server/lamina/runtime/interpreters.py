"""Which Python runs a function: the one its template's `Runtime: python3.X` asks for.

Looked for in this order, the first whose version matches wins:

1. `--python` (the CLI) wins over everything, with a warning when its version differs;
2. the `interpreters` setting (`python3.12` or `3.12` -> a path);
3. `python3.X` on PATH (not pyenv's shims: its versions are looked at directly);
4. pyenv (`$PYENV_ROOT/versions/3.X.*`), uv-managed (`~/.local/share/uv/python/cpython-3.X.*`)
   and conda (`$CONDA_PREFIX`, `~/miniconda3`, `~/anaconda3`, `~/miniforge3` and their envs);
5. the `python` setting, only if its version matches; Lamina's own interpreter, likewise.

With no match the function runs on the `python` setting (or Lamina's interpreter) and one
warning names the version used and how to install the right one; `strict` (--strict-runtime, the
`strictRuntime` setting) makes that an error. AWS_EXECUTION_ENV stays the template's runtime.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from lamina.runtime.package_set import InterpreterError, describe_interpreter

_RUNTIME = re.compile(r"^python(\d+\.\d+)$")
# Runtimes AWS has deprecated: (deprecated on, new functions refused from).
DEPRECATED_RUNTIMES: dict[str, tuple[str, str]] = {
    "python3.9": ("2025-12-15", "2026-02-03"),
    "python3.10": ("2026-10-31", "2026-11-30"),
}
NEWEST_RUNTIME = "python3.13"


@dataclass(frozen=True)
class InterpreterChoice:
    path: str
    version: str  # "3.12": what the chosen interpreter is
    source: str  # where it was found, for `lamina functions` and the warnings
    warnings: tuple[str, ...] = ()


def runtime_version(runtime: str) -> str | None:
    """ "3.12" for "python3.12"; None for anything else."""
    match = _RUNTIME.match(runtime)
    return match.group(1) if match else None


def choose_interpreter(
    function: str,
    runtime: str,
    *,
    explicit: str | None = None,
    interpreters: Mapping[str, object] | None = None,
    python_setting: str | None = None,
    strict: bool = False,
    today: str | None = None,
) -> InterpreterChoice:
    """The interpreter for `function` (its template `runtime`), and what to warn about.
    Raises InterpreterError when `explicit` can't run, or when `strict` and nothing matches."""
    warnings = list(deprecation_warnings(function, runtime, today))
    wanted = runtime_version(runtime)
    if explicit:
        found = describe_interpreter(explicit)
        if wanted and found.version != wanted:
            warnings.append(
                f"{function}: --python {explicit} is Python {found.version} but the template "
                f"says {runtime}; running it on Python {found.version}"
            )
        return InterpreterChoice(explicit, found.version, "--python", tuple(warnings))
    if wanted:
        for path, source in _candidates(wanted, interpreters or {}, python_setting):
            try:
                if describe_interpreter(path).version == wanted:
                    return InterpreterChoice(path, wanted, source, tuple(warnings))
            except InterpreterError:
                continue
    fallback = python_setting or sys.executable
    used = describe_interpreter(fallback)
    if wanted and used.version != wanted:
        missing = (
            f"{function}: the template says {runtime} but no Python {wanted} was found "
            f"(interpreters setting, python{wanted} on PATH, pyenv, uv, conda)"
        )
        remedy = (
            f"install one with `uv python install {wanted}` or `pyenv install {wanted}`, "
            "or map it in the interpreters setting"
        )
        if strict:
            raise InterpreterError(f"{missing}; {remedy} (strict runtime)")
        warnings.append(f"{missing}; running it on Python {used.version} ({fallback}); {remedy}")
    source = "python setting" if python_setting else "Lamina's own"
    return InterpreterChoice(fallback, used.version, source, tuple(warnings))


def deprecation_warnings(function: str, runtime: str, today: str | None = None) -> Iterator[str]:
    dates = DEPRECATED_RUNTIMES.get(runtime)
    if dates is None:
        return
    import datetime

    now = today or datetime.date.today().isoformat()
    deprecated, blocked = dates
    if now >= blocked:
        yield (
            f"{function}: AWS deprecated {runtime} on {deprecated} and Lambda no longer accepts "
            f"new {runtime} functions (since {blocked}); move to {NEWEST_RUNTIME}"
        )
    elif now >= deprecated:
        yield (
            f"{function}: AWS deprecated {runtime} on {deprecated}; Lambda refuses new "
            f"{runtime} functions from {blocked}; move to {NEWEST_RUNTIME}"
        )


def _candidates(
    version: str, interpreters: Mapping[str, object], python_setting: str | None
) -> Iterator[tuple[str, str]]:
    for key in (f"python{version}", version):
        mapped = interpreters.get(key)
        if mapped:
            yield os.path.expanduser(str(mapped)), "interpreters setting"
    home = Path.home()
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or home / ".pyenv")
    on_path = shutil.which(f"python{version}")
    # A pyenv shim costs a shell and pyenv per probe, and answers for pyenv's current version
    # only: pyenv's own versions are looked at directly below instead.
    if on_path and Path(on_path).parent != pyenv_root / "shims":
        yield on_path, "PATH"
    pyenv = pyenv_root / "versions"
    for folder in _newest_first(pyenv.glob(f"{version}.*")) + [pyenv / version]:
        yield str(folder / "bin" / f"python{version}"), "pyenv"
    uv = Path(
        os.environ.get("UV_PYTHON_INSTALL_DIR") or home / ".local" / "share" / "uv" / "python"
    )
    for folder in _newest_first(uv.glob(f"cpython-{version}.*")):
        yield str(folder / "bin" / f"python{version}"), "uv"
    for folder in _conda_roots(home):
        yield str(folder / "bin" / f"python{version}"), "conda"
    if python_setting:
        yield python_setting, "python setting"
    yield sys.executable, "Lamina's own"


def _conda_roots(home: Path) -> list[Path]:
    roots = [Path(p) for p in (os.environ.get("CONDA_PREFIX"),) if p]
    for name in ("miniconda3", "anaconda3", "miniforge3", "mambaforge"):
        base = home / name
        if base.is_dir():
            roots.append(base)
            roots += sorted((base / "envs").glob("*"))
    return roots


def _newest_first(folders: Iterator[Path]) -> list[Path]:
    def patch(folder: Path) -> tuple[int, ...]:
        numbers = re.findall(r"\d+", folder.name)
        return tuple(int(n) for n in numbers)

    return sorted((f for f in folders if f.is_dir()), key=patch, reverse=True)
