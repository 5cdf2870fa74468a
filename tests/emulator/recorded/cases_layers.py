"""Rebuilt cases of LocalStack's TestLambdaLayer."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

from emulator.recorded.context import CaseContext, case

L = "TestLambdaLayer"
GET = "lambda:GetLayerVersion"
# The runtime lists LocalStack's parametrised case sends (AWS allows 15 per layer version).
RUNTIME_SETS = {
    "runtimes0": (
        "nodejs24.x nodejs22.x nodejs20.x nodejs18.x nodejs16.x nodejs14.x nodejs12.x "
        "python3.14 python3.13 python3.12 python3.11 python3.10 python3.9 python3.8 python3.7"
    ),
    "runtimes1": (
        "java25 java21 java17 java11 java8.al2 java8 dotnet10 dotnet8 dotnet6 dotnetcore3.1 "
        "go1.x ruby3.4 ruby3.3 ruby3.2 ruby2.7"
    ),
    "runtimes2": "provided.al2023 provided.al2 provided",
}


def dummy_layer() -> bytes:
    """The same bytes every time (as LocalStack's dummylayer fixture: one zip per session)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("python/dummy.py", (2024, 1, 1, 0, 0, 0)), "VALUE = 1\n")
    return buffer.getvalue()


def _publish(ctx: CaseContext, name: str, **params: Any) -> dict[str, Any]:
    response: dict[str, Any] = ctx.lam.publish_layer_version(
        LayerName=name, Content={"ZipFile": dummy_layer()}, **params
    )
    return response


@case(f"{L}::test_layer_compatibilities", RUNTIME_SETS)
def layer_compatibilities(ctx: CaseContext, param: str | None) -> None:
    runtimes = RUNTIME_SETS[param or "runtimes0"].split()
    published = _publish(
        ctx,
        ctx.name("testlayer"),
        CompatibleRuntimes=runtimes,
        CompatibleArchitectures=["arm64", "x86_64"],
    )
    ctx.match("publish_result", published)


@case(f"{L}::test_layer_exceptions")
def layer_exceptions(ctx: CaseContext, _: str | None) -> None:
    lam, name = ctx.lam, ctx.name("testlayer")
    raw = ctx.unvalidated_client()
    published = _publish(
        ctx, name, CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"]
    )
    ctx.match("publish_result", published)
    ctx.match(
        "list_layers_exc_compatibleruntime_invalid",
        ctx.error(raw.list_layers, CompatibleRuntime="runtimedoesnotexist"),
    )
    ctx.match(
        "list_layers_exc_compatiblearchitecture_invalid",
        ctx.error(raw.list_layers, CompatibleArchitecture="archdoesnotexist"),
    )
    ctx.match("list_nonexistent_layer", lam.list_layer_versions(LayerName="layerdoesnotexist"))
    get = lam.get_layer_version
    ctx.match(
        "get_layer_version_exc_layer_doesnotexist",
        ctx.error(get, LayerName="layerdoesnotexist", VersionNumber=1),
    )
    ctx.match(
        "get_layer_version_exc_layer_version_doesnotexist_negative",
        ctx.error(get, LayerName=name, VersionNumber=-1),
    )
    ctx.match(
        "get_layer_version_exc_layer_version_doesnotexist_zero",
        ctx.error(get, LayerName=name, VersionNumber=0),
    )
    ctx.match(
        "get_layer_version_exc_layer_version_doesnotexist_2",
        ctx.error(get, LayerName=name, VersionNumber=2),
    )
    by_arn = raw.get_layer_version_by_arn
    ctx.match(
        "get_layer_version_by_arn_exc_invalidarn", ctx.error(by_arn, Arn=published["LayerArn"])
    )
    ctx.match(
        "get_layer_version_by_arn_exc_nonexistentversion",
        ctx.error(by_arn, Arn=f"{published['LayerArn']}:2"),
    )
    delete = lam.delete_layer_version
    ctx.match("delete_nonexistent_response", delete(LayerName="layerdoesnotexist", VersionNumber=1))
    ctx.match("delete_nonexistent_version_response", delete(LayerName=name, VersionNumber=2))
    ctx.match("delete_layer_response", delete(LayerName=name, VersionNumber=1))
    ctx.match("delete_layer_again_response", delete(LayerName=name, VersionNumber=1))
    ctx.match(
        "delete_layer_version_exc_layerversion_invalid_version",
        ctx.error(delete, LayerName=name, VersionNumber=-1),
    )
    empty = _publish(
        ctx, ctx.name("testlayer-empty"), CompatibleRuntimes=[], CompatibleArchitectures=[]
    )
    ctx.match("publish_empty_result", empty)
    ctx.match(
        "publish_layer_version_exc_invalid_runtime_arch",
        ctx.error(
            raw.publish_layer_version,
            LayerName=ctx.name("testlayer-2"),
            Content={"ZipFile": dummy_layer()},
            CompatibleRuntimes=["invalidruntime"],
            CompatibleArchitectures=["invalidarch"],
        ),
    )
    ctx.match(
        "publish_layer_version_exc_partially_invalid_values",
        ctx.error(
            raw.publish_layer_version,
            LayerName=ctx.name("testlayer-2"),
            Content={"ZipFile": dummy_layer()},
            CompatibleRuntimes=["invalidruntime", "invalidruntime2", "nodejs20.x"],
            CompatibleArchitectures=["invalidarch", "x86_64"],
        ),
    )


@case(f"{L}::test_layer_function_exceptions")
def layer_function_exceptions(ctx: CaseContext, _: str | None) -> None:
    lam, name, layer = ctx.lam, ctx.name("fn-layer"), ctx.name("testlayer")
    published = [
        _publish(ctx, layer, CompatibleRuntimes=[], CompatibleArchitectures=["x86_64"])
        for _ in range(3)
    ]
    for key, result in zip(("", "_2", "_3"), published, strict=True):
        ctx.match(f"publish_result{key}", result)
    ctx.create_function(name)
    ctx.match("get_fn_result", lam.get_function(FunctionName=name))
    arns = [p["LayerVersionArn"] for p in published]
    update = lam.update_function_configuration
    for key, layers in (
        ("two_layer_versions_single_function_exc", arns[:2]),
        ("three_layer_versions_single_function_exc", arns),
        ("two_identical_layer_versions_single_function_exc", [arns[0], arns[0]]),
        (
            "add_nonexistent_layer_exc",
            [published[0]["LayerArn"].replace(layer, "doesnotexist") + ":1"],
        ),
        ("add_nonexistent_layer_version_exc", [published[0]["LayerArn"] + ":9"]),
    ):
        ctx.match(key, ctx.error(update, FunctionName=name, Layers=layers))
    ctx.match(
        "add_layer_arn_without_version_exc",
        ctx.error(
            ctx.unvalidated_client().update_function_configuration,
            FunctionName=name,
            Layers=[published[0]["LayerArn"]],
        ),
    )
    # A layer version of the same name in another region (the emulator serves one region:
    # the ARN is the one AWS would give there).
    other = "eu-west-1" if ctx.region != "eu-west-1" else "us-east-1"
    foreign = arns[0].replace(f":{ctx.region}:", f":{other}:")
    ctx.match(
        "create_function_with_layer_in_different_region",
        ctx.error(lambda: ctx.create_function(ctx.name("fn-layer"), Layers=[foreign])),
    )


@case(f"{L}::test_layer_function_quota_exception")
def layer_function_quota_exception(ctx: CaseContext, _: str | None) -> None:
    arns = [
        _publish(
            ctx,
            ctx.name(f"testlayer-{n + 1}"),
            CompatibleRuntimes=[],
            CompatibleArchitectures=["x86_64"],
        )["LayerVersionArn"]
        for n in range(6)
    ]
    ctx.match(
        "create_function_with_six_layers",
        ctx.error(lambda: ctx.create_function(ctx.name("fn-layer"), Layers=arns)),
    )


@case(f"{L}::test_layer_lifecycle", mid_transition=True)
def layer_lifecycle(ctx: CaseContext, _: str | None) -> None:
    lam, name, layer = ctx.lam, ctx.name("fn-layer"), ctx.name("testlayer")
    license_info = f"licenseinfo-{uuid.uuid4().hex[:8]}"
    description = f"description-{uuid.uuid4().hex[:8]}"
    ctx.create_function(name)
    ctx.match("get_fn_result", lam.get_function(FunctionName=name))
    ctx.match("get_fn_config_result", lam.get_function_configuration(FunctionName=name))
    params = {
        "CompatibleRuntimes": ["python3.12"],
        "LicenseInfo": license_info,
        "Description": description,
        "CompatibleArchitectures": ["x86_64"],
    }
    first = _publish(ctx, layer, **params)
    ctx.match("publish_result", first)
    ctx.match("publish_result_2", _publish(ctx, layer, **params))
    ctx.match(
        "update_fn_config",
        lam.update_function_configuration(FunctionName=name, Layers=[first["LayerVersionArn"]]),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    ctx.match("get_fn_config", lam.get_function_configuration(FunctionName=name))
    ctx.match("get_layer_ver_result", lam.get_layer_version(LayerName=layer, VersionNumber=1))
    ctx.match(
        "get_layer_by_arn_version", lam.get_layer_version_by_arn(Arn=first["LayerVersionArn"])
    )
    ctx.match("list_layer_versions_predelete", lam.list_layer_versions(LayerName=layer))
    ctx.match("delete_layer_1", lam.delete_layer_version(LayerName=layer, VersionNumber=1))
    ctx.match("get_fn_config_postdelete", lam.get_function_configuration(FunctionName=name))
    ctx.match("delete_layer_2", lam.delete_layer_version(LayerName=layer, VersionNumber=2))
    ctx.match("list_layer_versions_postdelete", lam.list_layer_versions(LayerName=layer))
    ctx.match("publish_result_3", _publish(ctx, layer, **params))


def _permission(ctx: CaseContext, layer: str, version: int, sid: str, **extra: Any) -> Any:
    return ctx.lam.add_layer_version_permission(
        LayerName=layer, VersionNumber=version, Action=GET, Principal="*", StatementId=sid, **extra
    )


@case(f"{L}::test_layer_policy_exceptions")
def layer_policy_exceptions(ctx: CaseContext, _: str | None) -> None:
    lam, layer = ctx.lam, ctx.name("layer4policy")
    ctx.match(
        "publish_result",
        _publish(ctx, layer, CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"]),
    )
    get_policy, remove = lam.get_layer_version_policy, lam.remove_layer_version_permission
    ctx.match(
        "layer_permission_nopolicy_get", ctx.error(get_policy, LayerName=layer, VersionNumber=1)
    )
    ctx.match("add_layer_permission_result", _permission(ctx, layer, 1, "s1"))
    ctx.match(
        "layer_permission_action_invalid",
        ctx.error(
            ctx.unvalidated_client().add_layer_version_permission,
            LayerName=layer,
            VersionNumber=1,
            Action="*",
            Principal="*",
            StatementId=ctx.name("s"),
        ),
    )

    def add(**params: Any) -> Any:
        return _permission(ctx, **params)

    ctx.match(
        "layer_permission_duplicate_statement",
        ctx.error(add, layer=layer, version=1, sid="s1"),
    )
    ctx.match(
        "layer_permission_wrong_revision",
        ctx.error(add, layer=layer, version=1, sid="s2", RevisionId="wrong"),
    )
    missing = f"{layer}-doesnotexist"
    ctx.match(
        "layer_permission_layername_doesnotexist_add",
        ctx.error(add, layer=missing, version=1, sid=ctx.name("s")),
    )
    ctx.match(
        "layer_permission_layername_doesnotexist_get",
        ctx.error(get_policy, LayerName=missing, VersionNumber=1),
    )
    ctx.match(
        "layer_permission_layername_doesnotexist_remove",
        ctx.error(remove, LayerName=missing, VersionNumber=1, StatementId="s1"),
    )
    ctx.match(
        "layer_permission_layerversion_doesnotexist_add",
        ctx.error(add, layer=layer, version=2, sid=ctx.name("s")),
    )
    ctx.match(
        "layer_permission_layerversion_doesnotexist_get",
        ctx.error(get_policy, LayerName=layer, VersionNumber=2),
    )
    ctx.match(
        "layer_permission_layerversion_doesnotexist_remove",
        ctx.error(remove, LayerName=layer, VersionNumber=2, StatementId="s1"),
    )
    ctx.match(
        "layer_permission_statementid_doesnotexist_remove",
        ctx.error(remove, LayerName=layer, VersionNumber=1, StatementId="doesnotexist"),
    )
    ctx.match(
        "layer_permission_wrong_revision_remove",
        ctx.error(remove, LayerName=layer, VersionNumber=1, StatementId="s1", RevisionId="wrong"),
    )


@case(f"{L}::test_layer_policy_lifecycle")
def layer_policy_lifecycle(ctx: CaseContext, _: str | None) -> None:
    lam, layer = ctx.lam, ctx.name("testlayer")
    ctx.match(
        "publish_result",
        _publish(ctx, layer, CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"]),
    )
    ctx.match("add_policy_s1", _permission(ctx, layer, 1, "s1"))
    policy = lam.get_layer_version_policy(LayerName=layer, VersionNumber=1)
    ctx.match("get_layer_version_policy", policy)
    ctx.match("add_policy_s2", _permission(ctx, layer, 1, "s2", RevisionId=policy["RevisionId"]))
    policy = lam.get_layer_version_policy(LayerName=layer, VersionNumber=1)
    ctx.match("get_layer_version_policy_postadd2", policy)
    ctx.match(
        "remove_s2",
        lam.remove_layer_version_permission(
            LayerName=layer, VersionNumber=1, StatementId="s2", RevisionId=policy["RevisionId"]
        ),
    )
    ctx.match(
        "get_layer_version_policy_postdeletes2",
        lam.get_layer_version_policy(LayerName=layer, VersionNumber=1),
    )
