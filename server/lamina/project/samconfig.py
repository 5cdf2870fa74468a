"""Read SAM CLI's configuration file (samconfig.toml, samconfig.yaml or samconfig.yml).

    version = 0.1
    [default.global.parameters]
    stack_name = "sam-app"
    [default.local_invoke.parameters]
    template_file = "infra/template.yaml"
    parameter_overrides = "Stage=dev TableName=orders"
    [prod.deploy.parameters]
    region = "eu-west-1"
    profile = "prod"

Like SAM CLI, a value comes from `[ENV.COMMAND.parameters]`, else `[ENV.global.parameters]`,
for the environment `--config-env` names (default "default"). Lamina reads the keys that say
where and how the functions run: `template_file` (or `template`), `parameter_overrides` (a
string, or a list of strings, of `Key=Value` or `ParameterKey=K,ParameterValue=V`), `region`,
`profile` and `stack_name`. Everything else (build and deploy flags) is SAM CLI's own business.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamina.project.pyproject import load_pyproject
from lamina.project.spec import ProjectError

SAMCONFIG_FILE_NAMES = ("samconfig.toml", "samconfig.yaml", "samconfig.yml")
DEFAULT_CONFIG_ENV = "default"
GLOBAL_SECTION = "global"
_LONG_FORM_KEY = "ParameterKey="
_LONG_FORM_VALUE = ",ParameterValue="


@dataclass(frozen=True)
class SamConfigValues:
    """The keys Lamina uses from one environment, for one or more SAM commands."""

    template_file: Path | None = None
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    region: str | None = None
    profile: str | None = None
    stack_name: str | None = None


@dataclass(frozen=True)
class SamConfig:
    """A parsed samconfig file: `data[env][command]["parameters"]` holds the values."""

    path: Path
    env: str
    data: Mapping[str, Any]

    def values(self, *commands: str) -> SamConfigValues:
        """The environment's values for `commands` (later ones win), over its global ones."""
        environment = self.data.get(self.env)
        merged: dict[str, Any] = {}
        for command in (GLOBAL_SECTION, *commands):
            section = environment.get(command) if isinstance(environment, Mapping) else None
            parameters = section.get("parameters") if isinstance(section, Mapping) else None
            if isinstance(parameters, Mapping):
                merged.update(parameters)
        template = merged.get("template_file", merged.get("template"))
        return SamConfigValues(
            template_file=self._path(template, "template_file"),
            parameter_overrides=parse_parameter_overrides(
                merged.get("parameter_overrides"), str(self.path)
            ),
            region=self._text(merged.get("region"), "region"),
            profile=self._text(merged.get("profile"), "profile"),
            stack_name=self._text(merged.get("stack_name"), "stack_name"),
        )

    def _text(self, value: Any, key: str) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ProjectError(f"[{self.env}] {key} must be a string, not {value!r}", self.path)
        return value

    def _path(self, value: Any, key: str) -> Path | None:
        text = self._text(value, key)
        if text is None:
            return None
        # Relative to the file's folder: the project folder, where SAM CLI runs from.
        return Path(os.path.normpath(self.path.parent / Path(text).expanduser()))


def find_samconfig(folder: Path) -> Path | None:
    """samconfig.toml, else samconfig.yaml, else samconfig.yml in `folder` (SAM CLI's order)."""
    for name in SAMCONFIG_FILE_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def read_samconfig(path: Path, env: str = DEFAULT_CONFIG_ENV) -> SamConfig:
    """Parse a samconfig file. Raises ProjectError (file and line) when it doesn't parse, and
    when `env` is not one of its environments (unless it is the default one)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"cannot read: {error}", path) from None
    data = load_pyproject(path) if path.suffix == ".toml" else _parse_yaml(text, path)
    if not isinstance(data, Mapping):
        raise ProjectError("a samconfig file must be a table of environments", path)
    if env not in data and env != DEFAULT_CONFIG_ENV:
        known = ", ".join(str(key) for key in data if isinstance(data[key], Mapping)) or "none"
        raise ProjectError(f"no environment '{env}' (environments here: {known})", path)
    return SamConfig(path=path, env=env, data=data)


def _parse_yaml(text: str, path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ProjectError(f"invalid YAML: {error.problem or error}", path, line) from None
    except yaml.YAMLError as error:
        raise ProjectError(f"invalid YAML: {error}", path) from None


def parse_parameter_overrides(value: Any, where: str) -> dict[str, str]:
    """`Key=Value` pairs (space-separated, shell-quoted) or SAM's long form
    `ParameterKey=K,ParameterValue=V`, as a string or a list of strings, into a mapping."""
    if value is None or value == "":
        return {}
    items: Sequence[Any] = value if isinstance(value, list) else [value]
    overrides: dict[str, str] = {}
    for item in items:
        if not isinstance(item, str):
            raise ProjectError(f"parameter_overrides must be strings like Key=Value, not {item!r}")
        try:
            words = shlex.split(item)
        except ValueError as error:
            raise ProjectError(f"{where}: parameter overrides {item!r}: {error}") from None
        for word in words:
            key, value_text = _split_override(word, where)
            overrides[key] = value_text
    return overrides


def _split_override(word: str, where: str) -> tuple[str, str]:
    if word.startswith(_LONG_FORM_KEY) and _LONG_FORM_VALUE in word:
        key, _, value = word[len(_LONG_FORM_KEY) :].partition(_LONG_FORM_VALUE)
    else:
        key, separator, value = word.partition("=")
        if not separator:
            key = ""
    if not key or not key.isalnum():
        raise ProjectError(
            f"{where}: parameter override {word!r} is not Key=Value "
            "(or ParameterKey=Key,ParameterValue=Value)"
        )
    return key, value
