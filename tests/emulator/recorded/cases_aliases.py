"""Rebuilt cases of LocalStack's TestLambdaAlias."""

from __future__ import annotations

from typing import Any

from emulator.recorded.context import CaseContext, case

A = "TestLambdaAlias"
STAGING = {"Variables": {"testenv": "staging"}}


def _sorted_aliases(response: dict[str, Any]) -> dict[str, Any]:
    """LocalStack sorts Aliases by Name before comparing."""
    return {**response, "Aliases": sorted(response["Aliases"], key=lambda a: a["Name"])}


def _two_versions(ctx: CaseContext, client: Any, name: str) -> None:
    ctx.match("publish_v1", client.publish_version(FunctionName=name))
    client.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"testenv": "prod"}}
    )
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    ctx.match("publish_v2", client.publish_version(FunctionName=name))


@case(f"{A}::test_alias_lifecycle")
def alias_lifecycle(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("alias-fn")
    ctx.match("create_response", ctx.plain_function(name, Environment=STAGING))
    _two_versions(ctx, lam, name)
    created = lam.create_alias(
        FunctionName=name,
        Name="aliasname1_1",
        FunctionVersion="1",
        Description="custom-alias",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.2}},
    )
    ctx.match("create_alias_1_1", created)
    ctx.match("get_alias_1_1", lam.get_alias(FunctionName=name, Name="aliasname1_1"))
    ctx.match(
        "get_function_alias_1_1", lam.get_function(FunctionName=name, Qualifier="aliasname1_1")
    )
    ctx.match("get_function_byarn_alias_1_1", lam.get_function(FunctionName=created["AliasArn"]))
    ctx.match(
        "get_function_alias_notfound_exc",
        ctx.error(lam.get_function, FunctionName=name, Qualifier="aliasdoesnotexist"),
    )
    ctx.match(
        "get_function_alias_byarn_notfound_exc",
        ctx.error(
            lam.get_function,
            FunctionName=created["AliasArn"].replace("aliasname1_1", "aliasdoesnotexist"),
        ),
    )
    for alias, version, description in (
        ("1_2", "1", "custom-alias"),
        ("1_3", "1", None),
        ("2", "2", "custom-alias"),
    ):
        params = {"FunctionName": name, "Name": f"aliasname{alias}", "FunctionVersion": version}
        if description:
            params["Description"] = description
        ctx.match(f"create_alias_{alias}", lam.create_alias(**params))
        ctx.match(f"get_alias_{alias}", lam.get_alias(FunctionName=name, Name=f"aliasname{alias}"))
    pages = lam.get_paginator("list_aliases").paginate(
        FunctionName=name, PaginationConfig={"PageSize": 1}
    )
    ctx.match("list_aliases_for_fnname", _sorted_aliases(pages.build_full_result()))
    ctx.match(
        "update_alias_1_1",
        lam.update_alias(
            FunctionName=name, Name="aliasname1_1", RoutingConfig={"AdditionalVersionWeights": {}}
        ),
    )
    ctx.match("get_alias_1_1_after_update", lam.get_alias(FunctionName=name, Name="aliasname1_1"))
    ctx.match(
        "list_aliases_for_fnname_after_update",
        _sorted_aliases(lam.list_aliases(FunctionName=name)),
    )
    ctx.match("update_alias_1_2", lam.update_alias(FunctionName=name, Name="aliasname1_2"))
    ctx.match("get_alias_1_2_after_update", lam.get_alias(FunctionName=name, Name="aliasname1_2"))
    ctx.match(
        "list_aliases_for_fnname_after_update_2",
        _sorted_aliases(lam.list_aliases(FunctionName=name)),
    )
    ctx.match(
        "list_aliases_for_version",
        _sorted_aliases(lam.list_aliases(FunctionName=name, FunctionVersion="1")),
    )
    ctx.match("delete_alias_response", lam.delete_alias(FunctionName=name, Name="aliasname1_1"))
    ctx.match(
        "list_aliases_for_fnname_afterdelete",
        _sorted_aliases(lam.list_aliases(FunctionName=name)),
    )


@case(f"{A}::test_non_existent_alias_deletion")
def non_existent_alias_deletion(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name("alias-fn")
    ctx.match("create_response", ctx.plain_function(name, Environment=STAGING))
    ctx.match("delete_alias_response", ctx.lam.delete_alias(FunctionName=name, Name="non-existent"))


@case(f"{A}::test_non_existent_alias_update")
def non_existent_alias_update(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name("alias-fn")
    ctx.match("create_response", ctx.plain_function(name, Environment=STAGING))
    ctx.match(
        "update_alias_response",
        ctx.error(ctx.lam.update_alias, FunctionName=name, Name="non-existent"),
    )


@case(f"{A}::test_notfound_and_invalid_routingconfigs")
def invalid_routing_configs(ctx: CaseContext, _: str | None) -> None:
    client, name = ctx.unvalidated_client(), ctx.name("alias-fn")
    ctx.match("create_response", ctx.plain_function(name, Publish=True, Environment=STAGING))
    _two_versions(ctx, client, name)

    def refused(key: str, version: str, weights: dict[str, float] | None, **extra: Any) -> None:
        params: dict[str, Any] = {
            "FunctionName": name,
            "Name": "custom",
            "FunctionVersion": version,
        }
        if weights is not None:
            params["RoutingConfig"] = {"AdditionalVersionWeights": weights}
        params.update(extra)
        ctx.match(key, ctx.error(client.create_alias, **params))

    refused("routing_config_exc_toomany", "1", {"1": 0.8, "2": 0.2})
    refused("routing_config_exc_toohigh", "1", {"2": 2})
    refused("routing_config_exc_subzero", "1", {"2": -1})
    refused("routing_config_exc_sameversion", "1", {"1": 0.5})
    refused("target_version_doesnotexist", "10", {"2": 0.5})
    refused("routing_config_exc_version_doesnotexist", "1", {"10": 0.5})
    refused("target_version_exc_version_latest", "$LATEST", {"1": 0.5})
    refused("routing_config_exc_version_latest", "1", {"$LATEST": 0.5})
    ctx.match(
        "create-alias-latest",
        client.create_alias(FunctionName=name, Name="custom-latest", FunctionVersion="$LATEST"),
    )
    ctx.match(
        "routing_config_exc_fn_doesnotexist",
        ctx.error(
            client.create_alias,
            FunctionName=f"{name}-unknown",
            Name="custom",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
        ),
    )
    ctx.match(
        "create_alias_empty_routingconfig",
        client.create_alias(
            FunctionName=name,
            Name="custom-empty-routingconfig",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {}},
        ),
    )
    normal = {
        "FunctionName": name,
        "Name": "custom",
        "FunctionVersion": "1",
        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.5}},
    }
    ctx.match("create_alias_response", client.create_alias(**normal))
    ctx.match("routing_config_exc_already_exist", ctx.error(client.create_alias, **normal))
    ctx.match(
        "alias_does_not_exist_esc",
        ctx.error(client.get_alias, FunctionName=name, Name="non-existent"),
    )


@case(f"{A}::test_alias_naming")
def alias_naming(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("alias-fn")
    ctx.match("create_response", ctx.plain_function(name, Environment=STAGING))
    ctx.match("publish_v1", lam.publish_version(FunctionName=name))
    alias = "2024-01-02"
    ctx.match(
        "create_alias_date",
        lam.create_alias(
            FunctionName=name, Name=alias, FunctionVersion="1", Description="custom-alias"
        ),
    )
    ctx.match("get_alias_date", lam.get_alias(FunctionName=name, Name=alias))
    lam.invoke(FunctionName=f"{name}:{alias}")
    ctx.match(
        "create_alias_number_exception",
        ctx.error(
            lam.create_alias,
            FunctionName=name,
            Name="2024",
            FunctionVersion="1",
            Description="custom-alias",
        ),
    )
