"""Put/Get/DeleteResourcePolicy (botocore's 2026-07-09 operations) on a function, version or
alias ARN: the whole resource-based policy document at once, over the same statements that
AddPermission, RemovePermission and GetPolicy work on (one policy per qualifier, one RevisionId).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from lamina.emulator.api import Emulator, api, empty_response, json_response, read_json, string
from lamina.emulator.errors import invalid, not_found, revision_mismatch
from lamina.emulator.lookup import find_function
from lamina.emulator.model import FunctionState, new_revision_id
from lamina.emulator.routes_permissions import current_revision, policy_target

routes = web.RouteTableDef()
PATH = "/2026-07-09/resource-policy/{ResourceArn}"


def _target(emu: Emulator, request: web.Request) -> tuple[FunctionState, str]:
    state, qualifier = find_function(emu.store, emu.arns, request.match_info["ResourceArn"])
    key, _ = policy_target(state, emu.arns, qualifier)
    return state, key


def _document(statements: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Id": "default", "Statement": list(statements)}


def _statements(text: str) -> tuple[dict[str, Any], ...]:
    """The statements of a policy document, or AWS's 400 for one that is not."""
    try:
        document = json.loads(text)
    except ValueError:
        raise invalid("The policy is not valid JSON.") from None
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raise invalid("The policy must be a JSON object with a Statement list.")
    return tuple(statements)


@routes.put(PATH)
@api
async def put_resource_policy(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "PutResourcePolicy")
    statements = _statements(string(body, "Policy", required=True) or "")
    revision = string(body, "RevisionId")
    async with emu.store.lock:
        state, key = _target(emu, request)
        if revision is not None and revision != current_revision(state, emu.arns, key):
            raise revision_mismatch("GetResourcePolicy")
        new_revision = new_revision_id()
        await emu.store.save(
            state.evolve(
                policies={**state.policies, key: statements},
                policy_revisions={**state.policy_revisions, key: new_revision},
            )
        )
    policy = json.dumps(_document(statements), separators=(",", ":"))
    return json_response({"Policy": policy, "RevisionId": new_revision})


@routes.get(PATH)
@api
async def get_resource_policy(request: web.Request, emu: Emulator) -> web.StreamResponse:
    state, key = _target(emu, request)
    statements = state.policies.get(key)
    if not statements:
        raise not_found("The resource you requested does not exist.")
    policy = json.dumps(_document(statements), separators=(",", ":"))
    return json_response({"Policy": policy, "RevisionId": current_revision(state, emu.arns, key)})


@routes.delete(PATH)
@api
async def delete_resource_policy(request: web.Request, emu: Emulator) -> web.StreamResponse:
    revision = request.query.get("RevisionId")
    async with emu.store.lock:
        state, key = _target(emu, request)
        if key not in state.policies:
            raise not_found("The resource you requested does not exist.")
        if revision and revision != current_revision(state, emu.arns, key):
            raise revision_mismatch("GetResourcePolicy")
        policies = {q: s for q, s in state.policies.items() if q != key}
        revisions = {**state.policy_revisions, key: new_revision_id()}
        await emu.store.save(state.evolve(policies=policies, policy_revisions=revisions))
    return empty_response(204)
