"""Rebuilt cases of LocalStack's TestLambdaUrl (Function URL configs: the gateway's routes)."""

from __future__ import annotations

from typing import Any

from emulator.recorded.context import CaseContext, case

U = "TestLambdaUrl"
ALIAS = "urlalias"
# LocalStack deploys a Node.js handler that never runs: these tests are about the URL configs.
# lamina serve takes Python functions only, so the function is Python and the one field that
# shows it (the published version's Runtime) is left out of the comparison.
NODE = {"Handler": "lambda_handler.handler"}
RUNTIME_PATH = r"\$\.fn_version_result\.Runtime"


def _function_with_alias(ctx: CaseContext) -> tuple[str, str]:
    """The function, its version 1 and alias `urlalias` (captured as the recording did)."""
    lam, name = ctx.lam, ctx.name("test-function")
    ctx.create_function(name, **NODE)
    ctx.source_values = (RUNTIME_PATH,)
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    version = lam.publish_version(FunctionName=name)
    ctx.match("fn_version_result", version)
    alias = lam.create_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version["Version"])
    ctx.match("create_alias_result", alias)
    return name, arn


def _sorted_configs(response: dict[str, Any]) -> dict[str, Any]:
    # LocalStack's SortingTransformer: the list order is not defined
    response["FunctionUrlConfigs"].sort(key=lambda c: c["FunctionArn"])
    return response


@case(f"{U}::test_url_config_exceptions")
def url_config_exceptions(ctx: CaseContext, _: str | None) -> None:
    lam = ctx.lam
    name, arn = _function_with_alias(ctx)
    tests: list[tuple[str, dict[str, str]]] = [
        ("name_doesnotexist", {"FunctionName": "doesnotexist"}),
        ("arn_doesnotexist", {"FunctionName": arn.replace(name, "doesnotexist")}),
        ("name_doesnotexist_qualifier", {"FunctionName": "doesnotexist", "Qualifier": "1"}),
        ("qualifier_version", {"FunctionName": name, "Qualifier": "1"}),
        ("qualifier_version_doesnotexist", {"FunctionName": name, "Qualifier": "2"}),
        ("qualifier_alias_doesnotexist", {"FunctionName": name, "Qualifier": "v1"}),
        (
            "qualifier_alias_doesnotmatch_arn",
            {"FunctionName": f"{name}:{ALIAS}-doesnotmatch", "Qualifier": ALIAS},
        ),
        ("qualifier_latest", {"FunctionName": name, "Qualifier": "$LATEST"}),
    ]
    missing_config = [("config_doesnotexist", {"FunctionName": name})]
    operations: list[tuple[str, list[tuple[str, dict[str, str]]], dict[str, str]]] = [
        ("create_function_url_config", tests, {"AuthType": "NONE"}),
        ("get_function_url_config", tests + missing_config, {}),
        ("delete_function_url_config", tests + missing_config, {}),
        ("update_function_url_config", tests + missing_config, {"AuthType": "AWS_IAM"}),
    ]
    for operation, cases, extra in operations:
        method = getattr(lam, operation)
        for label, params in cases:
            ctx.match(f"{operation}_{label}", ctx.error(method, **params, **extra))


@case(f"{U}::test_url_config_list_paging")
def url_config_list_paging(ctx: CaseContext, _: str | None) -> None:
    lam = ctx.lam
    name, _arn = _function_with_alias(ctx)
    ctx.match(
        "list_function_notfound",
        ctx.error(lam.list_function_url_configs, FunctionName="doesnotexist"),
    )
    ctx.match("list_all_empty", lam.list_function_url_configs(FunctionName=name))
    fn = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    ctx.match("url_config_fn", fn)
    alias = lam.create_function_url_config(
        FunctionName=f"{name}:{ALIAS}", Qualifier=ALIAS, AuthType="NONE"
    )
    ctx.match("url_config_alias", alias)
    ctx.match("list_all", _sorted_configs(lam.list_function_url_configs(FunctionName=name)))
    # The paging itself (asserted by LocalStack's test, not recorded).
    urls = {fn["FunctionUrl"], alias["FunctionUrl"]}
    first = lam.list_function_url_configs(FunctionName=name, MaxItems=1)
    assert [c["FunctionUrl"] for c in first["FunctionUrlConfigs"]][0] in urls
    rest = lam.list_function_url_configs(FunctionName=name, MaxItems=1, Marker=first["NextMarker"])
    both = first["FunctionUrlConfigs"] + rest["FunctionUrlConfigs"]
    assert {c["FunctionUrl"] for c in both} == urls


@case(f"{U}::test_url_config_lifecycle")
def url_config_lifecycle(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("test-function")
    ctx.create_function(name, **NODE)
    ctx.match("url_creation", lam.create_function_url_config(FunctionName=name, AuthType="NONE"))
    ctx.match(
        "failed_duplication",
        ctx.error(lam.create_function_url_config, FunctionName=name, AuthType="NONE"),
    )
    ctx.match("get_url_config", lam.get_function_url_config(FunctionName=name))
    ctx.match(
        "updated_url_config",
        lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM"),
    )
    lam.delete_function_url_config(FunctionName=name)
    ctx.match("failed_getter", ctx.error(lam.get_function_url_config, FunctionName=name))


@case(f"{U}::test_url_config_deletion_without_qualifier")
def url_config_deletion_without_qualifier(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("alias-fn")
    ctx.plain_function(name, Environment={"Variables": {"testenv": "staging"}})
    lam.publish_version(FunctionName=name)
    alias = "test-alias"
    lam.create_alias(FunctionName=name, Name=alias, FunctionVersion="1", Description="custom-alias")
    ctx.match("url_creation", lam.create_function_url_config(FunctionName=name, AuthType="NONE"))
    ctx.match(
        "url_with_alias_creation",
        lam.create_function_url_config(FunctionName=name, AuthType="NONE", Qualifier=alias),
    )
    ctx.match("get_url_config", lam.get_function_url_config(FunctionName=name))
    ctx.match(
        "get_url_config_with_alias",
        lam.get_function_url_config(FunctionName=name, Qualifier=alias),
    )
    ctx.match("delete_function_url_config", lam.delete_function_url_config(FunctionName=name))
    ctx.match(
        "get_url_config_after_deletion",
        ctx.error(lam.get_function_url_config, FunctionName=name),
    )
    ctx.match(
        "get_url_config_with_alias_after_deletion",
        lam.get_function_url_config(FunctionName=name, Qualifier=alias),
    )
