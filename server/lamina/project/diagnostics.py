"""Checks of a project's functions, with the exact place of each problem and, where the fix is
clear, the fix itself. Plain data: the language server turns these into LSP diagnostics and
code actions; nothing here knows about editors.

- a template's Handler pointing at a missing file or function;
- a handler whose signature can't take (event, context);
- a Runtime Lambda doesn't offer (or a non-Python one, which Lamina skips);
- Timeout outside 1-900 and MemorySize outside 128-10240;
- a CodeUri that doesn't exist;
- a requirements.txt package the handler's interpreter lacks.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lamina.project.architectures import architectures_error
from lamina.project.lambda_runtimes import (
    DEPRECATED_PYTHON_RUNTIMES,
    SUPPORTED_PYTHON_RUNTIMES,
    is_custom_runtime,
    is_python_runtime,
    local_runtime,
)
from lamina.project.requirements_check import missing_requirements
from lamina.project.spec import ProjectError
from lamina.project.template_nodes import (
    LAMBDA_FUNCTION,
    FunctionResource,
    PropertyValue,
    TextSpan,
    function_resources,
)

TIMEOUT_RANGE = (1, 900)
MEMORY_RANGE = (128, 10240)
_SEARCH_SKIPPED = {".git", ".lamina", ".venv", "venv", "node_modules", "__pycache__", ".aws-sam"}


class Severity(enum.IntEnum):
    """The LSP's numbering."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4


@dataclass(frozen=True)
class TextReplacement:
    path: Path
    span: TextSpan
    new_text: str


@dataclass(frozen=True)
class NewFile:
    path: Path
    text: str


@dataclass(frozen=True)
class Fix:
    """A fix: text replacements and new files, or a command for the server to run."""

    title: str
    replacements: tuple[TextReplacement, ...] = ()
    new_files: tuple[NewFile, ...] = ()
    command: str | None = None
    arguments: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ProjectDiagnostic:
    path: Path
    span: TextSpan
    severity: Severity
    code: str
    message: str
    fixes: tuple[Fix, ...] = ()


class _Report(Protocol):
    def __call__(self, value: PropertyValue, code: str, message: str, *fixes: Fix) -> None: ...


def handler_stub(function: str) -> str:
    return f"def {function}(event, context):\n    return {{}}\n"


# --- the template ------------------------------------------------------------------------------


def check_template(
    path: Path, text: str, open_sources: Mapping[Path, str] | None = None
) -> list[ProjectDiagnostic]:
    """Every problem of the template's function resources (or the one that stops it loading).
    A handler module in `open_sources` (the editor's unsaved text) is read from there, not from
    disk, as the template itself is."""
    try:
        functions = function_resources(text, path)
    except ProjectError as e:
        line = (e.line - 1) if e.line else 0
        span = TextSpan.of_line(line, text)
        return [ProjectDiagnostic(path, span, Severity.ERROR, "template-error", e.message)]
    found: list[ProjectDiagnostic] = []
    seen: set[tuple[str, TextSpan]] = set()
    files = _FileFacts()  # functions share folders and handler files: read each once
    for function in functions:
        for diagnostic in _check_function(path, function, open_sources or {}, files):
            if (diagnostic.code, diagnostic.span) not in seen:  # a Globals value, once
                seen.add((diagnostic.code, diagnostic.span))
                found.append(diagnostic)
    return found


class _FileFacts:
    """What one check learnt about folders and handler modules, for the next function."""

    def __init__(self) -> None:
        self.folders: dict[Path, bool] = {}
        self.modules: dict[tuple[Path, str], tuple[Path | None, str | None, Any]] = {}

    def is_dir(self, folder: Path) -> bool:
        if folder not in self.folders:
            self.folders[folder] = folder.is_dir()
        return self.folders[folder]


def _check_function(
    path: Path,
    function: FunctionResource,
    open_sources: Mapping[Path, str],
    files: _FileFacts | None = None,
) -> list[ProjectDiagnostic]:
    found: list[ProjectDiagnostic] = []
    properties = function.properties

    def report(value: PropertyValue, code: str, message: str, *fixes: Fix) -> None:
        prefix = "Globals.Function: " if value.from_globals else ""
        severity = Severity.INFORMATION if code in _NOT_CHECKED else Severity.ERROR
        found.append(ProjectDiagnostic(path, value.span, severity, code, prefix + message, fixes))

    runtime = properties.get("Runtime")
    if runtime is not None and isinstance(runtime.value, str):
        problem = runtime_problem(runtime.value)
        if problem is not None:
            code, message = problem
            fix = Fix(
                f"Use {local_runtime()}",
                (TextReplacement(path, runtime.span, local_runtime()),),
            )
            report(runtime, code, message, *(() if code in _NOT_CHECKED else (fix,)))
            if code in _NOT_CHECKED:
                return found
    for name, (low, high), unit in (
        ("Timeout", TIMEOUT_RANGE, "seconds"),
        ("MemorySize", MEMORY_RANGE, "MB"),
    ):
        value = properties.get(name)
        if value is None or isinstance(value.value, bool):
            continue
        number = value.value
        if isinstance(number, (int, float)) and not low <= number <= high:
            bound = low if number < low else high
            message = f"{name} must be {low}-{high} {unit} in Lambda, not {number:g}"
            fix = Fix(f"Set {name} to {bound}", (TextReplacement(path, value.span, str(bound)),))
            report(value, f"{name.lower()}-out-of-range", message, fix)
    architectures = properties.get("Architectures")
    error = architectures_error(list(architectures.items or ())) if architectures else None
    if architectures is not None and error:
        report(architectures, "architectures-invalid", error)
    _check_code(path, function, report, open_sources, files or _FileFacts())
    return found


# Runtimes whose code Lamina doesn't check (an information, not an error; no fix offered).
_NOT_CHECKED = ("runtime-custom", "runtime-not-python")


def runtime_problem(runtime: str) -> tuple[str, str] | None:
    """(code, message) when `runtime` isn't one a Python function can use today."""
    if is_custom_runtime(runtime):
        return "runtime-custom", (
            f"Runtime {runtime}: Lamina runs this function's bootstrap as its runtime; the "
            "handler isn't checked and Debug doesn't apply (debugpy holds only Python runtimes)"
        )
    if not is_python_runtime(runtime):
        return "runtime-not-python", (
            f"Runtime {runtime} is neither Python nor an OS-only runtime: Lamina skips this function"
        )
    if runtime in SUPPORTED_PYTHON_RUNTIMES:
        return None
    supported = ", ".join(SUPPORTED_PYTHON_RUNTIMES)
    if runtime in DEPRECATED_PYTHON_RUNTIMES:
        return (
            "runtime-unsupported",
            f"Lambda no longer supports {runtime} (supported: {supported})",
        )
    return "runtime-unsupported", f"{runtime} is not a Lambda runtime (supported: {supported})"


def _check_code(
    path: Path,
    function: FunctionResource,
    report: _Report,
    open_sources: Mapping[Path, str],
    files: _FileFacts,
) -> None:
    properties = function.properties
    code = properties.get("Code" if function.kind == LAMBDA_FUNCTION else "CodeUri")
    handler = properties.get("Handler")
    if code is not None and code.value is None:
        return  # S3 location or an intrinsic: not local code
    location = str(code.value) if code is not None and code.value is not None else "."
    if location.startswith("s3://") or location.endswith(".zip"):
        return
    code_dir = Path(os.path.normpath(path.parent / location))
    module = function_name = None
    if handler is not None and isinstance(handler.value, str) and "." in handler.value:
        module, _, function_name = handler.value.strip().rpartition(".")
    if code is not None and not files.is_dir(code_dir):
        if code_dir.is_file():
            return  # one file, which SAM zips alone (zip_code)
        fixes = tuple(
            Fix(f"Change to {candidate}", (TextReplacement(path, code.span, candidate),))
            for candidate in _folders_with_module(path.parent, module)
        )
        report(code, "code-uri-missing", f"the code folder {location} does not exist", *fixes)
        return
    if handler is None or not isinstance(handler.value, str):
        return
    if (code_dir / handler.value.strip()).is_file():
        return  # a program such as run.sh, which an exec wrapper runs (the Lambda Web Adapter)
    if module is None or not function_name:
        message = f"Handler must look like module.function, not {handler.value!r}"
        report(handler, "handler-invalid", message)
        return
    _check_handler(code_dir, module, function_name, handler, report, open_sources, files)


def _module_facts(
    code_dir: Path, module: str, open_sources: Mapping[Path, str], files: _FileFacts
) -> tuple[Path | None, str | None, Any]:
    """The module's file, its text and its top-level names (None where unreadable)."""
    from lamina.project.discovery import module_file, parse_module, top_level_bindings

    key = (code_dir, module)
    if key not in files.modules:
        file = module_file(code_dir, module)
        source = open_sources.get(file) if file is not None else None
        if file is not None and source is None:
            try:
                source = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                source = None
        tree = parse_module(source) if source is not None else None
        bindings = top_level_bindings(tree) if tree is not None else None
        files.modules[key] = (file, source, bindings)
    return files.modules[key]


def _check_handler(
    code_dir: Path,
    module: str,
    function: str,
    handler: PropertyValue,
    report: _Report,
    open_sources: Mapping[Path, str],
    files: _FileFacts,
) -> None:
    file, source, bindings = _module_facts(code_dir, module, open_sources, files)
    if file is None:
        expected = code_dir / (module.replace(".", "/") + ".py")
        fix = Fix(
            f"Create {expected.name} with {function}(event, context)",
            new_files=(NewFile(expected, handler_stub(function)),),
        )
        message = f"no file for module '{module}' (expected {expected})"
        report(handler, "handler-file-missing", message, fix)
        return
    if source is None or bindings is None:
        return  # unreadable; or the runtime reports the syntax error, the way Lambda does
    if function in bindings or "*" in bindings:
        return
    lines = source.splitlines()
    end = TextSpan(len(lines), 0, len(lines), 0)
    separator = "" if not source.strip() else ("\n\n" if source.endswith("\n") else "\n\n\n")
    fix = Fix(
        f"Add {function}(event, context) to {file.name}",
        (TextReplacement(file, end, separator + handler_stub(function)),),
    )
    report(handler, "handler-function-missing", f"{file.name} has no function '{function}'", fix)


def _folders_with_module(base: Path, module: str | None, limit: int = 3) -> list[str]:
    """Folders under `base` (3 levels deep at most) holding the handler's module."""
    if not module:
        return []
    relative = module.replace(".", "/") + ".py"
    found: list[str] = []
    for folder, subfolders, _files in os.walk(base):
        depth = len(Path(folder).relative_to(base).parts)
        subfolders[:] = [
            s for s in subfolders if s not in _SEARCH_SKIPPED and not s.startswith(".")
        ]
        if depth >= 3:
            subfolders[:] = []
        if (Path(folder) / relative).is_file():
            found.append((Path(folder).relative_to(base).as_posix() or ".") + "/")
            if len(found) >= limit:
                break
    return found


# --- handler source ----------------------------------------------------------------------------


def check_handler_source(path: Path, text: str, functions: list[str]) -> list[ProjectDiagnostic]:
    """Handlers (named by the template) in this file whose parameters can't take (event, context)."""
    from lamina.project.handler_signatures import signature_problems

    found: list[ProjectDiagnostic] = []
    for problem in signature_problems(text, functions):
        fixes: tuple[Fix, ...] = ()
        if problem.parameters_span is not None:
            fixes = (
                Fix(
                    f"Change to {problem.function}({problem.fixed_parameters})",
                    (TextReplacement(path, problem.parameters_span, problem.fixed_parameters),),
                ),
            )
        found.append(
            ProjectDiagnostic(
                path, problem.name_span, Severity.ERROR, "handler-signature", problem.message, fixes
            )
        )
    return found


# --- requirements ------------------------------------------------------------------------------


def check_requirements(
    path: Path, text: str, installed: frozenset[str], python: str, function: str
) -> list[ProjectDiagnostic]:
    """Packages of a function's requirements.txt that neither `python` nor Lamina's dependency
    cache has (the caller passes an empty result when the cache is complete)."""
    found: list[ProjectDiagnostic] = []
    for requirement in missing_requirements(text, installed):
        span = TextSpan(
            requirement.line, requirement.start_column, requirement.line, requirement.end_column
        )
        fix = Fix(
            "Install the requirements (pip, into Lamina's cache)",
            command="lamina.installRequirements",
            arguments={"function": function},
        )
        message = (
            f"{requirement.name} is not installed for {python}; "
            "Lamina installs requirements on the first run"
        )
        found.append(
            ProjectDiagnostic(
                path, span, Severity.WARNING, "requirement-not-installed", message, (fix,)
            )
        )
    return found
