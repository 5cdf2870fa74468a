"""`lamina serve --deploy-samples`: package every function of the sample projects (each folder
with a template.yaml) and deploy it into the emulator, so a fresh emulator has something real to
invoke.

Each function is zipped by deploy.package (its requirements.txt installed once, with the local
interpreter, into the data dir's cache and bundled at the zip's root, as `sam build` does), and
created, or updated when its code or settings changed. It is tagged `lamina:source` with its code
dir, so `--debug` maps breakpoints to the sample's own files.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lamina.deploy.dependencies import DependencyInstallError, ensure_dependencies
from lamina.deploy.package import build_zip
from lamina.deploy.project_identity import PROJECT_ROOT_TAG, PROJECT_TAG, ownership_conflict
from lamina.emulator.api import Emulator
from lamina.emulator.errors import LambdaError
from lamina.emulator.function_debugger import SOURCE_TAG
from lamina.emulator.model import LATEST, FunctionState, VersionConfig, new_revision_id, timestamp
from lamina.emulator.routes_functions import ingest, release
from lamina.emulator.settings import ROLE_PATTERN, architectures, environment
from lamina.project import Project, ProjectError, load_project
from lamina.project.spec import DEFAULT_ROLE, FunctionSpec
from lamina.zip_archive.limits import PackageError

log = logging.getLogger("lamina.emulator")

_ROLE = re.compile(f"^{ROLE_PATTERN}$")


@dataclass(frozen=True)
class DeployOutcome:
    function: str  # the function name in the emulator
    project: str  # the sample's folder name
    status: str  # "created" | "updated" | "unchanged" | "failed: <reason>" | "refused: <why>"


def find_samples_dir(cwd: Path | None = None) -> Path | None:
    """./samples if it holds sample projects, else the samples of Lamina's own checkout."""
    here = (cwd or Path.cwd()) / "samples"
    checkout = Path(__file__).resolve().parents[3] / "samples"
    for candidate in (here, checkout):
        if candidate.is_dir() and any(candidate.glob("*/template.y*ml")):
            return candidate
    return None


def package_function(spec: FunctionSpec, cache_dir: Path) -> bytes:
    """The function's zip, with its requirements bundled (blocking)."""
    requirements = spec.requirements_file
    dependencies = None
    if requirements is not None:
        dependencies = ensure_dependencies(requirements, sys.executable, cache_dir)
    return build_zip(spec.code_dir, dependencies=dependencies)


async def deploy_samples(emu: Emulator, samples_dir: Path, cache_dir: Path) -> list[DeployOutcome]:
    outcomes: list[DeployOutcome] = []
    for project_dir in sorted(p.parent for p in samples_dir.glob("*/template.y*ml")):
        try:
            project = await asyncio.to_thread(load_project, project_dir)
        except ProjectError as e:
            outcomes.append(DeployOutcome("-", project_dir.name, f"failed: {e}"))
            continue
        outcomes += await deploy_project(emu, project, cache_dir)
    return outcomes


async def deploy_project(
    emu: Emulator,
    project: Project,
    cache_dir: Path,
    owner: ProjectTags | None = None,
    package: Callable[[FunctionSpec], bytes] | None = None,
) -> list[DeployOutcome]:
    """Package and deploy each of a project's functions (`lamina serve --api` does it for its
    project, so a handler's Lambda call reaches the template's other functions by name, with
    its `owner` tags and the packager its later saves use)."""
    outcomes: list[DeployOutcome] = []
    for spec in project.functions.values():
        try:
            if package is None:
                data = await asyncio.to_thread(package_function, spec, cache_dir)
            else:
                data = await asyncio.to_thread(package, spec)
            local = dataclasses.replace(spec, environment=local_refs(spec.environment, project))
            status = await deploy_function(emu, local, data, owner)
        except (PackageError, DependencyInstallError, OSError) as e:
            status = f"failed: {e}"
        except LambdaError as e:
            status = f"failed: {e.code}: {e.message}"
        outcomes.append(DeployOutcome(spec.function_name, project.root.name, status))
    return outcomes


def local_refs(environment: dict[str, str], project: Project) -> dict[str, str]:
    """The variables with each `!Ref OtherFunction` the template can't name (the placeholder
    `${Ref:OtherFunction}`, no FunctionName) replaced by the name that function has here."""
    names = {f"${{Ref:{key}}}": spec.function_name for key, spec in project.functions.items()}
    return {key: names.get(value, value) for key, value in environment.items()}


def _settings(spec: FunctionSpec) -> dict[str, object]:
    return {
        "handler": spec.handler,
        "runtime": spec.runtime,
        "role": spec.role if _ROLE.match(spec.role) else DEFAULT_ROLE,
        "timeout": int(spec.timeout),
        "memory_size": int(spec.memory_size),
        "environment": environment({"Variables": dict(spec.environment)}),
        "architectures": architectures(list(spec.architectures[:1]) or ["x86_64"]),
    }


@dataclass(frozen=True)
class ProjectTags:
    """The project a deploy is for (deploy/project_identity.py): its functions carry these
    tags, and a function carrying another project's id is not overwritten."""

    project_id: str
    root: str

    def tags(self) -> dict[str, str]:
        return {PROJECT_TAG: self.project_id, PROJECT_ROOT_TAG: self.root}


async def deploy_function(
    emu: Emulator,
    spec: FunctionSpec,
    data: bytes,
    owner: ProjectTags | None = None,
    code_only: bool = False,
) -> str:
    """Create or update one function from a spec and its zip; returns what happened
    ("refused: <why>" when it belongs to another project than `owner`). With `code_only`, an
    existing function keeps its settings (as UpdateFunctionCode does): only its code changes."""
    name = spec.function_name
    fields = _settings(spec)
    tags = {SOURCE_TAG: str(spec.code_dir.resolve()), **(owner.tags() if owner else {})}
    stored = await ingest(emu, data)
    try:
        async with emu.store.lock:
            state = emu.store.get(name)
            if state is not None and owner is not None:
                conflict = ownership_conflict(
                    dict(state.tags), owner.project_id, owner.root, spec.logical_id, name
                )
                if conflict:
                    return f"refused: {conflict}"
            now = time.time()
            code = {"code_sha256": stored.sha256, "code_key": stored.key, "code_size": stored.size}
            if state is None:
                latest = VersionConfig(
                    function_name=name,
                    version=LATEST,
                    last_modified=timestamp(now),
                    revision_id=new_revision_id(),
                    **code,  # type: ignore[arg-type]
                    **fields,  # type: ignore[arg-type]
                )
                await emu.store.save(FunctionState(name=name, latest=latest, tags=tags))
                return "created"
            changes = code if code_only else {**code, **fields}
            candidate = dataclasses.replace(state.latest, **changes)  # type: ignore[arg-type]
            merged = {**state.tags, **tags}
            if candidate == state.latest and merged == dict(state.tags):
                return "unchanged"
            latest = dataclasses.replace(
                candidate,
                last_modified=timestamp(now),
                revision_id=new_revision_id(),
                ready_at=0.0,
                update_done_at=0.0,
            )
            await emu.store.save(state.evolve(latest=latest, tags=merged, previous_latest=None))
            return "updated"
    finally:
        release(emu, stored)
