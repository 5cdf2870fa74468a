"""Resource policies (AddPermission, RemovePermission, GetPolicy) and reserved concurrency
(Put/Get/DeleteFunctionConcurrency; the invoker enforces it)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from aiohttp import web

from lamina.emulator.api import (
    Emulator,
    api,
    empty_response,
    integer,
    json_response,
    read_json,
    required_string,
    string,
)
from lamina.emulator.errors import LambdaError, conflict, invalid, not_found, revision_mismatch
from lamina.emulator.lookup import find_function, find_unqualified, version_config
from lamina.emulator.model import LATEST, FunctionState, new_revision_id
from lamina.emulator.names import Arns, is_alias_name, parse_function_ref
from lamina.emulator.routes_functions import PREFIX
from lamina.emulator.shapes import concurrency

routes = web.RouteTableDef()

ACCOUNT_CONCURRENCY = 1000
MIN_UNRESERVED = 100
# AWS's own pattern for statement ids (stricter than botocore's model: no dots), as recorded.
_SID = re.compile(r"^[a-zA-Z0-9_-]{1,100}$")
_ACTION = re.compile(r"^(lambda:[*]|lambda:[a-zA-Z]+|[*])$")


def principal_json(principal: str) -> Any:
    if principal == "*":
        return "*"
    if re.fullmatch(r"\d{12}", principal):
        return {"AWS": f"arn:aws:iam::{principal}:root"}
    if principal.startswith("arn:"):
        return {"AWS": principal}
    # Service principals are AWS's own domains (s3.amazonaws.com, alexa-appkit.amazon.com).
    if re.fullmatch(r"[a-z0-9.-]+\.(amazonaws\.com|amazon\.com|amazonaws\.com\.cn)", principal):
        return {"Service": principal}
    raise invalid("The provided principal was invalid. Please check the principal and try again.")


def statement(body: dict[str, Any], sid: str, resource: str) -> dict[str, Any]:
    action = required_string(body, "Action")
    if not _ACTION.match(action):
        raise invalid(f"The provided action {action!r} is not valid (e.g. lambda:InvokeFunction)")
    result: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_json(required_string(body, "Principal")),
        "Action": action,
        "Resource": resource,
    }
    condition: dict[str, dict[str, str]] = {}
    equals = {
        "SourceAccount": "AWS:SourceAccount",
        "EventSourceToken": "lambda:EventSourceToken",
        "PrincipalOrgID": "aws:PrincipalOrgID",
        "FunctionUrlAuthType": "lambda:FunctionUrlAuthType",
    }
    for member, key in equals.items():
        value = string(body, member)
        if value is not None:
            condition.setdefault("StringEquals", {})[key] = value
    source_arn = string(body, "SourceArn")
    if source_arn is not None:
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = source_arn
    if condition:
        result["Condition"] = condition
    return result


def policy_target(state: FunctionState, arns: Arns, qualifier: str | None) -> tuple[str, str]:
    """(the policy's key in the store, the Resource ARN its statements name)."""
    if qualifier and is_alias_name(qualifier) and qualifier not in state.aliases:
        raise not_found(f"Cannot find alias arn: {arns.function(state.name, qualifier)}")
    version_config(state, arns, qualifier)  # 404 for an unknown version
    return qualifier or "", arns.function(state.name, qualifier)


def current_revision(state: FunctionState, arns: Arns, key: str) -> str:
    """The RevisionId AddPermission/RemovePermission check: the policy's, else the alias's or
    the version's own."""
    if key in state.policy_revisions:
        return state.policy_revisions[key]
    alias = state.aliases.get(key)
    if alias is not None:
        return alias.revision_id
    return version_config(state, arns, key or None).current_revision(time.time())


@routes.post(PREFIX + "/{FunctionName}/policy")
@api
async def add_permission(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "AddPermission")
    sid = required_string(body, "StatementId")
    if not _SID.match(sid):
        raise LambdaError(
            "ValidationException",
            f"1 validation error detected: Value '{sid}' at 'statementId' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
        )
    revision = string(body, "RevisionId")
    async with emu.store.lock:
        state, qualifier = find_function(
            emu.store, emu.arns, request.match_info["FunctionName"], request.query.get("Qualifier")
        )
        if qualifier == LATEST:
            raise invalid("We currently do not support adding policies for $LATEST.")
        key, resource = policy_target(state, emu.arns, qualifier)
        if revision is not None and revision != current_revision(state, emu.arns, key):
            raise revision_mismatch("GetPolicy")
        statements = state.policies.get(key, ())
        if any(s.get("Sid") == sid for s in statements):
            raise conflict(
                f"The statement id ({sid}) provided already exists. Please provide a new "
                "statement id, or remove the existing statement."
            )
        new = statement(body, sid, resource)
        await emu.store.save(
            state.evolve(
                policies={**state.policies, key: (*statements, new)},
                policy_revisions={**state.policy_revisions, key: new_revision_id()},
            )
        )
    return json_response({"Statement": json.dumps(new)}, 201)


@routes.delete(PREFIX + "/{FunctionName}/policy/{StatementId}")
@api
async def remove_permission(request: web.Request, emu: Emulator) -> web.StreamResponse:
    sid = request.match_info["StatementId"]
    revision = request.query.get("RevisionId")
    async with emu.store.lock:
        raw = request.match_info["FunctionName"]
        name, _ = parse_function_ref(raw, request.query.get("Qualifier"))
        if emu.store.get(name) is None:
            raise not_found(f"No policy found for: {emu.arns.function(name)}")
        state, qualifier = find_function(emu.store, emu.arns, raw, request.query.get("Qualifier"))
        key, _ = policy_target(state, emu.arns, qualifier)
        if revision and revision != current_revision(state, emu.arns, key):
            raise revision_mismatch("GetPolicy")
        statements = state.policies.get(key, ())
        if not statements:
            raise not_found("No policy is associated with the given resource.")
        kept = tuple(s for s in statements if s.get("Sid") != sid)
        if len(kept) == len(statements):
            raise not_found(f"Statement {sid} is not found in resource policy.")
        policies = {**state.policies, key: kept}
        revisions = {**state.policy_revisions, key: new_revision_id()}
        if not kept:
            del policies[key]
        await emu.store.save(state.evolve(policies=policies, policy_revisions=revisions))
    return empty_response(204)


@routes.get(PREFIX + "/{FunctionName}/policy")
@api
async def get_policy(request: web.Request, emu: Emulator) -> web.StreamResponse:
    # AWS answers the same 404 for a missing function, version, alias or policy.
    missing = not_found("The resource you requested does not exist.")
    try:
        state, qualifier = find_function(
            emu.store, emu.arns, request.match_info["FunctionName"], request.query.get("Qualifier")
        )
        key, _ = policy_target(state, emu.arns, qualifier)
    except LambdaError as e:
        if e.code == "ResourceNotFoundException":
            raise missing from None
        raise
    statements = state.policies.get(key)
    if not statements:
        raise missing
    document = {"Version": "2012-10-17", "Id": "default", "Statement": list(statements)}
    return json_response(
        {
            "Policy": json.dumps(document, separators=(",", ":")),
            "RevisionId": current_revision(state, emu.arns, key),
        }
    )


# --- reserved concurrency -------------------------------------------------------------------------


@routes.put("/2017-10-31/functions/{FunctionName}/concurrency")
@api
async def put_function_concurrency(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "PutFunctionConcurrency")
    value = integer(body, "ReservedConcurrentExecutions", 0)
    if value is None:
        raise LambdaError(
            "ValidationException",
            "1 validation error detected: Value null at 'reservedConcurrentExecutions' failed "
            "to satisfy constraint: Member must not be null",
        )
    async with emu.store.lock:
        state = find_unqualified(
            emu.store, emu.arns, request.match_info["FunctionName"], missing_qualifier=LATEST
        )
        others = sum(s.reserved_concurrency or 0 for s in emu.store.all() if s.name != state.name)
        if ACCOUNT_CONCURRENCY - others - value < MIN_UNRESERVED:
            raise LambdaError(
                "InvalidParameterValueException",
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}].",
                error_type="",  # AWS's answer has no Type here
            )
        await emu.store.save(state.evolve(reserved_concurrency=value))
    return json_response({"ReservedConcurrentExecutions": value})


@routes.get("/2019-09-30/functions/{FunctionName}/concurrency")
@api
async def get_function_concurrency(request: web.Request, emu: Emulator) -> web.StreamResponse:
    state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
    return json_response(concurrency(state))


@routes.delete("/2017-10-31/functions/{FunctionName}/concurrency")
@api
async def delete_function_concurrency(request: web.Request, emu: Emulator) -> web.StreamResponse:
    async with emu.store.lock:
        state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
        await emu.store.save(state.evolve(reserved_concurrency=None))
    return empty_response(204)
