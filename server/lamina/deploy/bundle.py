"""A function's deployment package: its dependencies (zipped once, cached) plus its own files.

    builder = PackageBuilder(cache_dir)
    package = builder.build(spec, DependencyPlatform.LOCAL)   # or LAMBDA, for the AWS target

Dependencies come from the code dir's requirements.txt, installed with pip into
`.lamina/state/cache/deps-*` (for this interpreter, or for Lambda's platform), zipped once into
`bundle-<deps folder>.zip` beside them. An edit re-zips only the function's own files and joins
them to the cached dependency zip (see zip_splice.py). Files follow the code dir's
`.laminaignore` (ignore_rules.py). The same content always gives the same CodeSha256.

Above 250 MB unzipped a build raises PackageTooLarge, naming the biggest contributors. Above
50 MB zipped the package is still built: `needs_s3` tells the caller to upload it through S3.
"""

from __future__ import annotations

import enum
import os
import sys
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from lamina.deploy.ignore_rules import CodeFile, IgnoreRules, list_code_files, parse_rules
from lamina.deploy.package import code_sha256
from lamina.deploy.zip_splice import (
    EMPTY,
    ZipParts,
    join,
    split_zip,
    top_level_sizes,
    write_entries,
)
from lamina.project.spec import FunctionSpec
from lamina.zip_archive.limits import MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES, PackageError

_DEPENDENCY_RULES = IgnoreRules(parse_rules("__pycache__/\n*.pyc\n*.pyo\n/.lamina-complete\n"))
_MEMORY_CACHE_SIZE = 4


class DependencyPlatform(enum.Enum):
    LOCAL = "local"  # this machine's interpreter (the emulator runs handlers here)
    LAMBDA = "lambda"  # the function's runtime and architecture on Lambda (the AWS target)


class PackageTooLarge(PackageError):
    """The package passes a limit Lambda enforces; the message names the biggest parts."""


@dataclass(frozen=True)
class Package:
    data: bytes
    code_sha256: str
    unzipped_size: int
    file_count: int

    @property
    def zipped_size(self) -> int:
        return len(self.data)

    @property
    def needs_s3(self) -> bool:
        """Too big to go in the request: upload through S3."""
        return len(self.data) > MAX_ZIPPED_BYTES


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def describe_contributors(sizes: list[tuple[str, int]], limit: int = 5) -> str:
    return ", ".join(f"{name} {megabytes(size)}" for name, size in sizes[:limit])


class PackageBuilder:
    """Builds packages; safe to use from several threads (one dependency zip build per key)."""

    def __init__(self, cache_dir: Path, python: str = sys.executable) -> None:
        self.cache_dir = cache_dir
        self.python = python
        self._zips: OrderedDict[str, ZipParts] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    # --- dependencies -----------------------------------------------------------------------

    def dependencies_dir(self, spec: FunctionSpec, platform: DependencyPlatform) -> Path | None:
        """The installed requirements of `spec` (pip runs on first use), or None without any."""
        requirements = spec.requirements_file
        if requirements is None:
            return None
        if platform is DependencyPlatform.LAMBDA:
            from lamina.deploy.platform_dependencies import ensure_platform_dependencies

            architecture = spec.architectures[0] if spec.architectures else "x86_64"
            return ensure_platform_dependencies(
                requirements, spec.runtime, architecture, self.cache_dir
            )
        from lamina.deploy.dependencies import ensure_dependencies

        return ensure_dependencies(requirements, self.python, self.cache_dir)

    def dependency_zip(self, deps_dir: Path | None) -> ZipParts:
        """The zipped dependencies, from memory, the disk cache, or zipped now (once)."""
        if deps_dir is None:
            return EMPTY
        key = deps_dir.name
        with self._guard:
            cached = self._zips.get(key)
            if cached is not None:
                self._zips.move_to_end(key)
                return cached
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                cached = self._zips.get(key)
            if cached is not None:
                return cached
            parts = self._load_or_build(deps_dir, self.cache_dir / f"bundle-{key}.zip")
            with self._guard:
                self._zips[key] = parts
                while len(self._zips) > _MEMORY_CACHE_SIZE:
                    self._zips.popitem(last=False)
            return parts

    def _load_or_build(self, deps_dir: Path, zip_path: Path) -> ZipParts:
        try:
            parts = split_zip(zip_path.read_bytes())
        except (OSError, PackageError):
            parts = None
        if parts is not None:
            return parts
        files = list_code_files(deps_dir, _DEPENDENCY_RULES)
        total = sum(f.size for f in files)
        if total > MAX_UNZIPPED_BYTES:
            sizes = list(top_level_sizes((f.arcname, f.size) for f in files))
            raise PackageTooLarge(
                f"{deps_dir.name}: the dependencies alone are {megabytes(total)} unzipped, "
                f"over Lambda's {megabytes(MAX_UNZIPPED_BYTES)}; biggest: "
                f"{describe_contributors(sizes)}"
            )
        data = write_entries(files)
        parts = split_zip(data)
        if parts is None:
            raise PackageError(
                f"{deps_dir}: {len(files)} dependency files are more than one zip can join"
            )
        fd, temp = tempfile.mkstemp(prefix=".bundle-", dir=zip_path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, zip_path)
        return parts

    # --- packages ---------------------------------------------------------------------------

    def function_files(self, spec: FunctionSpec) -> list[CodeFile]:
        if not spec.code_dir.is_dir():
            raise PackageError(f"{spec.code_dir}: the code dir of {spec.logical_id} is missing")
        return list_code_files(spec.code_dir, IgnoreRules.for_code_dir(spec.code_dir))

    def build(self, spec: FunctionSpec, platform: DependencyPlatform) -> Package:
        """The package of `spec`. Raises PackageError (or DependencyInstallError from pip)."""
        files = self.function_files(spec)
        dependencies = self.dependency_zip(self.dependencies_dir(spec, platform))
        own_size = sum(f.size for f in files)
        unzipped = dependencies.unzipped_size + own_size
        if unzipped > MAX_UNZIPPED_BYTES:
            self._refuse(spec, files, dependencies, unzipped)
        count = dependencies.count + len(files)
        if not dependencies.count:
            data = write_entries(files)
            return Package(data, code_sha256(data), unzipped, count)
        own = {f.arcname for f in files}
        if own & dependencies.names:
            # A vendored copy shadows a dependency: the function's file wins (rare; slow path).
            return self._merged(spec, platform, files, unzipped)
        own_parts = split_zip(write_entries(files))
        if own_parts is None:
            raise PackageError(f"{spec.code_dir}: too many files to package")
        data, sha = join(dependencies, own_parts)
        return Package(data, sha, unzipped, count)

    def _merged(
        self, spec: FunctionSpec, platform: DependencyPlatform, files: list[CodeFile], size: int
    ) -> Package:
        deps_dir = self.dependencies_dir(spec, platform)
        assert deps_dir is not None
        own = {f.arcname for f in files}
        merged = [f for f in list_code_files(deps_dir, _DEPENDENCY_RULES) if f.arcname not in own]
        merged.extend(files)
        merged.sort(key=lambda f: f.arcname)
        data = write_entries(merged)
        return Package(data, code_sha256(data), size, len(merged))

    def _refuse(
        self, spec: FunctionSpec, files: list[CodeFile], dependencies: ZipParts, unzipped: int
    ) -> None:
        raise PackageTooLarge(_too_large(spec, files, dependencies, unzipped))

    def size_problem(self, spec: FunctionSpec, platform: DependencyPlatform) -> str | None:
        """One line when the package would pass Lambda's unzipped limit, else None: for an
        editor's diagnostics. Cheap: file sizes and an already cached dependency zip only
        (pip never runs here)."""
        files = self.function_files(spec)
        dependencies = self._cached_dependency_zip(spec, platform) or EMPTY
        unzipped = dependencies.unzipped_size + sum(f.size for f in files)
        if unzipped <= MAX_UNZIPPED_BYTES:
            return None
        return _too_large(spec, files, dependencies, unzipped)

    def _cached_dependency_zip(
        self, spec: FunctionSpec, platform: DependencyPlatform
    ) -> ZipParts | None:
        requirements = spec.requirements_file
        if requirements is None:
            return None
        if platform is DependencyPlatform.LAMBDA:
            from lamina.deploy.platform_dependencies import platform_key

            architecture = spec.architectures[0] if spec.architectures else "x86_64"
            key = f"deps-lambda-{platform_key(requirements, spec.runtime, architecture)}"
        else:
            from lamina.deploy.dependencies import requirements_key

            key = f"deps-{requirements_key(requirements, self.python)}"
        with self._guard:
            cached = self._zips.get(key)
        if cached is not None:
            return cached
        try:
            return split_zip((self.cache_dir / f"bundle-{key}.zip").read_bytes())
        except (OSError, PackageError):
            return None


def _too_large(
    spec: FunctionSpec, files: list[CodeFile], dependencies: ZipParts, unzipped: int
) -> str:
    sizes = [(f"{name} (dependency)", size) for name, size in dependencies.top_level_sizes]
    sizes += list(top_level_sizes((f.arcname, f.size) for f in files))
    sizes.sort(key=lambda item: -item[1])
    return (
        f"{spec.logical_id}: the package is {megabytes(unzipped)} unzipped, over Lambda's "
        f"limit of {megabytes(MAX_UNZIPPED_BYTES)}; biggest: {describe_contributors(sizes)}. "
        "Leave files out with a .laminaignore in the code dir."
    )
