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
