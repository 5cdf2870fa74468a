"""Rebuilt cases of LocalStack's TestLambdaRecursion and TestCodeSigningConfig."""

from __future__ import annotations

from typing import Any

from emulator.recorded.context import CaseContext, case

R = "TestLambdaRecursion"
C = "TestCodeSigningConfig"


def _recursion_function(ctx: CaseContext) -> str:
    name = ctx.name("recursion-test")
    ctx.create_function(name, Description="Lambda with recursion test")
    return name


@case(f"{R}::test_put_function_recursion_config_allow")
def recursion_allow(ctx: CaseContext, _: str | None) -> None:
    name = _recursion_function(ctx)
    put = ctx.lam.put_function_recursion_config(FunctionName=name, RecursiveLoop="Allow")
    ctx.match("put_recursion_config_response", put)
    got = ctx.lam.get_function_recursion_config(FunctionName=name)
    ctx.match("get_recursion_config_response", got)


@case(f"{R}::test_put_function_recursion_config_default_terminate")
def recursion_default(ctx: CaseContext, _: str | None) -> None:
    name = _recursion_function(ctx)
    got = ctx.lam.get_function_recursion_config(FunctionName=name)
    ctx.match("get_recursion_default_terminate_response", got)


@case(f"{R}::test_put_function_recursion_config_invalid_value")
def recursion_invalid(ctx: CaseContext, _: str | None) -> None:
    name = _recursion_function(ctx)
    error = ctx.error(
        ctx.lam.put_function_recursion_config, FunctionName=name, RecursiveLoop="InvalidValue"
    )
    ctx.match("put_recursion_invalid_value_error", error)


def _create_csc(ctx: CaseContext) -> dict[str, Any]:
    profile = f"arn:aws:signer:{ctx.region}:123456789012:/signing-profiles/test"
    response: dict[str, Any] = ctx.lam.create_code_signing_config(
        Description="Testing CodeSigning Config",
        AllowedPublishers={"SigningProfileVersionArns": [profile]},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"},
    )
    return response


@case(f"{C}::test_function_code_signing_config")
def code_signing_config(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    ctx.create_function(name)
    created = _create_csc(ctx)
    ctx.match("create_code_signing_config", created)
    arn = created["CodeSigningConfig"]["CodeSigningConfigArn"]
    ctx.match(
        "update_code_signing_config",
        lam.update_code_signing_config(
            CodeSigningConfigArn=arn, CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"}
        ),
    )
    ctx.match("get_code_signing_config", lam.get_code_signing_config(CodeSigningConfigArn=arn))
    ctx.match(
        "put_function_code_signing_config",
        lam.put_function_code_signing_config(CodeSigningConfigArn=arn, FunctionName=name),
    )
    ctx.match(
        "get_function_code_signing_config",
        lam.get_function_code_signing_config(FunctionName=name),
    )
    ctx.match(
        "list_code_signing_configs", lam.list_code_signing_configs()["CodeSigningConfigs"][-1]
    )
    ctx.match(
        "list_functions_by_code_signing_config",
        lam.list_functions_by_code_signing_config(CodeSigningConfigArn=arn),
    )
    ctx.match(
        "delete_function_code_signing_config",
        lam.delete_function_code_signing_config(FunctionName=name),
    )
    ctx.match(
        "delete_code_signing_config", lam.delete_code_signing_config(CodeSigningConfigArn=arn)
    )


@case(f"{C}::test_code_signing_not_found_excs")
def code_signing_not_found(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    ctx.create_function(name)
    created = _create_csc(ctx)
    ctx.match("create_code_signing_config", created)
    arn = created["CodeSigningConfig"]["CodeSigningConfigArn"]
    wrong = arn[:-1] + "x"
    gone = "csc-test-doesnotexist"
    ctx.match(
        "delete_csc_notfound", ctx.error(lam.delete_code_signing_config, CodeSigningConfigArn=wrong)
    )
    ctx.match(
        "nothing_to_delete_response", lam.delete_function_code_signing_config(FunctionName=name)
    )
    ctx.match(
        "delete_function_csc_fnnotfound",
        ctx.error(lam.delete_function_code_signing_config, FunctionName=gone),
    )
    put = lam.put_function_code_signing_config
    ctx.match(
        "put_function_csc_invalid_fnname",
        ctx.error(put, FunctionName=gone, CodeSigningConfigArn=arn),
    )
    ctx.match(
        "put_function_csc_invalid_csc_arn",
        ctx.error(put, FunctionName=name, CodeSigningConfigArn=wrong),
    )
    ctx.match(
        "put_function_csc_invalid_both",
        ctx.error(put, FunctionName=gone, CodeSigningConfigArn=wrong),
    )
    update = lam.update_code_signing_config
    ctx.match(
        "update_csc_invalid_csc_arn",
        ctx.error(update, CodeSigningConfigArn=wrong, Description="new-description"),
    )
    ctx.match("update_csc_noupdates", ctx.error(update, CodeSigningConfigArn=wrong))
    ctx.match("update_csc_noupdate_response", update(CodeSigningConfigArn=arn))
    ctx.match("get_csc_invalid", ctx.error(lam.get_code_signing_config, CodeSigningConfigArn=wrong))
    ctx.match(
        "get_function_csc_fnwithoutcsc", lam.get_function_code_signing_config(FunctionName=name)
    )
    ctx.match(
        "get_function_csc_nonexistingfn",
        ctx.error(lam.get_function_code_signing_config, FunctionName=gone),
    )
    ctx.match(
        "list_functions_by_csc_fnwithoutcsc",
        lam.list_functions_by_code_signing_config(CodeSigningConfigArn=arn),
    )
    ctx.match(
        "list_functions_by_csc_invalid_cscarn",
        ctx.error(lam.list_functions_by_code_signing_config, CodeSigningConfigArn=wrong),
    )
