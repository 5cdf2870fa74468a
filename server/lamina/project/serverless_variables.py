"""Serverless Framework variables, resolved the way a local run can.

Resolved: `${self:a.b}` (and `${a.b}`, v4's short form), `${sls:stage}`, `${sls:instanceId}`,
`${opt:NAME}` (the command line's --stage and --parameter-overrides NAME=VALUE; stage and
region default to the provider's, else dev and us-east-1), `${env:NAME}`,
`${file(./x.yml):a.b}`, `${aws:region}`, `${aws:accountId}`, `${strToBool(...)}`, `${param:NAME}`
(serverless-compose.yml's params for the service, then the service's `params:` for the stage,
then its `params.default`), and each
with a fallback: `${opt:stage, 'dev'}`, `${env:X, ${self:custom.x}}`. Innermost first, so
variables inside variables work. What only a deployed account has (`${ssm:...}`, `${cf:...}`,
`${s3:...}`, a param no one sets, ...) stays as written and a warning says where.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.project.cfn_yaml import cfn_loader_class
from lamina.project.spec import DEFAULT_ACCOUNT, ProjectError

DEFAULT_STAGE = "dev"
DEFAULT_REGION = "us-east-1"
# The innermost variable: `${...}` holding no other `${`.
_INNERMOST = re.compile(r"\$\{((?:(?!\$\{)[^}])*)\}")
_FILE_SOURCE = re.compile(r"^file\((.+?)\)(?::(.+))?$")
_MAX_PASSES = 20  # a guard against variables that refer to themselves
_UNRESOLVED_MARK = "\x00"  # stands for "$" in a variable kept as written, until the end


class VariableResolver:
    """Resolves the variables in values of one serverless.yml."""

    def __init__(
        self,
        document: Mapping[str, Any],
        service_dir: Path,
        environ: Mapping[str, str] | None = None,
        options: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.document = document
        self.service_dir = service_dir
        self.environ = os.environ if environ is None else environ
        self.warnings: list[str] = []
        self._active: set[str] = set()
        provider = document.get("provider")
        provider = provider if isinstance(provider, Mapping) else {}
        # While the stage and region themselves are resolved, `${opt:stage}` has no value yet,
        # so that `stage: ${opt:stage, 'prod'}` takes its fallback.
        self._stage_known = False
        self.stage, self.region = DEFAULT_STAGE, DEFAULT_REGION
        self.options = dict(options or {})
        # The framework's order: --stage, else provider.stage, else dev (and so for the region).
        self.stage = (
            self.options.get("stage")
            or self._plain(provider.get("stage"), "provider.stage")
            or DEFAULT_STAGE
        )
        self.region = (
            self.options.get("region")
            or self._plain(provider.get("region"), "provider.region")
            or DEFAULT_REGION
        )
        self._stage_known = True
        declared = document.get("params")
        by_stage = declared if isinstance(declared, Mapping) else {}
        self.params: dict[str, Any] = {}
        for given in (by_stage.get("default"), by_stage.get(self.stage), params):
            self.params.update(given if isinstance(given, Mapping) else {})

    def _plain(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        resolved = self.resolve(value, where)
        return str(resolved) if resolved not in (None, "") else None

    def resolve(self, value: Any, where: str) -> Any:
        """`value` with its variables resolved (mappings and lists deeply)."""
        if isinstance(value, Mapping):
            return {key: self.resolve(item, f"{where}.{key}") for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item, f"{where}[{index}]") for index, item in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value
        text: Any = value
        for _ in range(_MAX_PASSES):
            if not isinstance(text, str):
                return text
            match = _INNERMOST.search(text)
            if match is None:
                break
            replacement = self._variable(match.group(1).strip(), where)
            if match.group(0) == text:  # the whole value: keep its type (a mapping, a number)
                text = replacement
            else:
                text = text[: match.start()] + _text(replacement) + text[match.end() :]
        return text.replace(_UNRESOLVED_MARK, "$") if isinstance(text, str) else text

    def _variable(self, body: str, where: str) -> Any:
        if body.startswith("AWS::"):  # CloudFormation's, in a Fn::Sub: the framework leaves it
            return f"{_UNRESOLVED_MARK}{{{body}}}"
        source, fallback = _split_fallback(body)
        value = self._source(source, where)
        if value is None and fallback is not None:
            return _literal(fallback)
        if value is None:
            self.warnings.append(f"{where}: ${{{body}}} is not resolved locally")
            return f"{_UNRESOLVED_MARK}{{{body}}}"
        return value

    def _source(self, source: str, where: str) -> Any:
        stage_known = self._stage_known
        kind, _, name = source.partition(":")
        if not _ and "(" not in source:  # v4's `${custom.x}` is `${self:custom.x}`
            kind, name = "self", source
        kind = kind.strip()
        name = name.strip()
        if kind == "self":
            return self._self(name, where)
        if kind == "sls":
            return {"stage": self.stage if stage_known else None, "instanceId": "local"}.get(name)
        if kind == "opt":
            known = {"stage": self.stage, "region": self.region} if stage_known else {}
            return {**known, **self.options}.get(name)
        if kind == "env":
            return self.environ.get(name)
        if kind == "param":
            return self.params.get(name)
        if kind == "aws":
            return {"region": self.region, "accountId": DEFAULT_ACCOUNT}.get(name)
        match = _FILE_SOURCE.match(source)
        if match:
            return self._file(match.group(1), match.group(2), where)
        if source.startswith("strToBool(") and source.endswith(")"):
            return source[len("strToBool(") : -1].strip().lower() in ("true", "1")
        return None  # ssm, cf, s3, param, aws:..., unknown: only a deployed account knows

    def _self(self, path: str, where: str) -> Any:
        """The value at `path`, resolving values met on the way (`custom.config.x` where
        `custom.config` is itself `${file(...)}`)."""
        if path in self._active:
            self.warnings.append(f"{where}: ${{self:{path}}} refers to itself")
            return None
        self._active.add(path)
        try:
            value: Any = self.document
            walked: list[str] = []
            for part in path.split(".") if path else []:
                walked.append(part)
                value = _lookup(value, part)
                if value is None:
                    return None
                if isinstance(value, str) and "${" in value:
                    value = self.resolve(value, ".".join(walked))
            return self.resolve(value, path)
        finally:
            self._active.discard(path)

    def _file(self, file_text: str, path: str | None, where: str) -> Any:
        import yaml

        relative = _literal(file_text.strip())
        file_path = Path(os.path.normpath(self.service_dir / str(relative)))
        try:
            text = file_path.read_text(encoding="utf-8")
            # CloudFormation's tags (!Ref, !GetAtt...) as serverless.yml itself takes them
            data = yaml.load(text, Loader=cfn_loader_class())  # noqa: S506 - a SafeLoader
        except (OSError, UnicodeDecodeError) as error:
            raise ProjectError(f"{where}: cannot read {file_path}: {error}") from None
        except yaml.YAMLError as error:
            raise ProjectError(f"{where}: {file_path} is not YAML or JSON: {error}") from None
        return _lookup(data, path) if path else data


def _split_fallback(body: str) -> tuple[str, str | None]:
    """`opt:stage, 'dev'` → ("opt:stage", "'dev'"): the first comma outside quotes and parens."""
    depth, quote = 0, ""
    for index, character in enumerate(body):
        if quote:
            quote = "" if character == quote else quote
        elif character in "'\"":
            quote = character
        elif character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif character == "," and depth == 0:
            return body[:index].strip(), body[index + 1 :].strip()
    return body, None


def _literal(text: str) -> Any:
    """A fallback as written: a quoted string, a number, true/false, or a bare word."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _lookup(data: Any, dotted: str) -> Any:
    value = data
    for part in dotted.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (Mapping, list)):
        import json

        return json.dumps(value)
    return str(value)
