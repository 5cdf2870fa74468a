"""Scaffold a new function: `lamina new KIND Name [--path DIR]` and the editor's
`lamina.createHandler` both go through here.

A plan is computed first (every file's new text, nothing written), so that an editor can
apply it as one workspace edit and the CLI can write it. The plan:

- `<path>/<module>.py`: the handler (`<module>.handler`), where `path` defaults to `src`;
- `template.yaml`: the function resource (plus its queue or bucket), added to the existing
  template without touching the rest of it, or a new template;
- `events/<name>.json`: a sample event of the right shape;
- `tests/test_<module>.py`: a unit test calling the handler with that event.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lamina.project.cfn_yaml import parse_cfn_yaml
from lamina.project.lambda_runtimes import local_runtime
from lamina.project.run_configurations import write_text_atomically
from lamina.project.scaffold_kinds import (
    ALIASES,
    KINDS,
    NEW_NAMES,
    FunctionNames,
    YamlLines,
    extra_resource_ids,
    handler_source,
    resources,
    sample_event,
    test_source,
)
from lamina.project.spec import ProjectError
from lamina.project.template import TEMPLATE_FILE_NAMES, find_template
from lamina.project.template_insert import add_resources

DEFAULT_CODE_PATH = "src"
_LOGICAL_ID = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
_PLAIN_SCALAR = re.compile(r"^[A-Za-z0-9_./-]+$")
_DEFAULT_TIMEOUTS = {"sqs": 30, "http-api": 10}


@dataclass(frozen=True)
class PlannedFile:
    """One file of a plan: its new text, and its current text when it exists already."""

    path: Path
    text: str
    original: str | None = None

    @property
    def is_new(self) -> bool:
        return self.original is None


@dataclass(frozen=True)
class ScaffoldPlan:
    logical_id: str
    kind: str
    handler_file: Path
    handler_line: int  # 1-based line of `def handler`
    event_file: Path
    files: list[PlannedFile] = field(default_factory=list)


def kind_names() -> list[str]:
    return list(KINDS)


def resolve_kind(kind: str) -> str:
    key = kind.strip().lower().replace("_", "-")
    key = ALIASES.get(key, key)
    if key not in KINDS:
        raise ProjectError(f"unknown template '{kind}' (choose one of: {', '.join(KINDS)})")
    return key


def check_logical_id(name: str) -> str:
    cleaned = name.strip()
    if not _LOGICAL_ID.match(cleaned):
        raise ProjectError(
            f"'{name}' can't name a function: use letters and digits, starting with a "
            "letter (a CloudFormation logical id, at most 64 characters), e.g. OrdersApi"
        )
    return cleaned


def _code_folder(root: Path, path: str | None) -> Path:
    relative = Path(path.strip() if path and path.strip() else DEFAULT_CODE_PATH)
    folder = Path(os.path.normpath(relative if relative.is_absolute() else root / relative))
    try:
        folder.relative_to(root)
    except ValueError:
        raise ProjectError(f"--path {path} is outside the project ({root})") from None
    return folder


def _scalar(value: str) -> str:
    return value if _PLAIN_SCALAR.match(value) else json.dumps(value)


def _function_globals(data: object) -> dict[str, object]:
    if not isinstance(data, dict):
        return {}
    globals_section = data.get("Globals")
    function = globals_section.get("Function") if isinstance(globals_section, dict) else None
    return function if isinstance(function, dict) else {}


def _function_properties(
    kind: str, names: FunctionNames, code_uri: str, function_globals: dict[str, object]
) -> YamlLines:
    lines: YamlLines = [
        (0, f"CodeUri: {_scalar(code_uri)}"),
        (0, f"Handler: {names.module}.handler"),
    ]
    if "Runtime" not in function_globals:
        lines.append((0, f"Runtime: {local_runtime()}"))
    if "Timeout" not in function_globals:
        lines.append((0, f"Timeout: {_DEFAULT_TIMEOUTS.get(kind, 10)}"))
    return lines


def new_template_text(project_name: str, block: str) -> str:
    return (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Transform: AWS::Serverless-2016-10-31\n"
        f"Description: {_scalar(project_name)} (created by lamina new)\n\n"
        "Globals:\n"
        "  Function:\n"
        f"    Runtime: {local_runtime()}\n"
        "    Timeout: 10\n"
        "    MemorySize: 128\n\n"
        f"Resources:\n{block}"
    )


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise ProjectError(f"cannot read: {e}", path) from None


def _posix(path: Path, base: Path) -> str:
    return PurePosixPath(*path.relative_to(base).parts).as_posix()


def template_to_extend(root: Path, project_file: Path | None) -> Path:
    """The template a new function is added to: the one the project is read from (wherever
    --template, the `template` setting or samconfig put it), else a new template.yaml in
    `root`. A project read from a JSON template, a CDK assembly, serverless.yml or Terraform
    is refused (one line naming the file): a template.yaml beside it would hide its
    functions, and Lamina writes only YAML templates."""
    if project_file is None:
        return Path(os.path.abspath(root)) / TEMPLATE_FILE_NAMES[0]
    from lamina.project.serverless_files import COMPOSE_FILE_NAMES, SERVERLESS_FILE_NAMES

    is_yaml = project_file.suffix in (".yaml", ".yml")
    if is_yaml and project_file.name not in (*SERVERLESS_FILE_NAMES, *COMPOSE_FILE_NAMES):
        return project_file
    raise ProjectError(
        "the project's functions are defined here, and Lamina adds new functions only to a "
        "SAM template in YAML: add the function to this file yourself",
        project_file,
    )


def _new_files(root: Path, code_folder: Path, names: FunctionNames) -> tuple[Path, Path, Path]:
    """The handler, its sample event and its unit test."""
    return (
        code_folder / f"{names.module}.py",
        root / "events" / f"{names.kebab}.json",
        root / "tests" / f"test_{names.module}.py",
    )


def free_name(
    root: Path,
    kind: str,
    path: str | None = None,
    *,
    template_text: str | None = None,
    template_path: Path | None = None,
    limit: int = 999,
) -> str:
    """The first of the kind's new names (NewFunction, NewFunction2, ...) that no resource of
    the template and no file the plan would write has taken. The arguments are
    plan_function's; raises ProjectError for a bad kind or path, or a broken template."""
    root = Path(os.path.abspath(root))
    kind = resolve_kind(kind)
    code_folder = _code_folder(root, path)
    if template_path is None:
        template_path = template_to_extend(root, find_template(root))
    original = template_text if template_text is not None else _read(template_path)
    data = parse_cfn_yaml(original, template_path).data if original else None
    resources = data.get("Resources") if isinstance(data, Mapping) else None
    taken = set(resources) if isinstance(resources, Mapping) else set()
    base = NEW_NAMES[kind]
    for number in range(1, limit + 1):
        name = base if number == 1 else f"{base}{number}"
        names = FunctionNames.from_logical_id(name)
        if taken.isdisjoint([name, *extra_resource_ids(kind, names)]) and not any(
            file.exists() for file in _new_files(root, code_folder, names)
        ):
            return name
    raise ProjectError(f"{base} to {base}{limit} are all taken: name the function yourself")


def plan_function(
    root: Path,
    kind: str,
    name: str,
    path: str | None = None,
    *,
    template_text: str | None = None,
    template_path: Path | None = None,
) -> ScaffoldPlan:
    """Everything a new function needs, as file texts (nothing is written).

    `template_path` is the template to add to (template_to_extend's answer; default: the one
    in `root`), `template_text` its text when an editor holds unsaved changes to it.
    Raises ProjectError (one line) for a bad kind, name or path, a file that exists already,
    or a template it can't add to.
    """
    root = Path(os.path.abspath(root))
    kind = resolve_kind(kind)
    names = FunctionNames.from_logical_id(check_logical_id(name))
    code_folder = _code_folder(root, path)
    handler_file, event_file, test_file = _new_files(root, code_folder, names)
    for existing in (handler_file, event_file, test_file):
        if existing.exists():
            raise ProjectError(f"{existing.relative_to(root)} exists already", existing)

    if template_path is None:
        template_path = template_to_extend(root, find_template(root))
    original = template_text if template_text is not None else _read(template_path)
    # CodeUri is relative to the template, which may sit in another folder (infra/).
    relative = Path(os.path.relpath(code_folder, template_path.parent)).as_posix()
    code_uri = f"{relative}/" if relative not in ("", ".") else "./"
    data = parse_cfn_yaml(original, template_path).data if original else None
    properties = _function_properties(kind, names, code_uri, _function_globals(data))
    lines = resources(kind, names, properties)

    def render(key_indent: str, unit: str) -> str:
        return "".join(
            ("\n" if depth == 0 and index else "") + f"{key_indent}{unit * depth}{text}\n"
            for index, (depth, text) in enumerate(lines)
        )

    new_ids = [names.logical_id, *extra_resource_ids(kind, names)]
    if original is None or not original.strip():
        template = new_template_text(root.name, render("  ", "  "))
    else:
        template = add_resources(original, template_path, new_ids, render)

    source = handler_source(kind, names)
    handler_line = next(
        number
        for number, line in enumerate(source.splitlines(), start=1)
        if line.startswith("def handler(")
    )
    event_text = json.dumps(sample_event(kind, names), indent=2) + "\n"
    test_text = test_source(kind, names, _posix(handler_file, root), _posix(event_file, root))
    files = [
        PlannedFile(handler_file, source),
        PlannedFile(template_path, template, original),
        PlannedFile(event_file, event_text),
        PlannedFile(test_file, test_text),
    ]
    return ScaffoldPlan(names.logical_id, kind, handler_file, handler_line, event_file, files)


def write_plan(plan: ScaffoldPlan) -> list[Path]:
    """Write every file of the plan; returns them in plan order."""
    for planned in plan.files:
        if planned.is_new and planned.path.exists():
            raise ProjectError("exists already", planned.path)
    for planned in plan.files:
        write_text_atomically(planned.path, planned.text)
    return [planned.path for planned in plan.files]
