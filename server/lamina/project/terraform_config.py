"""A Terraform configuration folder as values: its *.tf files parsed (terraform_hcl, with
python-hcl2 for what it leaves; the parses cached by content), its variables (defaults, then TF_VAR_x, terraform.tfvars, *.auto.tfvars,
then the command line's -var-file files and -var values: Terraform's order, later winning),
`terraform.workspace`, locals, archive_file data sources and aws_s3_object uploads,
and the resolution of expressions to what a local run can know.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lamina.project.spec import ProjectError
from lamina.project.terraform_expressions import (
    UNRESOLVED,
    Unresolved,
    interpolation_only,
    render,
)

S3_OBJECT_RESOURCES = ("aws_s3_object", "aws_s3_bucket_object")
_MARKER_SPACES = re.compile(r"^([ \t]*[A-Za-z_]\w*)[ \t]+$", re.M)
_REFERENCE = re.compile(r"[A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*")


def _cache_file(text: str) -> Path:
    """Where the parse of `text` is kept: what python-hcl2 reads takes it about 10 ms per block
    (lark), so a configuration is parsed once per change, not at every start."""
    import hashlib

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    from lamina.project.terraform_hcl import READER_VERSION

    stamp = f"{_parser_stamp()}\0{READER_VERSION}"
    key = hashlib.sha256(f"{stamp}\0{text}".encode()).hexdigest()
    return Path(base) / "lamina" / "hcl2" / f"{key}.json"


@functools.cache
def _parser_stamp() -> str:
    """Which python-hcl2 parses, without importing it (lark takes ~100 ms to load) nor asking
    importlib.metadata (which reads every installed distribution): its package file's path,
    size and time, which change with every install."""
    import importlib.util

    spec = importlib.util.find_spec("hcl2")
    origin = spec.origin if spec is not None else None
    if origin is None:
        return "no-hcl2"
    stat = os.stat(origin)
    return f"{origin}:{stat.st_size}:{stat.st_mtime_ns}"


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
    from lamina.project.terraform_hcl import parse

    parsed = parse(text, path, _parse_hcl)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(parsed), encoding="utf-8")
        os.replace(partial, cache)
    except (OSError, TypeError, ValueError):
        pass  # a cache that can't be written only costs time
    return parsed


def _parse_hcl(text: str, path: Path, first_line: int = 1) -> dict[str, Any]:
    """python-hcl2's values of `text`, which starts at line `first_line` of `path`."""
    import hcl2

    options = hcl2.SerializationOptions(
        with_comments=False, explicit_blocks=False, strip_string_quotes=True
    )
    # Terraform allows spaces after a heredoc's closing marker; python-hcl2 doesn't (a line
    # holding one word is otherwise only ever inside a heredoc).
    text = _MARKER_SPACES.sub(r"\1", text)
    try:
        return dict(hcl2.loads(text, serialization_options=options))
    except Exception as error:  # lark's errors carry the line; their classes vary by version
        line = getattr(error, "line", None)
        line = line + first_line - 1 if isinstance(line, int) else None
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ProjectError(f"invalid HCL: {message}", path, line) from None


def configuration_files(folder: Path) -> list[Path]:
    """The *.tf and *.tf.json files of `folder`, by name, as Terraform reads them."""
    try:
        found = [*folder.glob("*.tf"), *folder.glob("*.tf.json")]
    except OSError:
        return []
    return sorted(path for path in found if path.is_file())


def _parse_configuration(path: Path) -> dict[str, Any]:
    """A .tf file as python-hcl2 gives it; a .tf.json file brought to the same shape (HCL blocks
    are lists of {label: body} there, JSON gives one mapping per block type)."""
    document = _parse(path)
    if path.suffix != ".json":
        return document
    if not isinstance(document, Mapping):
        raise ProjectError("a .tf.json file must hold a JSON object", path)
    return {
        key: [value] if isinstance(value, Mapping) else value for key, value in document.items()
    }


def blocks(document: Mapping[str, Any], kind: str) -> list[tuple[str, Any]]:
    """[(label, body)] of `kind` blocks (one label, like variable "x")."""
    found: list[tuple[str, Any]] = []
    for entry in document.get(kind) or []:
        if isinstance(entry, Mapping):
            found.extend((str(label), body) for label, body in entry.items())
    return found


class Configuration:
    """Everything of one folder's *.tf files that function values can refer to."""

    def __init__(
        self,
        folder: Path,
        environ: Mapping[str, str],
        variables: Mapping[str, Any] | None = None,
        var_files: Sequence[Path] = (),
        root: Path | None = None,
    ) -> None:
        self.folder = folder
        self.root = folder if root is None else root  # the root module's: path.root, path.cwd
        self.environ = environ
        self.documents = [
            (path, _parse_configuration(path)) for path in configuration_files(folder)
        ]
        # count.index, each.key and each.value while one instance of a counted resource is read
        # (<iterator>.key and .value in a dynamic block's content)
        self.instance: dict[str, Any] = {}
        self.variables: dict[str, Any] = {}
        self.locals: dict[str, Any] = {}
        self.archives: dict[str, Mapping[str, Any]] = {}
        self.s3_objects: dict[str, Mapping[str, Any]] = {}  # aws_s3_object: zips it uploads
        self.warnings: list[str] = []
        for _path, document in self.documents:
            for name, body in blocks(document, "variable"):
                if isinstance(body, Mapping) and "default" in body:
                    self.variables[name] = body["default"]
            for entry in document.get("locals") or []:
                if isinstance(entry, Mapping):
                    self.locals.update(entry)
            for entry in document.get("resource") or []:
                for kind in S3_OBJECT_RESOURCES:
                    objects = entry.get(kind) if isinstance(entry, Mapping) else None
                    if isinstance(objects, Mapping):
                        self.s3_objects.update(objects)
            for entry in document.get("data") or []:
                archives = entry.get("archive_file") if isinstance(entry, Mapping) else None
                if isinstance(archives, Mapping):
                    self.archives.update(archives)
        # Terraform's order, later winning: defaults, TF_VAR_ environment variables,
        # terraform.tfvars(.json), *.auto.tfvars(.json), then the command line's -var-file
        # files and -var values.
        for key, value in environ.items():
            if key.startswith("TF_VAR_"):
                self.variables[key[len("TF_VAR_") :]] = value
        for tfvars in self._tfvars_files():
            self.variables.update(_parse(tfvars))
        for tfvars in var_files:
            if not tfvars.is_file():
                raise ProjectError(
                    "no such variables file (from --var-file or lamina.terraform.varFiles)", tfvars
                )
            self.variables.update(_parse(tfvars))
        self.variables.update(variables or {})

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
        whole = interpolation_only(value)
        if whole is not None and _REFERENCE.fullmatch(whole):
            return self._expression(whole, where, depth)
        warned = len(self.warnings)
        try:
            result = render(value, lambda name: self._expression(name, where, depth), self.folder)
        except Unresolved as why:  # one warning, naming the whole value, says why
            del self.warnings[warned:]
            if whole is not None:
                return self._unresolved(whole, where, str(why))
            self.warnings.append(f"{where}: {value} is not resolved ({why})")
            return value
        if whole is None and isinstance(result, str):
            return result.replace(UNRESOLVED, "$")
        return result

    def _expression(self, expression: str, where: str, depth: int) -> Any:
        if depth > 10:
            return self._unresolved(expression, where, "refers to itself")
        kind, _, name = expression.partition(".")
        if self.instance and (kind in ("count", "each") or f"{kind}.value" in self.instance):
            return self._instance_value(expression, where)
        if kind == "var" and name in self.variables:
            return self.resolve(self.variables[name], where, depth + 1)
        if kind == "local" and name in self.locals:
            return self.resolve(self.locals[name], where, depth + 1)
        if expression == "path.module":
            return str(self.folder)
        if expression in ("path.root", "path.cwd"):
            return str(self.root)
        if expression == "terraform.workspace":
            return self._workspace()
        if kind == "var":
            return self._unresolved(expression, where, "the variable has no value here")
        if kind == "data" and name.startswith("terraform_remote_state."):
            return self._unresolved(expression, where, "remote state is not read")
        if kind == "module":
            return self._unresolved(expression, where, "module outputs are not read")
        return self._unresolved(expression, where, "a value only known once applied")

    def _workspace(self) -> str:
        """TF_WORKSPACE, else the one `terraform workspace select` recorded, else default."""
        if self.environ.get("TF_WORKSPACE"):
            return self.environ["TF_WORKSPACE"]
        try:
            selected = (self.root / ".terraform" / "environment").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return "default"
        return selected.strip() or "default"

    def _instance_value(self, expression: str, where: str) -> Any:
        """count.index, each.key, each.value and each.value.a.b of the instance being read."""
        head, _, rest = expression.partition(".value.")
        key = f"{head}.value" if rest else expression
        if key not in self.instance:
            return self._unresolved(expression, where, "not in a counted resource")
        value = self.instance[key]
        for part in rest.split(".") if rest else []:
            if not isinstance(value, Mapping) or part not in value:
                return self._unresolved(expression, where, "each.value has no such key")
            value = value[part]
        return value

    def _unresolved(self, expression: str, where: str, why: str) -> str:
        self.warnings.append(f"{where}: ${{{expression}}} is not resolved ({why})")
        return f"{UNRESOLVED}{{{expression}}}"
