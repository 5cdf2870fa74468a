"""Resolve CloudFormation intrinsic functions the way a local run can.

What has a local value is resolved: parameters (their Default, or an override), pseudo parameters,
conditions, Fn::Sub/Join/If/Select/Split/FindInMap/Base64 (plus Fn::Length and Fn::ToJsonString
from AWS::LanguageExtensions). What only exists once a stack is deployed (Ref/GetAtt of a resource,
Fn::ImportValue, SSM parameters, Fn::Cidr, ...) becomes a placeholder such as `${Ref:MyTable}` or
`${GetAtt:MyTable.Arn}`, and a warning says where and what. Resolution never raises.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from lamina.project.cfn_values import (
    NO_VALUE,
    intrinsic_name,
    placeholder,
    to_text,
)
from lamina.project.stack_context import StackContext

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LIST_PARAMETER_TYPES = ("CommaDelimitedList", "List<")
_SSM_PARAMETER_TYPE = "AWS::SSM::Parameter::Value"
_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def _as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class IntrinsicResolver:
    """Resolves values of one template. Collects warnings in `warnings` (never raises)."""

    def __init__(
        self,
        template: Mapping[str, Any],
        context: StackContext | None = None,
        parameter_overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.context = context or StackContext.from_environment()
        self.parameters = _as_mapping(template.get("Parameters"))
        self.mappings = _as_mapping(template.get("Mappings"))
        self.conditions = _as_mapping(template.get("Conditions"))
        self.resources = _as_mapping(template.get("Resources"))
        self.overrides = dict(parameter_overrides or {})
        self.warnings: list[str] = []
        self._condition_values: dict[str, bool] = {}
        self._conditions_in_progress: set[str] = set()
        self._names_in_progress: set[str] = set()

    # -- public ---------------------------------------------------------------------------------

    def resolve(self, value: Any, where: str) -> Any:
        """`value` with every intrinsic resolved; NO_VALUE when it is `!Ref AWS::NoValue`."""
        name = intrinsic_name(value)
        if name is not None:
            return self._call(name, value[name], where)
        if isinstance(value, Mapping):
            resolved: dict[str, Any] = {}
            for key, item in value.items():
                item_value = self.resolve(item, f"{where}.{key}")
                if item_value is not NO_VALUE:
                    resolved[key] = item_value
            return resolved
        if isinstance(value, list):
            items = [self.resolve(item, f"{where}[{index}]") for index, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def condition(self, name: str, where: str) -> bool:
        """The value of the named condition in the template's Conditions (False if unknown)."""
        if name in self._condition_values:
            return self._condition_values[name]
        if name not in self.conditions:
            self.warn(where, f"unknown condition '{name}'; treating it as false")
            return False
        if name in self._conditions_in_progress:
            self.warn(where, f"condition '{name}' refers to itself; treating it as false")
            return False
        self._conditions_in_progress.add(name)
        try:
            result = self._truth(self.conditions[name], f"Conditions.{name}")
        finally:
            self._conditions_in_progress.discard(name)
        self._condition_values[name] = result
        return result

    def warn(self, where: str, message: str) -> None:
        warning = f"{where}: {message}"
        if warning not in self.warnings:
            self.warnings.append(warning)

    # -- intrinsic functions ----------------------------------------------------------------------

    def _call(self, name: str, args: Any, where: str) -> Any:
        if name == "Ref":
            return self._ref(to_text(args), where)
        handler = _FUNCTIONS.get(name)
        if handler is None:
            kind = name.removeprefix("Fn::")
            why = f"{name} is not supported locally"
            return self._unresolved(where, kind, to_text(self.resolve(args, where)), why)
        try:
            return handler(self, args, where)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError):
            why = f"malformed {name} arguments {args!r}"
            return self._unresolved(where, name.removeprefix("Fn::"), to_text(args), why)

    def _unresolved(self, where: str, kind: str, detail: str, why: str) -> str:
        """Record why a value has no local stand-in, and return its placeholder."""
        ph = placeholder(kind, detail)
        self.warn(where, f"{why}; using '{ph}'")
        return ph

    def _ref(self, name: str, where: str) -> Any:
        pseudo = self.context.pseudo_parameter(name)
        if pseudo is not None:
            return pseudo
        if name in self.overrides:
            return self._parameter_value(name, self.overrides[name])
        if name in self.parameters:
            definition = _as_mapping(self.parameters[name])
            if str(definition.get("Type", "")).startswith(_SSM_PARAMETER_TYPE):
                why = f"Ref {name} is an SSM parameter ('{to_text(definition.get('Default'))}')"
                return self._unresolved(where, "Ref", name, f"{why}, which has no local value")
            if "Default" not in definition:
                why = f"Ref {name}: the parameter has no Default"
                return self._unresolved(where, "Ref", name, why)
            return self._parameter_value(name, definition["Default"])
        if name in self.resources:
            function = self._function_name(name, where)
            if function is not None:
                return function
            why = f"Ref {name} refers to a resource, which has no local value"
            return self._unresolved(where, "Ref", name, why)
        return self._unresolved(where, "Ref", name, f"Ref {name}: no such parameter or resource")

    def _function_name(self, logical_id: str, where: str) -> str | None:
        """A function's Ref where its FunctionName is known here (the physical name on AWS and in
        `lamina serve --api`'s emulator alike); None otherwise (the placeholder stays, so a sync
        to AWS keeps the deployed value)."""
        resource = _as_mapping(self.resources.get(logical_id))
        given = _as_mapping(resource.get("Properties")).get("FunctionName")
        if resource.get("Type") not in _FUNCTION_TYPES or given is None:
            return None
        if logical_id in self._names_in_progress:
            return None
        self._names_in_progress.add(logical_id)
        try:
            name = to_text(self.resolve(given, f"{logical_id}.FunctionName"))
        finally:
            self._names_in_progress.discard(logical_id)
        return None if "${" in name else name

    def _parameter_value(self, name: str, value: Any) -> Any:
        kind = str(_as_mapping(self.parameters.get(name)).get("Type", ""))
        if isinstance(value, str) and kind.startswith(_LIST_PARAMETER_TYPES):
            return [item.strip() for item in value.split(",")]
        return value

    def _get_att(self, args: Any, where: str) -> str:
        if isinstance(args, str):
            resource, _, attribute = args.partition(".")
        else:
            resource, attribute = to_text(args[0]), to_text(self.resolve(args[1], where))
        detail = f"{resource}.{attribute}"
        why = f"GetAtt {detail} has no local value"
        return self._unresolved(where, "GetAtt", detail, why)

    def _sub(self, args: Any, where: str) -> str:
        if isinstance(args, str):
            text, variables = args, {}
        else:
            text, raw_variables = args
            if not isinstance(text, str) or not isinstance(raw_variables, Mapping):
                raise TypeError("Fn::Sub takes a string or [string, {variables}]")
            variables = self.resolve(raw_variables, where)

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                return to_text(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return self._get_att(name, where)
            return to_text(self._ref(name, where))

        return _SUB_VARIABLE.sub(substitute, text)

    def _join(self, args: Any, where: str) -> str:
        delimiter, items = args
        values = self.resolve(items, where)
        if not isinstance(values, list):
            values = [values]
        return to_text(delimiter).join(to_text(item) for item in values)

    def _if(self, args: Any, where: str) -> Any:
        name, when_true, when_false = args
        chosen = when_true if self.condition(to_text(name), where) else when_false
        return self.resolve(chosen, where)

    def _select(self, args: Any, where: str) -> Any:
        index_value, items = args
        index = int(to_text(self.resolve(index_value, where)))
        values = self.resolve(items, where)
        if not isinstance(values, list):
            why = f"Fn::Select from {to_text(values)!r}, which is not a list locally"
            return self._unresolved(where, "Select", f"{index}", why)
        if not 0 <= index < len(values):
            why = f"Fn::Select index {index} is out of range (the list has {len(values)} items)"
            return self._unresolved(where, "Select", f"{index}", why)
        return values[index]

    def _split(self, args: Any, where: str) -> list[str]:
        delimiter, source = args
        return to_text(self.resolve(source, where)).split(to_text(delimiter))

    def _find_in_map(self, args: Any, where: str) -> Any:
        names = [to_text(self.resolve(item, where)) for item in args[:3]]
        map_name, top_key, second_key = names
        default = _as_mapping(args[3]).get("DefaultValue", NO_VALUE) if len(args) > 3 else NO_VALUE
        top = _as_mapping(_as_mapping(self.mappings.get(map_name)).get(top_key))
        if second_key in top:
            return self.resolve(top[second_key], where)
        if default is not NO_VALUE:
            return self.resolve(default, where)
        detail = ".".join(names)
        return self._unresolved(where, "FindInMap", detail, f"Fn::FindInMap: no entry {detail}")

    def _base64(self, args: Any, where: str) -> str:
        raw = to_text(self.resolve(args, where)).encode("utf-8")
        return base64.b64encode(raw).decode("ascii")

    def _import_value(self, args: Any, where: str) -> str:
        name = to_text(self.resolve(args, where))
        why = f"Fn::ImportValue {name} comes from another stack, which has no local value"
        return self._unresolved(where, "ImportValue", name, why)

    def _get_azs(self, args: Any, where: str) -> list[str]:
        region = to_text(self.resolve(args, where)) or self.context.region
        return [f"{region}{zone}" for zone in "abc"]

    def _length(self, args: Any, where: str) -> int:
        values = self.resolve(args, where)
        if not isinstance(values, list):
            raise TypeError("Fn::Length takes a list")
        return len(values)

    def _to_json_string(self, args: Any, where: str) -> str:
        return json.dumps(self.resolve(args, where), separators=(",", ":"))

    # -- conditions ------------------------------------------------------------------------------

    def _truth(self, value: Any, where: str) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, Mapping) and len(value) == 1:
            (key,) = value.keys()
            args = value[key]
            if key == "Condition":
                return self.condition(to_text(args), where)
            if key == "Fn::Equals":
                left, right = (to_text(self.resolve(item, where)) for item in args)
                return left == right
            if key == "Fn::Not":
                (operand,) = args if isinstance(args, list) else [args]
                return not self._truth(operand, where)
            if key == "Fn::And":
                return all([self._truth(item, where) for item in args])
            if key == "Fn::Or":
                return any([self._truth(item, where) for item in args])
        if isinstance(value, str) and value in self.conditions:
            return self.condition(value, where)
        return to_text(self.resolve(value, where)).lower() == "true"


_Function = Callable[[IntrinsicResolver, Any, str], Any]


def _condition_function(name: str) -> _Function:
    def evaluate(resolver: IntrinsicResolver, args: Any, where: str) -> bool:
        return resolver._truth({name: args}, where)

    return evaluate


_FUNCTIONS: dict[str, _Function] = {
    "Fn::GetAtt": IntrinsicResolver._get_att,
    "Fn::Sub": IntrinsicResolver._sub,
    "Fn::Join": IntrinsicResolver._join,
    "Fn::If": IntrinsicResolver._if,
    "Fn::Select": IntrinsicResolver._select,
    "Fn::Split": IntrinsicResolver._split,
    "Fn::FindInMap": IntrinsicResolver._find_in_map,
    "Fn::Base64": IntrinsicResolver._base64,
    "Fn::ImportValue": IntrinsicResolver._import_value,
    "Fn::GetAZs": IntrinsicResolver._get_azs,
    "Fn::Length": IntrinsicResolver._length,
    "Fn::ToJsonString": IntrinsicResolver._to_json_string,
    "Fn::Equals": _condition_function("Fn::Equals"),
    "Fn::Not": _condition_function("Fn::Not"),
    "Fn::And": _condition_function("Fn::And"),
    "Fn::Or": _condition_function("Fn::Or"),
}
