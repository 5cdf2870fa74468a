"""What a local run of a function needs before it starts, for `lamina invoke` (plain and
durable) and `lamina api`: its interpreter, its dependencies and layers installed, the debug
settings; each problem one line and exit 2."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from lamina.commands.console import fail, notice

if TYPE_CHECKING:
    from lamina.project import FunctionSpec, Project
    from lamina.runtime.config import FunctionConfig
    from lamina.runtime.credential_types import Credentials, CredentialSource
    from lamina.runtime.debug import DebugSettings


def debug_settings(settings: dict[str, object], port: int | None) -> DebugSettings:
    from lamina.runtime.debug import DebugSettings

    return DebugSettings.from_settings(lambda key: setting_text(settings, key), port)


def choose_python(
    spec: FunctionSpec,
    settings: dict[str, object],
    explicit: str | None,
    strict: bool,
    root: Path,
) -> str:
    """The interpreter for the template's Runtime (runtime/interpreters.py); its warnings on
    stderr, once; no match under --strict-runtime, or a --python that can't run, is exit 2."""
    from lamina.project.folder_settings import interpreter_mapping, interpreter_path
    from lamina.runtime.interpreters import choose_interpreter
    from lamina.runtime.package_set import InterpreterError

    python_setting = setting_text(settings, "python")
    try:
        choice = choose_interpreter(
            spec.logical_id,
            spec.runtime,
            explicit=explicit,
            interpreters=interpreter_mapping(settings.get("interpreters"), root),
            python_setting=interpreter_path(python_setting, root) if python_setting else None,
            strict=strict or str(settings.get("strictRuntime", "")).lower() in ("true", "1"),
        )
    except InterpreterError as e:
        fail(str(e))
    for warning in choice.warnings:
        notice(f"warning: {warning}")
    return choice.path


def setting_text(settings: dict[str, object], key: str) -> str | None:
    """A dotted setting from [tool.lamina], as a nested table or a quoted dotted key."""
    value: object = settings.get(key)
    if value is None:
        value = settings
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    # `false` is a value, not a missing setting (debug.waitForClient = false).
    return None if value is None or value == "" else str(value)


def install_layers(spec: FunctionSpec, project: Project, python: str) -> dict[str, object]:
    """FunctionConfig's layer fields (the merged /opt and its sys.path entries, runtime/
    layers.py); their warnings once."""
    if not spec.layers:
        return {}
    from lamina.deploy.layer_download import LayerDownloader
    from lamina.pip_target import DependencyInstallError
    from lamina.project.folder_settings import folder_mapping
    from lamina.project.workspace import cache_dir
    from lamina.runtime.layers import function_layers
    from lamina.runtime.package_set import cache_root

    mapped = folder_mapping(project.settings.get("layers"), project.root)
    download = LayerDownloader(
        cache_root() / "layers",
        setting_text(project.settings, "credentials.profile"),
        stderr_progress,
    )
    try:
        found = function_layers(
            spec.layers,
            python,
            cache_dir(project.root),
            mapped,
            download,
        )
    except DependencyInstallError as e:
        fail(str(e))
    for warning in found.warnings:
        notice(f"warning: {spec.logical_id}: {warning}")
    return found.config_fields()


def stderr_progress(arn: str) -> Callable[..., None]:
    """A first layer download's progress on stderr: one line rewritten on a terminal."""
    import click

    from lamina.deploy.download_progress import DownloadProgress

    live = sys.stderr.isatty()

    def say(line: str) -> None:
        if live:
            click.echo(line.replace("\r", "\rlamina: "), err=True, nl=False)
        else:
            notice(line)

    return DownloadProgress(f"layer {arn}", say, live)


def install_requirements(spec: FunctionSpec, project: Project, python: str) -> tuple[Path, ...]:
    requirements = spec.requirements_file
    if requirements is None:
        return ()
    from lamina.deploy.dependencies import DependencyInstallError, ensure_dependencies, is_installed
    from lamina.project.workspace import cache_dir

    cache = cache_dir(project.root)
    if not is_installed(requirements, python, cache):
        notice(f"installing {requirements} (once; cached in {cache})")
    try:
        return (ensure_dependencies(requirements, python, cache),)
    except DependencyInstallError as e:
        fail(str(e))


def function_config(
    spec: FunctionSpec, project: Project, python: str | None = None, **overrides: object
) -> FunctionConfig:
    """What `lamina api` and `lamina invoke` (plain and durable) run a function with: the
    interpreter (`python`, else the template Runtime's), its requirements, its layers (import
    folders, extensions, wrappers) and EFS mounts; `overrides` replace the spec's values
    (invoke_overrides)."""
    from lamina.project.folder_settings import folder_mapping
    from lamina.project.workspace import state_dir
    from lamina.runtime.config import FunctionConfig
    from lamina.runtime.efs import efs_mounts

    python = python or choose_python(spec, project.settings, None, False, project.root)
    mounts: tuple[tuple[str, Path], ...] = ()
    if spec.file_systems:
        mapped = folder_mapping(project.settings.get("efs"), project.root)
        mounts = efs_mounts(spec, state_dir(project.root), mapped)
    return FunctionConfig.from_spec(
        spec,
        python=python,
        extra_paths=install_requirements(spec, project, python),
        mounts=mounts,
        **install_layers(spec, project, python),
        **overrides,
    )


def invoke_overrides(
    spec: FunctionSpec, environment: dict[str, str], timeout: float | None, memory: int | None
) -> dict[str, object]:
    """`lamina invoke`'s --env-vars/--timeout/--memory over the spec's values."""
    return {
        "environment": tuple(sorted(environment.items())),
        "timeout": float(timeout if timeout is not None else spec.timeout),
        "memory_size": int(memory if memory is not None else spec.memory_size),
    }


def local_credentials(
    spec: FunctionSpec, config: FunctionConfig, assume_role: str | None, profile: str | None
) -> tuple[CredentialSource, Credentials | None]:
    """The credentials a local run gets (--assume-role, --profile, else the default chain),
    and their source (its `notice`, for the user); a problem is one line and exit 2."""
    from lamina.runtime.credentials import CredentialsError, credential_source

    source = credential_source(
        assume_role, profile, config.region, session_name=f"lamina-{spec.function_name}"
    )
    try:
        return source, source.current_sync()
    except CredentialsError as e:
        fail(str(e))
