"""Read the Python functions of a Terraform configuration (the *.tf and *.tf.json files of one
folder); a counted resource (`count`, `for_each`) gives one function per instance.

Read with python-hcl2 (a maintained HCL2 parser; see terraform_config for values):

- `aws_lambda_function` resources: named by resource name (`orders`) and by `function_name`,
  with `handler`, `runtime`, `environment { variables }`, `timeout`, `memory_size`,
  `architectures`, `role`; the code from `filename` when it is an `archive_file`'s
  `output_path` (its `source_dir`, or the folder of its `source_file`), or a folder path; or
  from `s3_bucket`/`s3_key` when the key is an `aws_s3_object` that uploads such an archive.
- the `terraform-aws-modules/lambda/aws` module (`source_path`, `handler`, `runtime`, ...).
- values: literals, `var.x` (the variable's default, then terraform.tfvars, *.auto.tfvars,
  then TF_VAR_x, as Terraform orders them), `local.x`, `path.module`/`path.root`/`path.cwd`,
  strings that interpolate them, and conditionals, `merge`, `templatefile` and `file` over them
  (terraform_expressions).

Not resolved, each named in one warning: computed values (`aws_dynamodb_table.t.name`),
other functions, other modules (not followed), remote state, code in S3, a
prebuilt zip that is missing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lamina.project.spec import (
    DEFAULT_MEMORY_MB,
    DEFAULT_ROLE,
    DEFAULT_TIMEOUT_S,
    FunctionSpec,
)
from lamina.project.template import TemplateFunctions
from lamina.project.terraform_archive_sources import archive_sources_dir
from lamina.project.terraform_config import (
    S3_OBJECT_RESOURCES,
    Configuration,
    blocks,
    configuration_files,
)
from lamina.project.terraform_expressions import UNRESOLVED, as_text
from lamina.project.terraform_instances import dynamic_environment, instances
from lamina.project.terraform_layers import function_layers, layer_versions
from lamina.project.terraform_modules import ModuleCall, read_module
from lamina.project.zip_code import unpacked_code

LAMBDA_RESOURCE = "aws_lambda_function"
LAMBDA_MODULE_SOURCE = "terraform-aws-modules/lambda/aws"
# The same module from its repository: github.com/terraform-aws-modules/terraform-aws-lambda,
# git::https://github.com/...terraform-aws-lambda.git?ref=..., with or without a subfolder.
_LAMBDA_MODULE_REPOSITORY = re.compile(
    r"^(?:git::)?(?:https://|ssh://git@|git@)?github\.com[/:]terraform-aws-modules/"
    r"terraform-aws-lambda(?:\.git)?(?:\?|$)"
)
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
)
_MODULE_KEYS = (*_FUNCTION_KEYS, "source_path", "environment_variables")


def is_lambda_module(source: str) -> bool:
    """terraform-aws-modules/lambda/aws, from the registry or its GitHub repository."""
    source = source.removeprefix("registry.terraform.io/")
    return source.startswith(LAMBDA_MODULE_SOURCE) or bool(_LAMBDA_MODULE_REPOSITORY.match(source))


def find_terraform_file(folder: Path) -> Path | None:
    """The first *.tf or *.tf.json file of `folder` (by name), or None."""
    files = configuration_files(folder)
    return files[0] if files else None


def read_terraform(
    folder: Path,
    environ: Mapping[str, str] | None = None,
    variables: Mapping[str, Any] | None = None,
    depth: int = 0,
    root: Path | None = None,
    module_key: str = "",
    var_files: Sequence[Path] = (),
) -> TemplateFunctions:
    """The functions of the *.tf files in `folder`, with `variables` as `-var NAME=VALUE`s
    (a module's inputs when `depth` > 0; `root` is then the root module's folder and
    `module_key` the module's dotted name) and `var_files` as `-var-file`s. Raises
    ProjectError naming file and line."""
    folder = Path(os.path.abspath(folder))
    root = folder if root is None else root
    environ = os.environ if environ is None else environ
    config = Configuration(folder, environ, variables, var_files, root)
    result = TemplateFunctions(path=find_terraform_file(folder) or folder / "main.tf")
    for path, document in config.documents:
        text = path.read_text(encoding="utf-8")
        for entry in document.get("resource") or []:
            functions = entry.get(LAMBDA_RESOURCE) if isinstance(entry, Mapping) else None
            for name, body in (functions or {}).items():
                line = _line(text, rf'resource\s+"{LAMBDA_RESOURCE}"\s+"{re.escape(name)}"')
                line = line or _line(text, rf'"{re.escape(name)}"\s*:')  # .tf.json
                for index, instance in instances(config, f"{LAMBDA_RESOURCE}.{name}", body):
                    config.instance = instance
                    named = f"{name}{index}"
                    spec = _function(config, f"{LAMBDA_RESOURCE}.{named}", named, body, result)
                    if spec is not None:
                        spec.source_path, spec.source_line = path, line
                        result.functions.append(spec)
                config.instance = {}
        for name, body in blocks(document, "module"):
            line = _line(text, rf'module\s+"{re.escape(name)}"')
            source = str(body.get("source", "")) if isinstance(body, Mapping) else ""
            key = f"{module_key}.{name}" if module_key else name
            for index, instance in instances(config, f"module.{name}", body):
                config.instance = instance
                if is_lambda_module(source):  # read from its arguments
                    spec = _module_function(config, f"{name}{index}", body, result)
                    if spec is not None:
                        spec.source_path, spec.source_line = path, line
                        result.functions.append(spec)
                else:
                    call = ModuleCall(f"{name}{index}", key, source, body, root, depth)
                    functions, warnings = read_module(
                        call, folder, environ, config.resolve, read_terraform
                    )
                    result.functions.extend(functions)
                    result.warnings.extend(warnings)
                config.instance = {}
    result.warnings.extend(config.warnings)
    return result


def _line(text: str, pattern: str) -> int | None:
    match = re.search(pattern, text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _function(
    config: Configuration,
    address: str,
    name: str,
    body: Mapping[str, Any],
    result: TemplateFunctions,
) -> FunctionSpec | None:
    values = _values(config, body, address, _FUNCTION_KEYS)
    if values.get("image_uri") or values.get("package_type") == "Image":
        result.warnings.append(f"{address}: skipped: a container image is not supported")
        return None
    if body.get("s3_bucket") or body.get("s3_key"):
        code_dir = _code_from_s3_object(config, body.get("s3_key"), address, result)
    else:
        code_dir = _code_from_filename(
            config, body.get("filename"), address, result, values.get("handler")
        )
    if code_dir is None:
        return None
    environment = values.get("environment") or dynamic_environment(config, body, address)
    variables = environment[0].get("variables", {}) if isinstance(environment, list) else {}
    spec = _spec(address, name, values, code_dir, variables, result)
    if spec is not None and "layers" in body:
        spec.layers = function_layers(
            body["layers"],
            address,
            layer_versions(config.documents),
            config.resolve,
            lambda filename, where: _code_from_filename(config, filename, where, result),
            result.warnings,
        )
    return spec


def _module_function(
    config: Configuration, name: str, body: Mapping[str, Any], result: TemplateFunctions
) -> FunctionSpec | None:
    address = f"module.{name}"
    flags = {key: config.resolve(body.get(key, default), f"{address}.{key}")
             for key, default in (("create", True), ("create_function", True),
                                  ("create_layer", False))}  # fmt: skip
    if flags != {"create": True, "create_function": True, "create_layer": False}:
        return None  # the module makes a layer, or nothing: no function (as the module decides)
    values = _values(config, body, address, _MODULE_KEYS)
    source_path = values.get("source_path")
    if not isinstance(source_path, str) or UNRESOLVED in source_path:
        result.warnings.append(f"{address}: skipped: source_path is not a local path")
        return None
    path = Path(os.path.normpath(config.folder / source_path))
    code_dir = path.parent if path.suffix == ".py" else path
    variables = values.get("environment_variables") or {}
    return _spec(address, name, values, code_dir, variables, result)


def _values(
    config: Configuration, body: Mapping[str, Any], address: str, keys: tuple[str, ...]
) -> dict[str, Any]:
    """The keys Lamina uses, resolved (so only their unresolved values are warned about)."""
    values = {key: config.resolve(body[key], f"{address}.{key}") for key in keys if key in body}
    role = body.get("role")
    if isinstance(role, str) and "${" not in role:
        values["role"] = role
    return values


def _code_from_s3_object(
    config: Configuration, s3_key: Any, address: str, result: TemplateFunctions
) -> Path | None:
    """The folder an archive_file zipped, when `s3_key` is the key of an aws_s3_object that
    uploads that zip (a common way to ship code): else the code is only in S3."""
    kinds = "|".join(S3_OBJECT_RESOURCES)
    match = re.fullmatch(rf"\$\{{(?:{kinds})\.([\w-]+)\.key\}}", str(s3_key or ""))
    uploaded = config.s3_objects.get(match.group(1)) if match else None
    source = str(uploaded.get("source", "")) if isinstance(uploaded, Mapping) else ""
    archive = re.fullmatch(r"\$\{data\.archive_file\.([\w-]+)\.output_path\}", source)
    body = config.archives.get(archive.group(1)) if archive else None
    if archive is None or body is None:
        result.warnings.append(f"{address}: skipped: the code is in S3; Lamina needs local code")
        return None
    return _archive_source(config, archive.group(1), body, address, result)


def _code_from_filename(
    config: Configuration,
    filename: Any,
    address: str,
    result: TemplateFunctions,
    handler: Any = None,
) -> Path | None:
    """The folder an archive_file zipped, or the folder `filename` names; for a zip built
    outside Terraform, the folder beside it that holds the handler's module."""
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
            return _beside_zip(config, written, handler, address, result)
        return Path(os.path.normpath(config.folder / written))
    name = archive.group(1)
    archive_body = config.archives.get(name)
    if archive_body is None:
        result.warnings.append(f"{address}: skipped: no data.archive_file.{name} here")
        return None
    return _archive_source(config, name, archive_body, address, result)


def _beside_zip(
    config: Configuration, written: str, handler: Any, address: str, result: TemplateFunctions
) -> Path | None:
    """A zip built outside Terraform (a build script, or committed): its sources are taken from
    the folder named like the zip, or the zip's own folder, when it holds the handler's module
    (`app.handler` -> app.py); else a zip that exists runs unpacked (zip_code: per-user cache,
    keyed by its hash; an unsafe archive is refused)."""
    zip_path = Path(os.path.normpath(config.folder / written)) if written else None
    module = str(handler).rpartition(".")[0].replace(".", "/") if handler else ""
    for folder in [zip_path.with_suffix(""), zip_path.parent] if zip_path and module else []:
        if (folder / f"{module}.py").is_file() or (folder / module / "__init__.py").is_file():
            result.warnings.append(
                f"{address}: the code is {written}, a zip built outside Terraform; running "
                f"{module}.py from {folder}, the folder beside it that holds the handler"
            )
            return folder
    if zip_path is not None and zip_path.is_file():  # committed, no sources: run it unpacked
        unpacked = unpacked_code(zip_path, written, lambda why: _skip(result, address, why))
        if unpacked is not None:
            result.warnings.append(
                f"{address}: the code is only {written}, a zip built outside Terraform; "
                f"running it unpacked from {unpacked} (edit the sources the zip is built from)"
            )
        return unpacked
    beside = f" and no folder beside it holds {module}.py" if module and written else ""
    _skip(
        result,
        address,
        f"the code is {written or 'not given'} (a zip built outside Terraform){beside}; "
        "use an archive_file with source_dir",
    )
    return None


def _skip(result: TemplateFunctions, address: str, why: str) -> None:
    result.warnings.append(f"{address}: skipped: {why}")


def _archive_source(
    config: Configuration,
    name: str,
    body: Mapping[str, Any],
    address: str,
    result: TemplateFunctions,
) -> Path | None:
    paths = {key: body[key] for key in ("source_dir", "source_file") if key in body}
    values = config.resolve(paths, f"data.archive_file.{name}")
    if isinstance(values.get("source_dir"), str):
        return Path(os.path.normpath(config.folder / values["source_dir"]))
    if isinstance(values.get("source_file"), str):
        return Path(os.path.normpath(config.folder / values["source_file"])).parent
    if body.get("source"):
        where = f"data.archive_file.{name}"
        folder = archive_sources_dir(config, body["source"], where, result.warnings)
        if folder is not None:
            return folder
    result.warnings.append(
        f"{address}: skipped: data.archive_file.{name} has no source_dir, source_file or "
        "source blocks Lamina can write"
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
    if not isinstance(function_name, str) or "${" in function_name:
        function_name = name  # computed (a random suffix...): the resource name stands in
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
            str(key): as_text(value).replace(UNRESOLVED, "$")
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
