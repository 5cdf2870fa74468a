"""Rebuilt cases of LocalStack's TestLoggingConfig and TestRuntimeValidation."""

from __future__ import annotations

from typing import Any

from emulator.recorded.context import ROLE, CaseContext, case, code_zip


def _logging_case(ctx: CaseContext, updates: list[dict[str, Any]], **create: Any) -> None:
    """Create (with `create`), read, then each update in turn and read again, as the tests do."""
    lam, name = ctx.lam, ctx.name()
    ctx.match("create_response", ctx.create_function(name, MemorySize=256, Timeout=5, **create))
    ctx.match("get_function_response", lam.get_function(FunctionName=name))
    ctx.match("function_config", lam.get_function_configuration(FunctionName=name))
    for index, logging in enumerate(updates):
        suffix = "" if index == 0 else f"_v{index + 1}"
        updated = lam.update_function_configuration(FunctionName=name, LoggingConfig=logging)
        ctx.match(f"updated_config{suffix}", updated)
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        ctx.match(f"received_config{suffix}", lam.get_function_configuration(FunctionName=name))


ADVANCED = {
    "LogFormat": "JSON",
    "ApplicationLogLevel": "INFO",
    "SystemLogLevel": "INFO",
    "LogGroup": "cool_lambda",
}


@case("TestLoggingConfig::test_function_advanced_logging_configuration")
def advanced_logging(ctx: CaseContext, _: str | None) -> None:
    _logging_case(ctx, [ADVANCED], LoggingConfig={"LogFormat": "JSON"})


@case("TestLoggingConfig::test_advanced_logging_configuration_format_switch")
def logging_format_switch(ctx: CaseContext, _: str | None) -> None:
    _logging_case(ctx, [{"LogFormat": "JSON"}, {"LogFormat": "Text"}])


PARTIAL = {
    "partial_config0": {"LogFormat": "JSON"},
    "partial_config1": {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"},
    "partial_config2": {"LogFormat": "JSON", "SystemLogLevel": "DEBUG"},
    "partial_config3": {"LogGroup": "cool_lambda"},
}


@case("TestLoggingConfig::test_function_partial_advanced_logging_configuration_update", PARTIAL)
def partial_logging(ctx: CaseContext, param: str | None) -> None:
    _logging_case(ctx, [PARTIAL[str(param)]])


DEPRECATED = [
    "java8",
    "go1.x",
    "provided",
    "ruby2.7",
    "nodejs14.x",
    "python3.7",
    "dotnetcore3.1",
    "nodejs12.x",
]


@case(
    "TestRuntimeValidation::test_create_deprecated_function_runtime_with_validation_enabled",
    DEPRECATED,
)
def deprecated_runtime(ctx: CaseContext, runtime: str | None) -> None:
    response = ctx.error(
        ctx.lam.create_function,
        FunctionName=ctx.name(),
        Runtime=str(runtime),
        Handler="handler.handler",
        Role=ROLE,
        Code={"ZipFile": code_zip()},
        Timeout=30,
        Environment={"Variables": {}},
        Tags={},
    )
    ctx.match("deprecation_error", response)


SNAP = "TestLambdaSnapStart"
SNAP_RUNTIMES = ["python3.12", "python3.13"]


def _multiruntime_function(ctx: CaseContext, runtime: str) -> dict[str, Any]:
    """LocalStack's multiruntime fixture: the echo handler for `runtime`, no extras."""
    name = ctx.name("snapstart")
    response: dict[str, Any] = ctx.lam.create_function(
        FunctionName=name,
        Runtime=runtime,
        Handler="handler.handler",
        Role=ROLE,
        Code={"ZipFile": code_zip()},
        MemorySize=1024,
        Timeout=5,
    )
    ctx.created.append(name)
    return response


@case(f"{SNAP}::test_snapstart_lifecycle", SNAP_RUNTIMES)
def snapstart_lifecycle(ctx: CaseContext, runtime: str | None) -> None:
    lam = ctx.lam
    created = _multiruntime_function(ctx, str(runtime))
    ctx.match("create_function_response", created)
    name = created["FunctionName"]
    version = lam.publish_version(FunctionName=name, Description="version1")["Version"]
    lam.get_waiter("published_version_active").wait(FunctionName=name, Qualifier=version)
    ctx.match("get_function_response_latest", lam.get_function(FunctionName=name))
    ctx.match("get_function_response_version_1", lam.get_function(FunctionName=f"{name}:{version}"))


@case(f"{SNAP}::test_snapstart_update_function_configuration", SNAP_RUNTIMES)
def snapstart_update(ctx: CaseContext, runtime: str | None) -> None:
    lam = ctx.lam
    created = _multiruntime_function(ctx, str(runtime))
    ctx.match("create_function_response", created)
    name = created["FunctionName"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    ctx.match(
        "update_function_response",
        lam.update_function_configuration(
            FunctionName=name, SnapStart={"ApplyOn": "PublishedVersions"}
        ),
    )


@case(f"{SNAP}::test_snapstart_exceptions")
def snapstart_exceptions(ctx: CaseContext, _: str | None) -> None:
    ctx.match(
        "create_function_invalid_snapstart_apply",
        ctx.error(
            ctx.lam.create_function,
            FunctionName=ctx.name("invalid-function"),
            Handler="cloud.localstack.sample.LambdaHandlerWithLib",
            Code={"ZipFile": code_zip()},
            PackageType="Zip",
            Role=ROLE,
            Runtime="java21",
            SnapStart={"ApplyOn": "invalidOption"},
        ),
    )
