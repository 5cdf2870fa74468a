"""Read the Python functions of a Terraform configuration (the *.tf files of one folder).

Read with python-hcl2 (a maintained HCL2 parser, the one checkov and others use):

- `aws_lambda_function` resources: named by resource name (`orders`) and by `function_name`,
  with `handler`, `runtime`, `environment { variables }`, `timeout`, `memory_size`,
  `architectures`, `role`; the code from `filename` when it is an `archive_file`'s
  `output_path` (its `source_dir`, or the folder of its `source_file`), or a folder path.
- the `terraform-aws-modules/lambda/aws` module (`source_path`, `handler`, `runtime`, ...).
- values: literals, `var.x` (the variable's default, then terraform.tfvars, *.auto.tfvars,
  then TF_VAR_x, as Terraform orders them), `local.x`, `path.module`/`path.root`/`path.cwd`,
  and strings that interpolate them.

Not resolved, each named in one warning: computed values (`aws_dynamodb_table.t.name`),
functions, other modules (not followed), remote state, code in S3 or a prebuilt zip.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.project.spec import (
    DEFAULT_MEMORY_MB,
    DEFAULT_ROLE,
    DEFAULT_TIMEOUT_S,
    FunctionSpec,
    ProjectError,
)
from lamina.project.template import TemplateFunctions

LAMBDA_RESOURCE = "aws_lambda_function"
LAMBDA_MODULE_SOURCE = "terraform-aws-modules/lambda/aws"
_FUNCTION_KEYS = (
    "handler",
    "runtime",
    "function_name",
    "timeout",
    "memory_size",
    "environment",
    "architectures",
    "image_uri",
    "package_type",
    "s3_bucket",
)
_MODULE_KEYS = (*_FUNCTION_KEYS, "source_path", "environment_variables")
_EXPRESSION = re.compile(r"\$\{([^{}]*)\}")
_UNRESOLVED = "\x00"  # stands for "$" in a kept expression, so it isn't resolved again


def find_terraform_file(folder: Path) -> Path | None:
    """The first *.tf file of `folder` (by name), or None."""
    try:
        files = sorted(path for path in folder.glob("*.tf") if path.is_file())
    except OSError:
        return None
    return files[0] if files else None


def _cache_file(text: str) -> Path:
    """Where the parse of `text` is kept: python-hcl2 takes about 10 ms per block (lark), so a
    200-function configuration is parsed once per change, not at every start."""
    import hashlib
    from importlib.metadata import version

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    key = hashlib.sha256(f"{version('python-hcl2')}\0{text}".encode()).hexdigest()
    return Path(base) / "lamina" / "hcl2" / f"{key}.json"


def _parse(path: Path) -> dict[str, Any]:
    import json

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"cannot read: {error}", path) from None
    if path.suffix == ".json":
        try:
            data: dict[str, Any] = json.loads(text)
        except json.JSONDecodeError as error:
            raise ProjectError(f"invalid JSON: {error.msg}", path, error.lineno) from None
        return data
    cache = _cache_file(text)
    try:
        cached: dict[str, Any] = json.loads(cache.read_text(encoding="utf-8"))
        return cached
    except (OSError, ValueError):
        pass
    parsed = _parse_hcl(text, path)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(parsed), encoding="utf-8")
        os.replace(partial, cache)
    except (OSError, TypeError, ValueError):
        pass  # a cache that can't be written only costs time
    return parsed


def _parse_hcl(text: str, path: Path) -> dict[str, Any]:
    import hcl2

    options = hcl2.SerializationOptions(
        with_comments=False, explicit_blocks=False, strip_string_quotes=True
    )
    try:
        return dict(hcl2.loads(text, serialization_options=options))
    except Exception as error:  # lark's errors carry the line; their classes vary by version
        line = getattr(error, "line", None)
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ProjectError(f"invalid HCL: {message}", path, line) from None


def _blocks(document: Mapping[str, Any], kind: str) -> list[tuple[str, Any]]:
    """[(label, body)] of `kind` blocks (one label, like variable "x")."""
    found: list[tuple[str, Any]] = []
    for entry in document.get(kind) or []:
        if isinstance(entry, Mapping):
            found.extend((str(label), body) for label, body in entry.items())
    return found


class _Configuration:
    """Everything of one folder's *.tf files that function values can refer to."""

    def __init__(self, folder: Path, environ: Mapping[str, str]) -> None:
        self.folder = folder
        self.documents = [
            (path, _parse(path)) for path in sorted(folder.glob("*.tf")) if path.is_file()
        ]
        self.variables: dict[str, Any] = {}
        self.locals: dict[str, Any] = {}
        self.archives: dict[str, Mapping[str, Any]] = {}
        self.warnings: list[str] = []
        for _path, document in self.documents:
            for name, body in _blocks(document, "variable"):
                if isinstance(body, Mapping) and "default" in body:
                    self.variables[name] = body["default"]
            for entry in document.get("locals") or []:
                if isinstance(entry, Mapping):
                    self.locals.update(entry)
            for entry in document.get("data") or []:
                archives = entry.get("archive_file") if isinstance(entry, Mapping) else None
                if isinstance(archives, Mapping):
                    self.archives.update(archives)
        for tfvars in self._tfvars_files():
            self.variables.update(_parse(tfvars))
        for key, value in environ.items():
            if key.startswith("TF_VAR_"):
                self.variables[key[len("TF_VAR_") :]] = value

    def _tfvars_files(self) -> list[Path]:
        files = [self.folder / "terraform.tfvars", self.folder / "terraform.tfvars.json"]
        files += sorted(self.folder.glob("*.auto.tfvars")) + sorted(
            self.folder.glob("*.auto.tfvars.json")
        )
        return [path for path in files if path.is_file()]

    def resolve(self, value: Any, where: str, depth: int = 0) -> Any:
        if isinstance(value, Mapping):
            return {k: self.resolve(v, f"{where}.{k}", depth) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(item, where, depth) for item in value]
        if not isinstance(value, str) or "${" not in value:
            return value
        whole = _EXPRESSION.fullmatch(value)
        if whole is not None:
            return self._expression(whole.group(1).strip(), where, depth)
        text = _EXPRESSION.sub(
            lambda match: _text(self._expression(match.group(1).strip(), where, depth)), value
        )
        return text.replace(_UNRESOLVED, "$")

    def _expression(self, expression: str, where: str, depth: int) -> Any:
        if depth > 10:
            return self._unresolved(expression, where, "refers to itself")
        kind, _, name = expression.partition(".")
        if kind == "var" and name in self.variables:
            return self.resolve(self.variables[name], where, depth + 1)
        if kind == "local" and name in self.locals:
            return self.resolve(self.locals[name], where, depth + 1)
        if expression in ("path.module", "path.root", "path.cwd"):
            return str(self.folder)
        if kind == "var":
            return self._unresolved(expression, where, "the variable has no value here")
        if kind == "data" and name.startswith("terraform_remote_state."):
            return self._unresolved(expression, where, "remote state is not read")
        if kind == "module":
            return self._unresolved(expression, where, "module outputs are not read")
        return self._unresolved(expression, where, "a value only known once applied")

    def _unresolved(self, expression: str, where: str, why: str) -> str:
        self.warnings.append(f"{where}: ${{{expression}}} is not resolved ({why})")
        return f"{_UNRESOLVED}{{{expression}}}"


def read_terraform(folder: Path, environ: Mapping[str, str] | None = None) -> TemplateFunctions:
    """The functions of the *.tf files in `folder`. Raises ProjectError naming file and line."""
    folder = Path(os.path.abspath(folder))
    config = _Configuration(folder, os.environ if environ is None else environ)
    result = TemplateFunctions(path=find_terraform_file(folder) or folder / "main.tf")
    for path, document in config.documents:
        text = path.read_text(encoding="utf-8")
        for entry in document.get("resource") or []:
            functions = entry.get(LAMBDA_RESOURCE) if isinstance(entry, Mapping) else None
            for name, body in (functions or {}).items():
                line = _line(text, rf'resource\s+"{LAMBDA_RESOURCE}"\s+"{re.escape(name)}"')
                spec = _function(config, f"{LAMBDA_RESOURCE}.{name}", name, body, result)
                if spec is not None:
                    spec.source_path, spec.source_line = path, line
                    result.functions.append(spec)
        for name, body in _blocks(document, "module"):
            line = _line(text, rf'module\s+"{re.escape(name)}"')
            source = str(body.get("source", "")) if isinstance(body, Mapping) else ""
            if not source.startswith(LAMBDA_MODULE_SOURCE):
                result.warnings.append(
                    f"module.{name} ({source or 'no source'}): modules are not followed; "
                    "functions defined inside it are not listed"
                )
                continue
            spec = _module_function(config, name, body, result)
            if spec is not None:
                spec.source_path, spec.source_line = path, line
                result.functions.append(spec)
    result.warnings.extend(config.warnings)
    return result


def _line(text: str, pattern: str) -> int | None:
    match = re.search(pattern, text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _function(
    config: _Configuration,
    address: str,
    name: str,
    body: Mapping[str, Any],
    result: TemplateFunctions,
) -> FunctionSpec | None:
    values = _values(config, body, address, _FUNCTION_KEYS)
    if values.get("image_uri") or values.get("package_type") == "Image":
        result.warnings.append(f"{address}: skipped: a container image is not supported")
        return None
    if values.get("s3_bucket"):
        result.warnings.append(f"{address}: skipped: the code is in S3; Lamina needs local code")
        return None
    code_dir = _code_from_filename(config, body.get("filename"), address, result)
    if code_dir is None:
        return None
    environment = values.get("environment") or [{}]
    variables = environment[0].get("variables", {}) if isinstance(environment, list) else {}
    return _spec(address, name, values, code_dir, variables, result)


def _module_function(
    config: _Configuration, name: str, body: Mapping[str, Any], result: TemplateFunctions
) -> FunctionSpec | None:
    address = f"module.{name}"
    values = _values(config, body, address, _MODULE_KEYS)
    source_path = values.get("source_path")
    if not isinstance(source_path, str) or _UNRESOLVED in source_path:
        result.warnings.append(f"{address}: skipped: source_path is not a local path")
        return None
    path = Path(os.path.normpath(config.folder / source_path))
    code_dir = path.parent if path.suffix == ".py" else path
    variables = values.get("environment_variables") or {}
    return _spec(address, name, values, code_dir, variables, result)


def _values(
    config: _Configuration, body: Mapping[str, Any], address: str, keys: tuple[str, ...]
) -> dict[str, Any]:
    """The keys Lamina uses, resolved (so only their unresolved values are warned about)."""
    values = {key: config.resolve(body[key], f"{address}.{key}") for key in keys if key in body}
    role = body.get("role")
    if isinstance(role, str) and "${" not in role:
        values["role"] = role
    return values


def _code_from_filename(
    config: _Configuration, filename: Any, address: str, result: TemplateFunctions
) -> Path | None:
    """The folder an archive_file zipped, or the folder `filename` names."""
    raw = str(filename or "")
    archive = re.fullmatch(r"\$\{data\.archive_file\.([\w-]+)\.output_path\}", raw)
    if archive is None:  # a literal zip path: the archive_file that writes it, if any
        written = str(config.resolve(filename, f"{address}.filename") or "")
        for archive_name, body in config.archives.items():
            output = config.resolve(body.get("output_path"), archive_name)
            if (
                written
                and output
                and os.path.normpath(config.folder / str(output))
                == (os.path.normpath(config.folder / written))
            ):
                return _archive_source(config, archive_name, body, address, result)
        if written.endswith(".zip") or not written:
            result.warnings.append(
                f"{address}: skipped: the code is {written or 'not given'} (a zip built "
                "outside Terraform); use an archive_file with source_dir"
            )
            return None
        return Path(os.path.normpath(config.folder / written))
    name = archive.group(1)
    archive_body = config.archives.get(name)
    if archive_body is None:
        result.warnings.append(f"{address}: skipped: no data.archive_file.{name} here")
        return None
    return _archive_source(config, name, archive_body, address, result)


def _archive_source(
    config: _Configuration,
    name: str,
    body: Mapping[str, Any],
    address: str,
    result: TemplateFunctions,
) -> Path | None:
    values = config.resolve(body, f"data.archive_file.{name}")
    if isinstance(values.get("source_dir"), str):
        return Path(os.path.normpath(config.folder / values["source_dir"]))
    if isinstance(values.get("source_file"), str):
        return Path(os.path.normpath(config.folder / values["source_file"])).parent
    result.warnings.append(
        f"{address}: skipped: data.archive_file.{name} has no source_dir or source_file "
        "(source blocks are not read)"
    )
    return None


def _spec(
    address: str,
    name: str,
    values: Mapping[str, Any],
    code_dir: Path,
    variables: Any,
    result: TemplateFunctions,
) -> FunctionSpec | None:
    runtime = values.get("runtime")
    if not isinstance(runtime, str) or not runtime.startswith("python"):
        result.warnings.append(f"{address}: skipped: runtime {runtime} is not a Python runtime")
        return None
    handler = values.get("handler")
    if not isinstance(handler, str) or not handler:
        result.warnings.append(f"{address}: skipped: no handler")
        return None
    function_name = values.get("function_name")
    if not isinstance(function_name, str) or _UNRESOLVED in function_name:
        function_name = name
    role = values.get("role")  # only a literal ARN: a computed role is the local one
    architectures = values.get("architectures")
    return FunctionSpec(
        logical_id=name,
        handler=handler,
        code_dir=code_dir,
        function_name=function_name,
        runtime=runtime,
        timeout=_integer(values.get("timeout"), DEFAULT_TIMEOUT_S),
        memory_size=_integer(values.get("memory_size"), DEFAULT_MEMORY_MB),
        environment={
            str(key): _text(value).replace(_UNRESOLVED, "$")
            for key, value in (variables.items() if isinstance(variables, Mapping) else [])
        },
        role=role if isinstance(role, str) and role.startswith("arn:") else DEFAULT_ROLE,
        architectures=[str(a) for a in architectures]
        if isinstance(architectures, list) and architectures
        else ["x86_64"],
        source="terraform",
    )


def _integer(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return default


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
