"""Functions: Create, Get, GetConfiguration, List, Delete, UpdateCode, UpdateConfiguration."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from aiohttp import web

from lamina.emulator.api import (
    MAX_UPLOAD_REQUEST_BYTES,
    Emulator,
    api,
    boolean,
    empty_response,
    json_response,
    paginate,
    read_json,
    required_string,
    string,
    string_map,
)
from lamina.emulator.capacity_providers import provider_of
from lamina.emulator.code_store import CodeObject
from lamina.emulator.errors import (
    LambdaError,
    conflict,
    invalid,
    revision_mismatch,
    update_in_progress,
)
from lamina.emulator.function_layers import check_function_layers, check_unzipped_total
from lamina.emulator.lookup import check_region, find_function, find_unqualified, version_config
from lamina.emulator.model import LATEST, FunctionState, VersionConfig, new_revision_id, timestamp
from lamina.emulator.names import foreign_account, is_version_number, parse_function_ref
from lamina.emulator.settings import architectures, function_settings, merge_echoed, zip_from
from lamina.emulator.shapes import concurrency, function_configuration, is_updating
from lamina.emulator.tenancy import refuse_snapstart
from lamina.zip_archive.limits import PackageError

routes = web.RouteTableDef()
PREFIX = "/2015-03-31/functions"
CODE_DOWNLOAD = "/_lamina/code"
MAX_NAME_LENGTH = 64
MAX_TAGS = 50  # per resource, AWS's limit


async def ingest(emu: Emulator, data: bytes) -> CodeObject:
    try:
        return await emu.store.ingest(data)
    except PackageError as e:
        if "not a zip" in str(e) or "not a readable zip" in str(e):
            # AWS's words for a body that is no zip at all.
            raise invalid(
                "Could not unzip uploaded file. Please check your file, then try to upload again."
            ) from None
        raise invalid(f"Could not unzip uploaded file: {e}") from None


def release(emu: Emulator, stored: CodeObject) -> None:
    """Unpin an upload once its commit is done (or failed: then it is removed)."""
    emu.store.unpin(stored.key)
    if not emu.store.code.referenced(stored.key):
        emu.store.collect_garbage()


def check_revision(config_revision: str, given: str | None) -> None:
    if given is not None and given != config_revision:
        raise revision_mismatch()


def publish(
    state: FunctionState, description: str | None, now: float, *, pending_s: float | None = None
) -> tuple[FunctionState, VersionConfig, bool]:
    """PublishVersion's core: (new state, the version, whether it is new). While $LATEST has
    not changed since the last version was published from it, that version comes back, as
    AWS does. `pending_s` (Publish=True on create or code update): the version starts Pending,
    as AWS shows it, for that long (0: until the next request)."""
    last = state.latest_version()
    source = state.latest.final_revision()
    if last is not None and (
        last.published_from == source
        if last.published_from
        else last.settings_key() == state.latest.settings_key()
    ):
        return state, last, False
    number = state.last_version + 1
    version = dataclasses.replace(
        state.latest,
        version=str(number),
        description=state.latest.description if description is None else description,
        revision_id=new_revision_id(),
        settled_revision_id="" if pending_s is None else new_revision_id(),
        last_modified=timestamp(now),
        ready_at=now + pending_s if pending_s else 0.0,
        update_done_at=0.0,
        published_from=source,
    )
    # A new version gives $LATEST a new RevisionId too, as AWS does.
    if state.latest.in_transition(now):
        latest = dataclasses.replace(state.latest, settled_revision_id=new_revision_id())
    else:
        latest = dataclasses.replace(
            state.latest, revision_id=new_revision_id(), settled_revision_id=""
        )
    version = dataclasses.replace(version, published_from=latest.final_revision())
    new_state = state.evolve(
        latest=latest, versions={**state.versions, version.version: version}, last_version=number
    )
    return new_state, version, True


@routes.post(PREFIX)
@api
async def create_function(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "CreateFunction", MAX_UPLOAD_REQUEST_BYTES)
    raw_name = required_string(body, "FunctionName")
    name, qualifier = parse_function_ref(raw_name)
    check_region(emu.arns, raw_name)
    if foreign_account(raw_name, emu.arns.account):
        # AWS refuses (403, with no message) to create a function in another account.
        raise LambdaError(
            "AccessDeniedException", "", status=403, error_type="", extra={"Message": None}
        )
    if qualifier is not None:
        raise invalid(f"FunctionName must not have a qualifier: {body['FunctionName']}")
    if len(name) > MAX_NAME_LENGTH:
        # The model allows 140 characters (an ARN); the name itself has AWS's 64, and this code.
        raise LambdaError(
            "InvalidParameterValueException",
            f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_NAME_LENGTH}",
        )
    if emu.vpc is not None:
        await emu.vpc.complete(emu.arns.region, body)
    settings = function_settings(body, creating=True)
    check_function_layers(emu, settings)
    provider = provider_of(body.get("CapacityProviderConfig"))
    if provider is not None and emu.capacity_providers is not None:
        emu.capacity_providers.get(provider)  # AWS's 404 for a provider that does not exist
    signing = string(body, "CodeSigningConfigArn")
    if emu.code_signing is not None:
        emu.code_signing.check_upload(signing)
    tags = string_map(body, "Tags") or {}
    if len(tags) > MAX_TAGS:
        raise invalid("Number of tags exceeds resource tag limit.")
    code = body.get("Code")
    if not isinstance(code, dict):
        raise invalid("Please provide a source for function code (Code.ZipFile).")
    data = zip_from(code, "CreateFunction")
    if emu.store.get(name) is not None:
        raise conflict(f"Function already exist: {name}")
    stored = await ingest(emu, data)
    try:
        check_unzipped_total(emu, stored.key, settings)
        async with emu.store.lock:
            if emu.store.get(name) is not None:
                raise conflict(f"Function already exist: {name}")
            now = time.time()
            echoed = settings.pop("echoed", {})
            latest = VersionConfig(
                function_name=name,
                version=LATEST,
                code_sha256=stored.sha256,
                code_key=stored.key,
                code_size=stored.size,
                echoed=merge_echoed((), echoed),
                last_modified=timestamp(now),
                revision_id=new_revision_id(),
                settled_revision_id=new_revision_id(),
                ready_at=now + emu.update_delay_s if emu.update_delay_s else 0.0,
                environment_set="environment" in settings,
                **settings,
            )
            refuse_snapstart(latest)
            state = FunctionState(
                name=name, latest=latest, tags=tags, code_signing_config_arn=signing
            )
            new_versions = []
            shown, qualifier, transition = latest, None, "create"
            if boolean(body, "Publish"):
                # AWS answers with version 1, Pending, under the unqualified FunctionArn.
                state, shown, _ = publish(state, None, now, pending_s=emu.update_delay_s)
                new_versions.append(shown)
            await emu.store.save(state, new_versions)
    finally:
        release(emu, stored)
    return json_response(
        function_configuration(emu.arns, shown, qualifier, transition=transition), 201
    )


@routes.get(PREFIX + "/{FunctionName}")
@api
async def get_function(request: web.Request, emu: Emulator) -> web.StreamResponse:
    state, qualifier = find_function(
        emu.store, emu.arns, request.match_info["FunctionName"], request.query.get("Qualifier")
    )
    config = version_config(state, emu.arns, qualifier)
    location = f"{request.scheme}://{request.host}{CODE_DOWNLOAD}/{config.code_key}.zip"
    body: dict[str, Any] = {
        "Configuration": function_configuration(emu.arns, config, qualifier),
        "Code": {"RepositoryType": "S3", "Location": location},
    }
    if state.tags:
        body["Tags"] = dict(state.tags)
    if state.reserved_concurrency is not None:
        body["Concurrency"] = concurrency(state)
    return json_response(body)


@routes.get(CODE_DOWNLOAD + "/{key:[0-9a-f]{64}}.zip")
@api
async def download_code(request: web.Request, emu: Emulator) -> web.StreamResponse:
    """GetFunction's Code.Location: the stored zip."""
    key = request.match_info["key"]
    if emu.store.code.is_row(key):
        return web.Response(body=emu.store.code.read_zip(key), content_type="application/zip")
    path = emu.store.code.zip_path(key)
    if not path.is_file():
        raise LambdaError("ResourceNotFoundException", "No such code package")
    return web.FileResponse(path, headers={"Content-Type": "application/zip"})


@routes.get(PREFIX + "/{FunctionName}/configuration")
@api
async def get_function_configuration(request: web.Request, emu: Emulator) -> web.StreamResponse:
    state, qualifier = find_function(
        emu.store, emu.arns, request.match_info["FunctionName"], request.query.get("Qualifier")
    )
    config = version_config(state, emu.arns, qualifier)
    return json_response(function_configuration(emu.arns, config, qualifier))


@routes.get(PREFIX)
@api
async def list_functions(request: web.Request, emu: Emulator) -> web.StreamResponse:
    every_version = request.query.get("FunctionVersion") == "ALL"
    if request.query.get("FunctionVersion") not in (None, "ALL"):
        raise invalid("FunctionVersion must be ALL")
    now = time.time()
    items: list[tuple[str, Any]] = []
    for state in emu.store.all():
        configs = [state.latest]
        if every_version:
            configs += [state.versions[v] for v in sorted(state.versions, key=int)]
        for config in configs:
            qualifier = config.version if every_version else None
            sort_key = f"{state.name}\x00{config.version.rjust(10, '0')}"
            body = function_configuration(emu.arns, config, qualifier, full=False, now=now)
            items.append((sort_key, body))
    page, marker = paginate(items, request)
    result: dict[str, Any] = {"Functions": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)


@routes.delete(PREFIX + "/{FunctionName}")
@api
async def delete_function(request: web.Request, emu: Emulator) -> web.StreamResponse:
    raw = request.match_info["FunctionName"]
    if parse_function_ref(raw, request.query.get("Qualifier"))[1] == LATEST:
        raise invalid("$LATEST version cannot be deleted without deleting the function.")
    async with emu.store.lock:
        state, qualifier = find_function(
            emu.store, emu.arns, raw, request.query.get("Qualifier"), unqualified_error=True
        )
        if qualifier is None:
            await emu.store.delete(state.name)
            return empty_response(204)
        if qualifier == LATEST:
            raise invalid("$LATEST version cannot be deleted without deleting the function.")
        if not is_version_number(qualifier):
            raise invalid(
                f"Qualifier {qualifier} is an alias; DeleteFunction deletes versions. "
                "Use DeleteAlias to delete an alias."
            )
        if qualifier not in state.versions:
            return empty_response(204)  # AWS: deleting a version that is gone succeeds
        users = sorted(
            alias.name
            for alias in state.aliases.values()
            if alias.function_version == qualifier or any(v == qualifier for v, _ in alias.weights)
        )
        if users:
            raise conflict(
                "Unable to delete version because the following aliases reference it: "
                f"[{', '.join(users)}]"
            )
        versions = {k: v for k, v in state.versions.items() if k != qualifier}
        policies = {k: v for k, v in state.policies.items() if k != qualifier}
        configs = {k: v for k, v in state.event_invoke.items() if k != qualifier}
        provisioned = {k: v for k, v in state.provisioned.items() if k != qualifier}
        await emu.store.save(
            state.evolve(
                versions=versions,
                policies=policies,
                event_invoke=configs,
                provisioned=provisioned,
            ),
            deleted_versions=[qualifier],
        )
    return empty_response(204)


@routes.put(PREFIX + "/{FunctionName}/code")
@api
async def update_function_code(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "UpdateFunctionCode", MAX_UPLOAD_REQUEST_BYTES)
    raw = request.match_info["FunctionName"]
    signing = find_unqualified(emu.store, emu.arns, raw).code_signing_config_arn  # 404 first
    if emu.code_signing is not None:
        emu.code_signing.check_upload(signing)  # before the upload is unpacked
    data = zip_from(body, "UpdateFunctionCode")
    revision = string(body, "RevisionId")
    arch = body.get("Architectures")
    stored = await ingest(emu, data)
    try:
        async with emu.store.lock:
            state = find_unqualified(emu.store, emu.arns, raw)
            latest = state.latest
            now = time.time()
            if is_updating(latest, now):
                raise update_in_progress(emu.arns.function(state.name))
            check_revision(latest.current_revision(now), revision)
            check_unzipped_total(emu, stored.key, latest.echoed)
            changes: dict[str, Any] = {
                "code_sha256": stored.sha256,
                "code_key": stored.key,
                "code_size": stored.size,
            }
            if arch is not None:
                changes["architectures"] = architectures(arch)
            if boolean(body, "DryRun"):
                preview = dataclasses.replace(latest, **changes)
                return json_response(function_configuration(emu.arns, preview))
            new_latest = dataclasses.replace(
                latest,
                **changes,
                last_modified=timestamp(now),
                revision_id=new_revision_id(),
                settled_revision_id=new_revision_id(),
                update_done_at=now + emu.update_delay_s if emu.update_delay_s else 0.0,
            )
            state = state.evolve(
                latest=new_latest, previous_latest=latest if emu.update_delay_s else None
            )
            shown, qualifier, new_versions = new_latest, None, []
            transition: str | None = "update"
            if boolean(body, "Publish"):
                state, shown, created = publish(state, None, now, pending_s=emu.update_delay_s)
                qualifier = shown.version
                transition = "create" if created else None
                new_versions = [shown] if created else []
            await emu.store.save(state, new_versions)
    finally:
        release(emu, stored)
    return json_response(function_configuration(emu.arns, shown, qualifier, transition=transition))


@routes.put(PREFIX + "/{FunctionName}/configuration")
@api
async def update_function_configuration(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "UpdateFunctionConfiguration")
    if emu.vpc is not None:
        await emu.vpc.complete(emu.arns.region, body)
    settings = function_settings(body, creating=False)
    check_function_layers(emu, settings)
    revision = string(body, "RevisionId")
    async with emu.store.lock:
        state = find_unqualified(emu.store, emu.arns, request.match_info["FunctionName"])
        latest = state.latest
        now = time.time()
        if is_updating(latest, now):
            raise update_in_progress(emu.arns.function(state.name))
        check_revision(latest.current_revision(now), revision)
        check_unzipped_total(emu, latest.code_key, settings)
        echoed = settings.pop("echoed", {})
        new_latest = dataclasses.replace(
            latest,
            **settings,
            echoed=merge_echoed(latest.echoed, echoed),
            last_modified=timestamp(now),
            revision_id=new_revision_id(),
            settled_revision_id=new_revision_id(),
            update_done_at=now + emu.update_delay_s if emu.update_delay_s else 0.0,
            environment_set=latest.environment_set or "environment" in settings,
        )
        refuse_snapstart(new_latest)
        await emu.store.save(
            state.evolve(latest=new_latest, previous_latest=latest if emu.update_delay_s else None)
        )
    return json_response(function_configuration(emu.arns, new_latest, transition="update"))
