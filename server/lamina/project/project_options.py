"""Which template a project is read from, with which parameter values: the command line, then
Lamina's settings, then SAM CLI's samconfig file, then the template in the project folder.

- The template: `--template/-t`, else the `template` setting (relative to the project folder),
  else samconfig's `template_file` (relative to the samconfig file), else template.yaml, .yml
  or .json in the project folder. A template named explicitly must exist.
- Parameter values: `--parameter-overrides` key by key over samconfig's `parameter_overrides`,
  over the template's Defaults.
- samconfig: `--config-file` (relative to the project folder), else samconfig.toml/.yaml/.yml in
  the project folder; its `--config-env` environment (default "default"), and the section of
  the SAM command that does what the Lamina command does (`local_invoke` for runs, `sync` for
  sync) over the `global` one. Its `region` sets AWS::Region; its deploy/sync `stack_name`,
  `region` and `profile` are defaults for the `sync.*` settings, and the run section's `profile`
  the default for `credentials.profile`. Settings always win over samconfig.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamina.project.formats import find_project_file
from lamina.project.samconfig import (
    DEFAULT_CONFIG_ENV,
    SamConfigValues,
    find_samconfig,
    read_samconfig,
)
from lamina.project.spec import ProjectError

LOCAL_INVOKE_COMMAND = "local_invoke"
SYNC_COMMAND = "sync"
TEMPLATE_SETTING = "template"


@dataclass(frozen=True)
class ProjectOptions:
    """How to read a project, as the command line (or the editor) asks. Paths are absolute."""

    template: Path | None = None
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    config_env: str = DEFAULT_CONFIG_ENV
    config_file: Path | None = None
    sam_command: str = LOCAL_INVOKE_COMMAND
    var_files: tuple[Path, ...] = ()  # Terraform's -var-file, in the order given

    def replace(self, **changes: Any) -> ProjectOptions:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class SamSettings:
    """What the options, settings and samconfig decide together."""

    template_path: Path | None
    parameter_overrides: Mapping[str, str]
    region: str | None
    samconfig_path: Path | None
    settings: dict[str, object]  # the project's settings, with samconfig's defaults beneath


def sam_settings(
    root: Path, options: ProjectOptions, settings: Mapping[str, object]
) -> SamSettings:
    """Decide the template, parameters and settings. Raises ProjectError naming the file."""
    config_path = _samconfig_path(root, options)
    run = deploy = SamConfigValues()
    if config_path is not None:
        config = read_samconfig(config_path, options.config_env)
        run = config.values(options.sam_command)
        deploy = config.values("deploy", SYNC_COMMAND)
    elif options.config_env != DEFAULT_CONFIG_ENV:
        raise ProjectError(f"--config-env {options.config_env}: no samconfig.toml in {root}")

    merged = dict(settings)
    for key, value in (
        ("sync.stackName", deploy.stack_name),
        ("sync.region", deploy.region),
        ("sync.profile", deploy.profile),
        ("credentials.profile", run.profile),
    ):
        if value is not None and _setting(merged, key) is None:
            _set_default(merged, key, value)

    return SamSettings(
        template_path=_template_path(root, options, settings, run, config_path),
        parameter_overrides={**run.parameter_overrides, **options.parameter_overrides},
        region=run.region,
        samconfig_path=config_path,
        settings=merged,
    )


def _samconfig_path(root: Path, options: ProjectOptions) -> Path | None:
    if options.config_file is None:
        return find_samconfig(root)
    path = Path(os.path.normpath(root / options.config_file.expanduser()))
    if not path.is_file():
        raise ProjectError("no such samconfig file (from --config-file)", path)
    return path


def _template_path(
    root: Path,
    options: ProjectOptions,
    settings: Mapping[str, object],
    run: SamConfigValues,
    config_path: Path | None,
) -> Path | None:
    setting = settings.get(TEMPLATE_SETTING)
    if setting is not None and not isinstance(setting, str):
        raise ProjectError(f"setting {TEMPLATE_SETTING} must be a path, not {setting!r}")
    chosen: list[tuple[Path | None, str]] = [
        (options.template, "from --template"),
        (root / Path(setting).expanduser() if setting else None, "from the template setting"),
        (run.template_file, f"from {config_path.name if config_path else 'samconfig'}"),
    ]
    for path, origin in chosen:
        if path is None:
            continue
        path = Path(os.path.normpath(path))
        if path.is_dir():
            found = find_project_file(path)
            if found is None:
                raise ProjectError(
                    "no template.yaml/.yml/.json, cdk.out, serverless.yml or *.tf in this folder "
                    f"({origin})",
                    path,
                )
            return found
        if not path.is_file():
            raise ProjectError(f"no such template ({origin})", path)
        return path
    return find_project_file(root)


def _setting(settings: Mapping[str, object], key: str) -> object:
    if key in settings:
        return settings[key]
    value: object = settings
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _set_default(settings: dict[str, object], key: str, value: str) -> None:
    """Set `key` (dotted) in the nested form, copying the tables it changes."""
    section, _, name = key.partition(".")
    table = settings.get(section)
    nested = dict(table) if isinstance(table, Mapping) else {}
    nested[name] = value
    settings[section] = nested
