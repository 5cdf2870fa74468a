"""Rebuilt cases of LocalStack's TestLambdaFunction (functions: lifecycle, lookups, names)."""

from __future__ import annotations

from emulator.recorded.context import (
    ROLE,
    VERSION_SOURCE,
    CaseContext,
    case,
    code_zip,
    validation_summary,
)

T = "TestLambdaFunction"
ACCOUNT = "123456789012"


@case(f"{T}::test_function_lifecycle")
def function_lifecycle(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name()
    ctx.match("create_response", ctx.create_function(name, MemorySize=256, Timeout=5))
    ctx.match("get_function_response", lam.get_function(FunctionName=name))
    ctx.match(
        "update_func_conf_response",
        lam.update_function_configuration(
            FunctionName=name,
            Runtime="python3.11",
            Description="Changed-Description",
            MemorySize=512,
            Timeout=10,
            Environment={"Variables": {"ENV_A": "a"}},
        ),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    ctx.match("get_function_response_postupdate", lam.get_function(FunctionName=name))
    ctx.match(
        "update_code_response",
        lam.update_function_code(FunctionName=name, ZipFile=code_zip(VERSION_SOURCE)),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    ctx.match("get_function_response_postcodeupdate", lam.get_function(FunctionName=name))
    ctx.match("delete_response", lam.delete_function(FunctionName=name))
    ctx.match("delete_postdelete", ctx.error(lam.delete_function, FunctionName=name))


@case(f"{T}::test_redundant_updates")
def redundant_updates(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name()
    ctx.match("create_response", ctx.create_function(name, Description="Initial description"))
    update = {"FunctionName": name, "Description": "1st update description"}
    ctx.match("first_update_result", lam.update_function_configuration(**update))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    ctx.match("get_fn_config_result", lam.get_function_configuration(FunctionName=name))
    ctx.match("get_fn_result", lam.get_function(FunctionName=name))
    ctx.match("redundant_update_result", lam.update_function_configuration(**update))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    ctx.match("get_fn_result_after_redundant_update", lam.get_function(FunctionName=name))


@case(
    f"{T}::test_ops_with_arn_qualifier_mismatch",
    ["delete_function", "get_function", "get_function_configuration"],
)
def ops_with_arn_qualifier_mismatch(ctx: CaseContext, operation: str | None) -> None:
    method = getattr(ctx.lam, str(operation))
    arn = f"arn:aws:lambda:{ctx.region}:{ACCOUNT}:function:some-function"
    ctx.match(
        "not_match_exception", ctx.error(method, FunctionName=f"{arn}:1", Qualifier="$LATEST")
    )
    ctx.match(
        "match_exception", ctx.error(method, FunctionName=f"{arn}:$LATEST", Qualifier="$LATEST")
    )


@case(
    f"{T}::test_ops_on_nonexisting_version",
    ["get_function", "get_function_configuration", "get_function_event_invoke_config"],
)
def ops_on_nonexisting_version(ctx: CaseContext, operation: str | None) -> None:
    name = ctx.name("i-exist")
    ctx.create_function(name, Description="Initial description")
    method = getattr(ctx.lam, str(operation))
    ctx.match("version_not_found_exception", ctx.error(method, FunctionName=name, Qualifier="1221"))


@case(f"{T}::test_delete_on_nonexisting_version")
def delete_on_nonexisting_version(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("i-exist")
    ctx.create_function(name, Description="Initial description")
    lam.delete_function(FunctionName=name, Qualifier="1233")  # idempotent on AWS
    lam.delete_function(FunctionName=name, Qualifier="1233")
    lam.delete_function(FunctionName=name)
    ctx.match(
        "delete_function_response_non_existent", ctx.error(lam.delete_function, FunctionName=name)
    )
    ctx.match(
        "delete_function_response_non_existent_with_qualifier",
        ctx.error(lam.delete_function, FunctionName=name, Qualifier="1233"),
    )


NONEXISTING_OPS = [
    "delete_function",
    "get_function",
    "get_function_configuration",
    "get_function_url_config",
    "get_function_code_signing_config",
    "get_function_event_invoke_config",
    "get_function_concurrency",
]


@case(f"{T}::test_ops_on_nonexisting_fn", NONEXISTING_OPS)
def ops_on_nonexisting_fn(ctx: CaseContext, operation: str | None) -> None:
    method = getattr(ctx.lam, str(operation))
    ctx.match("not_found_exception", ctx.error(method, FunctionName=ctx.name("i-dont-exist")))


@case(f"{T}::test_get_function_wrong_region", [*NONEXISTING_OPS[1:], "delete_function", "invoke"])
def get_function_wrong_region(ctx: CaseContext, operation: str | None) -> None:
    name = ctx.name("i-exist")
    ctx.create_function(name, Description="Initial description")
    wrong = "eu-central-1" if ctx.region == "us-east-1" else "us-east-1"
    arn = f"arn:aws:lambda:{wrong}:{ACCOUNT}:function:{name}"
    method = getattr(ctx.lam, str(operation))
    ctx.match("wrong_region_exception", ctx.error(method, FunctionName=arn))


LONG = "a" * 170
NAME_CASES: dict[str, dict[str, str]] = {
    "invalid_characters_in_function_name": {"FunctionName": "my-function!"},
    "function_name_is_single_invalid": {"FunctionName": "*"},
    "invalid_characters_in_qualifier": {"FunctionName": "my-function", "Qualifier": "invalid!"},
    "qualifier_too_long": {"FunctionName": "my-function", "Qualifier": "a" * 129},
    "invalid_account_id_in_partial_arn": {"FunctionName": "invalid-account:function:my-function"},
    "invalid_region_in_arn": {
        "FunctionName": "arn:aws:lambda:invalid-region:{account}:function:my-function"
    },
    "non_lambda_arn": {
        "FunctionName": "arn:aws:ec2:{region}:{account}:instance:i-1234567890abcdef0"
    },
    "function_name_too_long": {"FunctionName": "a" * 65},
    "function_name_too_long_and_invalid_region": {
        "FunctionName": "arn:aws:lambda:invalid-region:{account}:function:my-function" + LONG
    },
    "full_arn_and_qualifier_too_long_and_invalid_region": {
        "FunctionName": "arn:aws:lambda:invalid-region:{account}:function:my-function-" + LONG,
        "Qualifier": "a" * 129,
    },
    "full_arn_with_multiple_qualifiers": {
        "FunctionName": "arn:aws:lambda:{region}:{account}:function:my-function:1:2"
    },
    "incomplete_arn": {"FunctionName": "arn:aws:lambda:{region}:{account}:function"},
    "partial_arn_with_extra_qualifier": {"FunctionName": "function:my-function:$LATEST:extra"},
    "latest_version_with_additional_qualifier": {
        "FunctionName": "arn:aws:lambda:{region}:{account}:function:my-function:$LATEST",
        "Qualifier": "1",
    },
    "lowercase_latest_qualifier": {
        "FunctionName": "arn:aws:lambda:{region}:{account}:function:my-function",
        "Qualifier": "$latest",
    },
    "missing_region_in_arn": {"FunctionName": "arn:aws:lambda::{account}:function:my-function"},
    "missing_account_id_in_arn": {"FunctionName": "arn:aws:lambda:{region}::function:my-function"},
    "misspelled_latest_in_arn": {
        "FunctionName": "arn:aws:lambda:{region}:{account}:function:my-function:$LATES"
    },
}
NAME_OPS = ["get_function", "delete_function", "invoke", "create_function"]


@case(
    f"{T}::test_function_name_and_qualifier_validation",
    [f"{name}-{op}" for name in NAME_CASES for op in NAME_OPS],
)
def function_name_and_qualifier_validation(ctx: CaseContext, param: str | None) -> None:
    name, _, operation = str(param).rpartition("-")
    request = {
        key: value.replace("{region}", ctx.region).replace("{account}", ACCOUNT)
        for key, value in NAME_CASES[name].items()
    }
    if operation == "create_function":
        qualifier = request.pop("Qualifier", "")
        full_name = (
            f"{request['FunctionName']}:{qualifier}" if qualifier else request["FunctionName"]
        )
        response = ctx.error(
            ctx.lam.create_function,
            FunctionName=full_name,
            Handler="index.handler",
            Code={"ZipFile": code_zip()},
            PackageType="Zip",
            Role=ROLE,
            Runtime="python3.12",
        )
    else:
        response = ctx.error(getattr(ctx.lam, operation), **request)
    ctx.match(f"{operation}_exception", validation_summary(response))
