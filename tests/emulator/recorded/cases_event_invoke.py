"""Rebuilt case of LocalStack's TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions
(the lifecycle case is in cases_concurrency.py)."""

from __future__ import annotations

from typing import Any

from emulator.recorded.context import CaseContext, case


def _sorted(response: dict[str, Any]) -> dict[str, Any]:
    # LocalStack's SortingTransformer: the list order is not defined
    response["FunctionEventInvokeConfigs"].sort(key=lambda c: c["FunctionArn"])
    return response


@case("TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions")
def eventinvokeconfig_exceptions(ctx: CaseContext, _: str | None) -> None:
    lam = ctx.unvalidated_client()  # as LocalStack's: parameter_validation=False
    name, other = ctx.name("fn-eventinvoke"), ctx.name("fn-eventinvoke-2")
    ctx.create_function(name)
    fn_arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    ctx.create_function(other)
    other_arn = lam.get_function(FunctionName=other)["Configuration"]["FunctionArn"]
    version_result = lam.publish_version(FunctionName=name)
    ctx.match("fn_version_result", version_result)
    version = version_result["Version"]
    alias_result = lam.create_alias(
        FunctionName=name, Name="eventinvokealias", FunctionVersion=version
    )
    ctx.match("fn_alias_result", alias_result)
    alias, alias_arn = alias_result["Name"], alias_result["AliasArn"]
    fake_arn = fn_arn.replace(name, "doesnotexist")
    put = lam.put_function_event_invoke_config

    def fails(key: str, call: Any = put, **params: Any) -> None:
        ctx.match(key, ctx.error(call, **params))

    def works(key: str, call: Any = put, **params: Any) -> None:
        ctx.match(key, call(**params))

    fails("put_functionname_name_notfound", FunctionName="doesnotexist", MaximumRetryAttempts=1)
    fails("put_functionname_arn_notfound", FunctionName=fake_arn, MaximumRetryAttempts=1)
    fails("put_functionname_nootherargs", FunctionName="doesnotexist")
    on_success = {"OnSuccess": {"Destination": fake_arn}}
    fails("put_destination_lambda_doesntexist", FunctionName=name, DestinationConfig=on_success)
    on_success = {"OnSuccess": {"Destination": fn_arn}}
    fails("put_destination_recursive", FunctionName=name, DestinationConfig=on_success)
    on_success = {"OnSuccess": {"Destination": other_arn}}
    works("put_destination_other_lambda", FunctionName=name, DestinationConfig=on_success)
    on_success = {"OnSuccess": {"Destination": fn_arn.replace(":lambda:", ":iam:")}}
    fails("put_destination_invalid_service_arn", FunctionName=name, DestinationConfig=on_success)
    works(
        "put_destination_success_no_destination_arn",
        FunctionName=name,
        DestinationConfig={"OnSuccess": {}},
    )
    works(
        "put_destination_failure_no_destination_arn",
        FunctionName=name,
        DestinationConfig={"OnFailure": {}},
    )
    on_failure = {"OnFailure": {"Destination": fn_arn.replace(":lambda:", ":_-/!lambda:")}}
    fails("put_destination_invalid_arn_pattern", FunctionName=name, DestinationConfig=on_failure)

    retry = {"MaximumRetryAttempts": 1}
    works("put_destination_latest", FunctionName=name, **retry)
    works(
        "put_destination_latest_explicit_qualifier", FunctionName=name, Qualifier="$LATEST", **retry
    )
    works("put_destination_version", FunctionName=name, Qualifier=version, **retry)
    works("put_alias_functionname_qualifier", FunctionName=name, Qualifier=alias, **retry)
    fails("put_alias_doesnotexist", FunctionName=name, Qualifier=f"{alias}doesnotexist", **retry)
    works("put_alias_qualifiedarn", FunctionName=alias_arn, **retry)
    works("put_alias_qualifiedarn_qualifier", FunctionName=alias_arn, Qualifier=alias, **retry)
    fails(
        "put_alias_qualifiedarn_qualifierconflict",
        FunctionName=alias_arn,
        Qualifier=f"{alias}doesnotexist",
        **retry,
    )
    short = f"{name}:{alias}"
    works("put_alias_shorthand", FunctionName=short, **retry)
    works("put_alias_shorthand_qualifier", FunctionName=short, Qualifier=alias, **retry)
    fails(
        "put_alias_shorthand_qualifierconflict",
        FunctionName=short,
        Qualifier=f"{alias}doesnotexist",
        **retry,
    )
    works("put_version_shorthand", FunctionName=f"{name}:{version}", **retry)
    works(
        "put_shorthand_qualifier_match",
        FunctionName=f"{name}:$LATEST",
        Qualifier="$LATEST",
        **retry,
    )
    fails(
        "put_shorthand_qualifier_mismatch_1",
        FunctionName=f"{name}:{version}",
        Qualifier="$LATEST",
        **retry,
    )
    fails(
        "put_shorthand_qualifier_mismatch_2",
        FunctionName=f"{name}:$LATEST",
        Qualifier=version,
        **retry,
    )
    fails(
        "put_shorthand_qualifier_mismatch_3",
        FunctionName=f"{name}:{version}",
        Qualifier=alias,
        **retry,
    )
    works(
        "put_maxevent_maxvalue_result",
        FunctionName=name,
        MaximumRetryAttempts=2,
        MaximumEventAgeInSeconds=21600,
    )

    # Put overwrites every field; Update only those it is given.
    works(
        "put_pre_overwrite", FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60
    )
    works("put_post_overwrite", FunctionName=name, MaximumRetryAttempts=0)
    works("second_overwrite_existing_response", FunctionName=name, MaximumRetryAttempts=0)
    got = lam.get_function_event_invoke_config(FunctionName=name)
    ctx.match("get_post_overwrite", got)
    assert got["MaximumRetryAttempts"] == 0 and "MaximumEventAgeInSeconds" not in got
    works(
        "pre_update_response",
        FunctionName=name,
        MaximumRetryAttempts=2,
        MaximumEventAgeInSeconds=60,
    )
    update = lam.update_function_event_invoke_config
    works("update_response", update, FunctionName=name, MaximumRetryAttempts=0)
    works("update_response_existing", update, FunctionName=name, MaximumRetryAttempts=0)
    got = lam.get_function_event_invoke_config(FunctionName=name)
    assert got["MaximumRetryAttempts"] == 0 and got["MaximumEventAgeInSeconds"] == 60

    listing = lam.list_function_event_invoke_configs
    ctx.match("list_configs", _sorted(listing(FunctionName=name)))
    paged = listing(FunctionName=name, MaxItems=2)
    assert len(paged["FunctionEventInvokeConfigs"]) == 2 and paged["NextMarker"]
    delete = lam.delete_function_event_invoke_config
    works("delete_latest", delete, FunctionName=name, Qualifier="$LATEST")
    works("delete_version", delete, FunctionName=name, Qualifier=version)
    works("delete_alias", delete, FunctionName=name, Qualifier=alias)
    after = listing(FunctionName=name)
    ctx.match("list_configs_postdelete", after)
    assert after["FunctionEventInvokeConfigs"] == []
    fails("delete_function_not_found", delete, FunctionName=name)
    fails("delete_function_doesnotexist", delete, FunctionName="doesnotexist")
    fails("list_function_doesnotexist", listing, FunctionName="doesnotexist")
    get = lam.get_function_event_invoke_config
    fails("get_function_doesnotexist", get, FunctionName="doesnotexist")
    fails("get_qualifier_doesnotexist", get, FunctionName=name, Qualifier="doesnotexist")
    fails(
        "update_eventinvokeconfig_function_doesnotexist",
        update,
        FunctionName="doesnotexist",
        MaximumRetryAttempts=0,
    )
    fails("get_eventinvokeconfig_doesnotexist", get, FunctionName=alias_arn)
    fails(
        "update_eventinvokeconfig_config_doesnotexist_with_qualifier",
        update,
        FunctionName=alias_arn,
        MaximumRetryAttempts=0,
    )
    fails(
        "update_eventinvokeconfig_config_doesnotexist_without_qualifier",
        update,
        FunctionName=fn_arn,
        MaximumRetryAttempts=0,
    )
