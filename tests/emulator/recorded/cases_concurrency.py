"""Rebuilt cases of LocalStack's TestLambdaReservedConcurrency, TestLambdaAccountSettings and
TestLambdaEventInvokeConfig (lifecycle)."""

from __future__ import annotations

from typing import Any

from emulator.harness import wait_until
from emulator.recorded.context import CaseContext, case, code_zip

C = "TestLambdaReservedConcurrency"


@case(f"{C}::test_function_concurrency_exceptions")
def concurrency_exceptions(ctx: CaseContext, _: str | None) -> None:
    lam = ctx.lam
    put = lam.put_function_concurrency
    ctx.match(
        "put_function_concurrency_with_function_name_doesnotexist",
        ctx.error(put, FunctionName="doesnotexist", ReservedConcurrentExecutions=1),
    )
    ctx.match(
        "put_function_concurrency_with_function_name_doesnotexist_and_invalid_concurrency",
        ctx.error(put, FunctionName="doesnotexist", ReservedConcurrentExecutions=0),
    )
    name = ctx.name("lambda_func")
    ctx.create_function(name)
    arn = lam.get_function_configuration(FunctionName=name, Qualifier="$LATEST")["FunctionArn"]
    ctx.match(
        "put_function_concurrency_with_qualified_arn",
        ctx.error(put, FunctionName=arn, ReservedConcurrentExecutions=0),
    )


@case(f"{C}::test_function_concurrency_limits")
def concurrency_limits(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    ctx.create_function(name)
    limit = lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"]
    put = lam.put_function_concurrency
    ctx.match(
        "put_function_concurrency_account_limit_exceeded",
        ctx.error(put, FunctionName=name, ReservedConcurrentExecutions=limit + 1),
    )
    ctx.match(
        "put_function_concurrency_below_unreserved_min_value",
        ctx.error(put, FunctionName=name, ReservedConcurrentExecutions=limit),
    )


@case(f"{C}::test_function_concurrency")
def function_concurrency(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    ctx.create_function(name)
    put = lam.put_function_concurrency
    ctx.match(
        "put_function_concurrency_with_reserved_0",
        put(FunctionName=name, ReservedConcurrentExecutions=0),
    )
    ctx.match(
        "put_function_concurrency_with_reserved_1",
        put(FunctionName=name, ReservedConcurrentExecutions=1),
    )
    ctx.match("get_function_concurrency", lam.get_function_concurrency(FunctionName=name))
    ctx.match("delete_response", lam.delete_function_concurrency(FunctionName=name))
    ctx.match(
        "get_function_concurrency_after_delete", lam.get_function_concurrency(FunctionName=name)
    )
    unreserved = lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"]
    most = unreserved - 101
    assert (
        put(FunctionName=name, ReservedConcurrentExecutions=most)["ReservedConcurrentExecutions"]
        == most
    )


@case("TestLambdaAccountSettings::test_account_settings")
def account_settings(ctx: CaseContext, _: str | None) -> None:
    settings: dict[str, Any] = ctx.lam.get_account_settings()
    settings["AccountLimit"] = sorted(settings["AccountLimit"])
    settings["AccountUsage"] = sorted(settings["AccountUsage"])
    ctx.match("acc_settings_modded", settings)


@case("TestLambdaAccountSettings::test_account_settings_total_code_size_config_update")
def total_code_size_config_update(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    before = lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]
    ctx.create_function(name, Code={"ZipFile": code_zip(name="index.py")}, Handler="index.handler")
    created = lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]
    ctx.match("is_total_code_size_diff_create_function_more_than_200", created - before > 200)
    lam.update_function_configuration(FunctionName=name, Runtime="python3.11")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    updated = lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]
    ctx.match("total_code_size_diff_update_function_configuration", updated - created)
    lam.publish_version(FunctionName=name)
    published = lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]
    ctx.match(
        "is_total_code_size_diff_publish_version_after_config_update_more_than_200",
        published - updated > 200,
    )


@case("TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_lifecycle")
def event_invoke_config_lifecycle(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("fn-eventinvoke")
    ctx.create_function(name)
    put = lam.put_function_event_invoke_config
    update = lam.update_function_event_invoke_config
    ctx.match("put_invokeconfig_retries_0", put(FunctionName=name, MaximumRetryAttempts=0))
    ctx.match("put_invokeconfig_eventage_60", put(FunctionName=name, MaximumEventAgeInSeconds=60))
    ctx.match(
        "update_invokeconfig_eventage_nochange",
        update(FunctionName=name, MaximumEventAgeInSeconds=60),
    )
    ctx.match("update_invokeconfig_retries", update(FunctionName=name, MaximumRetryAttempts=1))
    ctx.match("get_invokeconfig", lam.get_function_event_invoke_config(FunctionName=name))
    ctx.match(
        "get_invokeconfig_latest",
        lam.get_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST"),
    )
    ctx.match("list_single_invokeconfig", lam.list_function_event_invoke_configs(FunctionName=name))
    version = lam.publish_version(FunctionName=name)
    ctx.match("publish_version_result", version)
    ctx.match(
        "get_invokeconfig_postpublish",
        ctx.error(
            lam.get_function_event_invoke_config, FunctionName=name, Qualifier=version["Version"]
        ),
    )
    ctx.match(
        "put_published_invokeconfig",
        put(FunctionName=name, Qualifier=version["Version"], MaximumEventAgeInSeconds=120),
    )
    ctx.match(
        "get_published_invokeconfig",
        lam.get_function_event_invoke_config(FunctionName=name, Qualifier=version["Version"]),
    )
    single = lam.list_function_event_invoke_configs(FunctionName=name, MaxItems=1)
    every = lam.list_function_event_invoke_configs(FunctionName=name)
    assert len(single["FunctionEventInvokeConfigs"]) == 1
    assert len(every["FunctionEventInvokeConfigs"]) == 2
    rest = lam.list_function_event_invoke_configs(
        FunctionName=name, Marker=single["NextMarker"], MaxItems=1
    )
    arns = {c["FunctionArn"] for c in every["FunctionEventInvokeConfigs"]}
    assert arns == {
        single["FunctionEventInvokeConfigs"][0]["FunctionArn"],
        rest["FunctionEventInvokeConfigs"][0]["FunctionArn"],
    }
    lam.delete_function_event_invoke_config(FunctionName=name)
    ctx.match(
        "list_paging_nolimit_postdelete", lam.list_function_event_invoke_configs(FunctionName=name)
    )


P = "TestLambdaProvisionedConcurrency"


@case(f"{P}::test_provisioned_concurrency_exceptions")
def provisioned_exceptions(ctx: CaseContext, _: str | None) -> None:
    client, name = ctx.unvalidated_client(), ctx.name("lambda_func")
    ctx.create_function(name)
    published = client.publish_version(FunctionName=name)
    version = published["Version"]
    ctx.match("publish_version_result", published)
    get = client.get_provisioned_concurrency_config
    ctx.match(
        "get_provisioned_config_doesnotexist",
        ctx.error(get, FunctionName=name, Qualifier=version),
    )
    for key, function, qualifier in (
        ("get_provisioned_functionname_doesnotexist", "doesnotexist", "noalias"),
        ("get_provisioned_qualifier_doesnotexist", name, "noalias"),
        ("get_provisioned_version_doesnotexist", name, "10"),
        ("get_provisioned_latest", name, "$LATEST"),
    ):
        ctx.match(key, ctx.error(get, FunctionName=function, Qualifier=qualifier))
    ctx.match(
        "list_provisioned_noconfigs", client.list_provisioned_concurrency_configs(FunctionName=name)
    )
    ctx.match(
        "list_provisioned_functionname_doesnotexist",
        ctx.error(client.list_provisioned_concurrency_configs, FunctionName="doesnotexist"),
    )
    delete = client.delete_provisioned_concurrency_config
    for key, function, qualifier in (
        ("delete_provisioned_functionname_doesnotexist", "doesnotexist", version),
        ("delete_provisioned_qualifier_doesnotexist", name, "noalias"),
        ("delete_provisioned_version_doesnotexist", name, "10"),
        ("delete_provisioned_latest", name, "$LATEST"),
    ):
        ctx.match(key, ctx.error(delete, FunctionName=function, Qualifier=qualifier))
    ctx.match(
        "delete_provisioned_config_doesnotexist", delete(FunctionName=name, Qualifier=version)
    )
    put = client.put_provisioned_concurrency_config
    ctx.match(
        "put_provisioned_invalid_param_0",
        ctx.error(put, FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=0),
    )
    for key, function, qualifier in (
        ("put_provisioned_functionname_doesnotexist_alias", "doesnotexist", "noalias"),
        ("put_provisioned_functionname_doesnotexist_version", "doesnotexist", "1"),
        ("put_provisioned_qualifier_doesnotexist", name, "doesnotexist"),
        ("put_provisioned_version_doesnotexist", name, "10"),
        ("put_provisioned_latest", name, "$LATEST"),
    ):
        ctx.match(
            key,
            ctx.error(
                put, FunctionName=function, Qualifier=qualifier, ProvisionedConcurrentExecutions=1
            ),
        )


@case(f"{P}::test_provisioned_concurrency_limits")
def provisioned_limits(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    ctx.create_function(name)
    version = lam.publish_version(FunctionName=name)["Version"]
    limit = lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"]
    put = lam.put_provisioned_concurrency_config
    ctx.match(
        "put_provisioned_concurrency_account_limit_exceeded",
        ctx.error(
            put, FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=limit + 1
        ),
    )
    ctx.match(
        "put_provisioned_concurrency_below_unreserved_min_value",
        ctx.error(put, FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=limit),
    )


@case(f"{P}::test_lambda_provisioned_lifecycle")
def provisioned_lifecycle(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("lambda_func")
    ctx.create_function(name)
    published = lam.publish_version(FunctionName=name)
    version = published["Version"]
    ctx.match("publish_version_result", published)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, Qualifier=version)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, Qualifier=version)
    alias = ctx.name("alias")
    ctx.match(
        "create_alias_result",
        lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version),
    )
    put = lam.put_provisioned_concurrency_config
    ctx.match(
        "put_provisioned_on_version",
        put(FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1),
    )
    ctx.match(
        "put_provisioned_on_alias_versionconflict",
        ctx.error(put, FunctionName=name, Qualifier=alias, ProvisionedConcurrentExecutions=1),
    )
    get = lam.get_provisioned_concurrency_config
    wait_until(lambda: get(FunctionName=name, Qualifier=version)["Status"] == "READY")
    ctx.match(
        "delete_provisioned_version",
        lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=version),
    )
    ctx.match(
        "get_provisioned_version_postdelete",
        ctx.error(get, FunctionName=name, Qualifier=version),
    )
    ctx.match(
        "put_provisioned_on_alias",
        put(FunctionName=name, Qualifier=alias, ProvisionedConcurrentExecutions=1),
    )
    ctx.match(
        "put_provisioned_on_version_conflict",
        ctx.error(put, FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1),
    )
    ctx.match("delete_alias_result", lam.delete_alias(FunctionName=name, Name=alias))
    ctx.match(
        "get_provisioned_alias_postaliasdelete",
        ctx.error(get, FunctionName=name, Qualifier=alias),
    )
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)
    assert len(listed["ProvisionedConcurrencyConfigs"]) == 0
    ctx.match("list_response_postdeletes", listed)
