"""The usage plans of plain CloudFormation (what `cdk synth` writes; Terraform's, translated by
terraform_auth; and a SAM template's own `AWS::ApiGateway::UsagePlan`s naming its APIs): every
plan whose `ApiStages` name an API, with its per-method `Throttle` for that API and the values
of the keys its `AWS::ApiGateway::UsagePlanKey`s link, as usage_plans meters them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from lamina.gateway.usage_plans import StagePlans, method_key, usage_plan
from lamina.gateway.websocket_apis import logical_ref
from lamina.project.cfn_values import to_text

USAGE_PLAN = "AWS::ApiGateway::UsagePlan"
PLAN_KEY = "AWS::ApiGateway::UsagePlanKey"
API_KEY = "AWS::ApiGateway::ApiKey"
Typed = Mapping[str, Mapping[str, Mapping[str, Any]]]  # type → logical id → properties
Value = Callable[[Any, str], Any]
Warn = Callable[[str, str], None]


def by_type(resources: Mapping[str, Any]) -> dict[str, dict[str, Mapping[str, Any]]]:
    """A template's resources as type → logical id → properties."""
    typed: dict[str, dict[str, Mapping[str, Any]]] = {}
    for logical_id, resource in resources.items():
        if isinstance(resource, Mapping) and isinstance(resource.get("Properties"), Mapping):
            typed.setdefault(str(resource.get("Type")), {})[str(logical_id)] = resource[
                "Properties"
            ]
    return typed


def stage_plans(typed: Typed, value: Value, warn: Warn, api: str) -> StagePlans | None:
    """The AWS::ApiGateway::UsagePlans whose ApiStages name the API, each with the keys its
    UsagePlanKeys link and its per-method `Throttle` for this API; a plan's meter is the
    plan's (shared by the plan's APIs, as on AWS)."""
    found = []
    for name, props in typed.get(USAGE_PLAN, {}).items():
        stages = props.get("ApiStages")
        stage = next((s for s in _stages(stages) if logical_ref(s.get("ApiId")) == api), None)
        if stage is None:
            continue
        config = {
            "CreateUsagePlan": "PER_API",
            "Throttle": value(props.get("Throttle"), f"{name}.Throttle"),
            "Quota": value(props.get("Quota"), f"{name}.Quota"),
        }
        plan = usage_plan(name, config, partial(warn, name))
        if plan is not None:
            methods = value(stage.get("Throttle"), f"{name}.ApiStages.Throttle")
            plan = replace(plan, methods=_method_throttles(methods))
            found.append((plan, linked_keys(typed, value, name)))
    return StagePlans(tuple(found)) if found else None


def linked_keys(typed: Typed, value: Value, plan: str) -> tuple[str, ...] | None:
    """The values of the enabled keys the plan's UsagePlanKeys link (`Enabled: false` only when
    said, as CDK and Terraform enable theirs); None (any key) when one has no
    Value (AWS generates it), or when the template links no key to any plan (as before
    UsagePlanKey was read: the template's keys are taken)."""
    links = typed.get(PLAN_KEY, {})
    if not links:
        return None
    keys = typed.get(API_KEY, {})
    values: list[str] = []
    for name, props in links.items():
        if logical_ref(props.get("UsagePlanId")) != plan:
            continue
        key = keys.get(logical_ref(props.get("KeyId")) or "")
        if key is not None and str(value(key.get("Enabled"), name)).lower() == "false":
            continue  # a disabled key is refused as one no plan links
        found = value(key.get("Value"), f"{name}.KeyId") if key is not None else None
        if not found:
            return None
        values.append(to_text(found))
    return tuple(values)


def _stages(raw: Any) -> list[Mapping[str, Any]]:
    return [s for s in raw if isinstance(s, Mapping)] if isinstance(raw, list) else []


def _method_throttles(raw: Any) -> tuple[tuple[str, float | None, int | None], ...]:
    """ApiStages[].Throttle (`{"/path/METHOD": {RateLimit, BurstLimit}}`) as UsagePlan.methods."""
    found = []
    for name, limits in raw.items() if isinstance(raw, Mapping) else ():
        if isinstance(limits, Mapping):
            rate = _number(limits.get("RateLimit"), float)
            found.append((method_key(to_text(name)), rate, _number(limits.get("BurstLimit"), int)))
    return tuple(found)


def _number(raw: Any, kind: Callable[[Any], Any]) -> Any:
    try:
        return kind(raw) if raw is not None and raw != "" else None
    except (TypeError, ValueError):
        return None
