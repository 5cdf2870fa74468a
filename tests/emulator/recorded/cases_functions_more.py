"""More rebuilt cases of LocalStack's TestLambdaFunction: ARNs as names, listing, code
locations, create/update refusals and updates that collide."""

from __future__ import annotations

import base64
import hashlib
import urllib.request
from typing import Any

from botocore.exceptions import ParamValidationError

from emulator.recorded.context import ROLE, VERSION_SOURCE, CaseContext, case, code_zip

T = "TestLambdaFunction"
ACCOUNT = "123456789012"


def _create_params(name: str, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "FunctionName": name,
        "Handler": "index.handler",
        "Code": {"ZipFile": code_zip()},
        "PackageType": "Zip",
        "Role": ROLE,
        "Runtime": "python3.12",
    }
    params.update(extra)
    return params


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        data: bytes = response.read()
        return data


@case(f"{T}::test_lambda_code_location_zipfile", mid_transition=True)
def code_location_zipfile(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("code-function")
    package = code_zip()
    params = _create_params(name, Code={"ZipFile": package})
    ctx.match("create-response-zip-file", ctx.create_function_aws(**params))
    got = lam.get_function(FunctionName=name)
    ctx.match("get-function-response", got)
    assert _download(got["Code"]["Location"]) == package
    digest = base64.b64encode(hashlib.sha256(package).digest()).decode()
    assert got["Configuration"]["CodeSha256"] == digest
    updated_package = code_zip(VERSION_SOURCE)
    ctx.match(
        "update-function-response",
        lam.update_function_code(FunctionName=name, ZipFile=updated_package),
    )
    updated = lam.get_function(FunctionName=name)
    ctx.match("get-function-response-updated", updated)
    assert _download(updated["Code"]["Location"]) == updated_package


@case(f"{T}::test_function_arns")
def function_arns(ctx: CaseContext, _: str | None) -> None:
    lam, region = ctx.lam, ctx.region
    first = ctx.name("test-function-arn")
    ctx.match(
        "create-function-arn-response",
        ctx.create_function(f"arn:aws:lambda:{region}:{ACCOUNT}:function:{first}"),
    )
    ctx.created[-1] = first
    second = ctx.name("test-partial-arn")
    ctx.match(
        "create-function-partial-arn-response",
        ctx.create_function(f"{ACCOUNT}:function:{second}"),
    )
    ctx.created[-1] = second
    create = lam.create_function
    ctx.match(
        "invalid_function_name_exc", ctx.error(create, **_create_params("invalid:function:name"))
    )
    ctx.match("long_function_name_exc", ctx.error(create, **_create_params("a" * 65)))
    prefix = f"arn:aws:lambda:{region}:{ACCOUNT}:function:"
    ctx.match(
        "long_function_arn_exc",
        ctx.error(create, **_create_params(prefix + "a" * (140 - len(prefix) + 1))),
    )
    other_region = f"arn:aws:lambda:ap-southeast-1:{ACCOUNT}:function:{ctx.name()}"
    ctx.match("function_arn_other_region_exc", ctx.error(create, **_create_params(other_region)))
    other_account = f"arn:aws:lambda:{region}:111122223333:function:{ctx.name()}"
    ctx.match("function_arn_other_account_exc", ctx.error(create, **_create_params(other_account)))


@case(f"{T}::test_invalid_invoke")
def invalid_invoke(ctx: CaseContext, _: str | None) -> None:
    name = f"arn:aws:lambda:{ctx.region}:123400000000@function:myfn"
    ctx.match(
        "invoke_function_name_pattern_exc",
        ctx.error(ctx.lam.invoke, FunctionName=name, Payload=b"{}"),
    )


@case(f"{T}::test_list_functions")
def list_functions(ctx: CaseContext, _: str | None) -> None:
    lam = ctx.lam
    first, second = ctx.name("list-fn-1"), ctx.name("list-fn-2")
    ctx.match("create_response_1", ctx.create_function(first, Publish=True))
    ctx.match("create_response_2", ctx.create_function(second))
    ctx.match(
        "list_functions_invalid_functionversion",
        ctx.error(lam.list_functions, FunctionVersion="invalid"),
    )
    pages = lam.get_paginator("list_functions")
    every = pages.paginate(FunctionVersion="ALL", PaginationConfig={"PageSize": 1})
    default = pages.paginate(PaginationConfig={"PageSize": 1})
    for key, listing in (("list_all", every), ("list_default", default)):
        result = listing.build_full_result()
        mine = [f for f in result["Functions"] if f["FunctionName"] in (first, second)]
        result["Functions"] = sorted(mine, key=lambda f: f["FunctionArn"])
        ctx.match(key, result)


@case(f"{T}::test_create_lambda_exceptions")
def create_lambda_exceptions(ctx: CaseContext, _: str | None) -> None:
    create, name = ctx.lam.create_function, ctx.name("invalid-function")
    ctx.match("invalid_role_arn_exc", ctx.error(create, **_create_params(name, Role="r1")))
    ctx.match(
        "invalid_runtime_exc",
        ctx.error(create, **_create_params(name, Runtime="non-existent-runtime")),
    )
    ctx.match(
        "uppercase_runtime_exc", ctx.error(create, **_create_params(name, Runtime="PYTHON3.9"))
    )
    try:
        create(**_create_params(name, Architectures=[]))
    except ParamValidationError as e:
        ctx.match("empty_architectures", str(e))
    ctx.match(
        "multiple_architectures",
        ctx.error(create, **_create_params(name, Architectures=["x86_64", "arm64"])),
    )
    ctx.match(
        "uppercase_architecture",
        ctx.error(create, **_create_params(name, Architectures=["X86_64"])),
    )
    not_a_zip = {"ZipFile": b"this is not a zipfile, just a random string"}
    ctx.match(
        "invalid_zip_exc",
        ctx.error(create, **_create_params(name, Code=not_a_zip, Runtime="python3.9")),
    )


@case(f"{T}::test_update_lambda_exceptions")
def update_lambda_exceptions(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name("invalid-function")
    ctx.create_function_aws(**_create_params(name))
    update = ctx.lam.update_function_configuration
    ctx.match("invalid_role_arn_exc", ctx.error(update, FunctionName=name, Role="r1"))
    ctx.match(
        "invalid_runtime_exc",
        ctx.error(update, FunctionName=name, Runtime="non-existent-runtime"),
    )
    ctx.match("uppercase_runtime_exc", ctx.error(update, FunctionName=name, Runtime="PYTHON3.9"))


VERSIONED = (
    "def handler(event, context):\n"
    "    result = {'version_id': '%s', 'invoked_arn': context.invoked_function_arn,\n"
    "              'version_from_ctx': context.function_version}\n"
    "    print(result)\n"
    "    return result\n"
)


@case(f"{T}::test_lambda_concurrent_code_updates", mid_transition=True)
def concurrent_code_updates(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("test-lambda")
    created = ctx.create_function_aws(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": code_zip(VERSIONED % "version0")},
    )
    ctx.match("create-function-response", created)
    lam.update_function_code(FunctionName=name, ZipFile=code_zip(VERSIONED % "version1"))
    ctx.match(
        "update-during-in-progress-update-exc",
        ctx.error(
            lam.update_function_code, FunctionName=name, ZipFile=code_zip(VERSIONED % "version2")
        ),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)


@case(f"{T}::test_lambda_concurrent_config_updates", mid_transition=True)
def concurrent_config_updates(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("test-lambda")
    ctx.match("create-function-response", ctx.create_function(name))
    update = lam.update_function_configuration
    update(FunctionName=name, Environment={"Variables": {"TEST": "TEST1"}})
    ctx.match(
        "update-during-in-progress-update-exc",
        ctx.error(update, FunctionName=name, Environment={"Variables": {"TEST": "TEST2"}}),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
