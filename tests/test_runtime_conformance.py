"""One catalogue of handlers, run under Lamina's bootstrap and under AWS's awslambdaric: the error
JSON and the context object must be the same, field by field (paths aside)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.pool import RuntimePool

CLIENTS = ("lamina", "awslambdaric")

# name: (module source, handler, payload, config overrides, expected errorType)
CATALOGUE: dict[str, tuple[str, str, bytes, dict[str, Any], str]] = {
    "raises": (
        "def handler(event, context):\n    raise ValueError('bad value ' + str(event['n']))\n",
        "app.handler", b'{"n": 7}', {}, "ValueError",
    ),
    "import_error": (
        "import no_such_module_lamina\ndef handler(event, context):\n    return 1\n",
        "app.handler", b"{}", {}, "Runtime.ImportModuleError",
    ),
    "syntax_error": ("def handler(event, context:\n    return 1\n", "app.handler", b"{}", {}, "Runtime.UserCodeSyntaxError"),
    "missing_handler": ("def other(event, context):\n    return 1\n", "app.handler", b"{}", {}, "Runtime.HandlerNotFound"),
    "malformed_handler": ("def handler(event, context):\n    return 1\n", "nodot", b"{}", {}, "Runtime.MalformedHandlerName"),
    "builtin_module": ("def handler(event, context):\n    return 1\n", "sys.handler", b"{}", {}, "Runtime.BuiltInModuleConflict"),
    "init_exception": (
        "raise RuntimeError('config missing at init')\ndef handler(event, context):\n    return 1\n",
        "app.handler", b"{}", {}, "RuntimeError",
    ),
    "unserialisable": ("def handler(event, context):\n    return object()\n", "app.handler", b"{}", {}, "Runtime.MarshalError"),
    "bad_event_json": ("def handler(event, context):\n    return event\n", "app.handler", b"{not json", {}, "Runtime.UnmarshalError"),
    "timeout": (
        "import time\ndef handler(event, context):\n    time.sleep(30)\n",
        "app.handler", b"{}", {"timeout": 1.0}, "Sandbox.Timedout",
    ),
    "out_of_memory": (
        "def handler(event, context):\n    hog = [bytearray(1 << 20) for _ in range(400)]\n    return len(hog)\n",
        "app.handler", b"{}", {"memory_size": 128}, "Runtime.OutOfMemory",
    ),
    "os_exit": ("import os\ndef handler(event, context):\n    os._exit(3)\n", "app.handler", b"{}", {}, "Runtime.ExitError"),
    "sys_exit": ("import sys\ndef handler(event, context):\n    sys.exit(2)\n", "app.handler", b"{}", {}, "Runtime.ExitError"),
    "segfault": (
        "import ctypes\ndef handler(event, context):\n    return ctypes.string_at(0)\n",
        "app.handler", b"{}", {}, "Runtime.ExitError",
    ),
    "response_too_large": (
        "def handler(event, context):\n    return 'x' * (7 * 1024 * 1024)\n",
        "app.handler", b"{}", {}, "Function.ResponseSizeTooLarge",
    ),
    "infinite_recursion": (
        "def handler(event, context):\n    return handler(event, context)\n",
        "app.handler", b"{}", {}, "RecursionError",
    ),
}  # fmt: skip

EXPECTED_MESSAGES = {
    "raises": "bad value 7",
    "import_error": "Unable to import module 'app': No module named 'no_such_module_lamina'",
    "missing_handler": "Handler 'handler' missing on module 'app'",
    "malformed_handler": "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)",
    "builtin_module": "Cannot use built-in module sys as a handler module",
    "init_exception": "config missing at init",
    "unserialisable": "Unable to marshal response: Object of type object is not JSON serializable",
    "os_exit": "RequestId: {id} Error: Runtime exited with error: exit status 3",
    "sys_exit": "RequestId: {id} Error: Runtime exited with error: exit status 2",
    "segfault": "RequestId: {id} Error: Runtime exited with error: signal: segmentation fault",
    "timeout": "RequestId: {id} Error: Task timed out after 1.00 seconds",
    "out_of_memory": "RequestId: {id} Error: Runtime exited with error: signal: killed",
    "response_too_large": (
        "Response payload size (7340034 bytes) exceeded maximum allowed payload size (6291556 bytes)."
    ),
}


async def run(config: FunctionConfig, client: str, request: InvocationRequest) -> InvocationResult:
    async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
        return await pool.invoke(config, request)


def normalise(error: dict[str, Any], code_dir: Path, request_id: str) -> dict[str, Any]:
    """The error with its request id and the varying recursion count taken out."""
    text = json.dumps(error).replace(str(code_dir), "<code>").replace(request_id, "<id>")
    text = re.sub(
        r"Previous line repeated \d+ more times", "Previous line repeated N more times", text
    )
    out: dict[str, Any] = json.loads(text)
    out.pop("requestId", None)
    return out


@pytest.mark.parametrize("case", sorted(CATALOGUE))
async def test_error_json_matches_awslambdaric(case: str, write_function: Any) -> None:
    source, handler, payload, overrides, error_type = CATALOGUE[case]
    config = write_function(source, handler=handler, **overrides)
    results = {}
    for client in CLIENTS:
        request = InvocationRequest(payload=payload)
        result = await run(config, client, request)
        assert not result.ok, (client, result.payload)
        assert result.error is not None
        assert result.error["errorType"] == error_type, (client, result.error, result.logs[-3000:])
        if case in EXPECTED_MESSAGES:
            expected = EXPECTED_MESSAGES[case].format(id=request.request_id)
            assert result.error["errorMessage"] == expected, client
        # Init errors carry an empty request id; invoke errors carry the invocation's.
        init_phase = error_type.startswith("Runtime.") and case not in (
            "unserialisable", "bad_event_json", "os_exit", "sys_exit", "segfault", "out_of_memory"
        )  # fmt: skip
        init_phase = init_phase or case == "init_exception"
        assert result.error["requestId"] == ("" if init_phase else request.request_id), client
        assert "END RequestId: " + request.request_id in result.logs
        assert "REPORT RequestId: " + request.request_id in result.logs
        results[client] = normalise(result.error, config.code_dir, request.request_id)
    assert results["lamina"] == results["awslambdaric"]


async def test_raised_error_has_user_frames_only(write_function: Any) -> None:
    config = write_function(CATALOGUE["raises"][0])
    result = await run(config, "lamina", InvocationRequest(payload=b'{"n": 1}'))
    assert result.error is not None
    assert result.error["stackTrace"] == [
        f'  File "{config.code_dir}/app.py", line 2, in handler\n'
        "    raise ValueError('bad value ' + str(event['n']))\n"
    ]
    # The log line, as Lambda writes it: lines joined by \r, indentation as U+00A0.
    assert (
        "[ERROR] ValueError: bad value 1\rTraceback (most recent call last):\r"
        f'\u00a0\u00a0File "{config.code_dir}/app.py", line 2, in handler\r'
        "\u00a0\u00a0\u00a0\u00a0raise ValueError('bad value ' + str(event['n']))\n"
    ) in result.logs


async def test_syntax_error_names_the_line(write_function: Any) -> None:
    config = write_function(CATALOGUE["syntax_error"][0])
    result = await run(config, "lamina", InvocationRequest())
    assert result.error is not None
    assert result.error["errorMessage"].startswith("Syntax error in module 'app': ")
    assert "(app.py, line 1)" in result.error["errorMessage"]
    assert result.error["stackTrace"] == [
        f'  File "{config.code_dir}/app.py" Line 1\n    def handler(event, context:\n'
    ]


CONTEXT_HANDLER = """
import logging, os
logging.getLogger().setLevel(logging.INFO)
def handler(event, context):
    logging.getLogger("app").info("hello from %s", context.function_name)
    context.log("via context.log\\n")
    cc = context.client_context
    return {
        "type": type(context).__name__,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name_shape": context.log_stream_name[:11] + "..." + str(len(context.log_stream_name)),
        "invoked_function_arn": context.invoked_function_arn,
        "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 3000,
        "identity": [type(context.identity).__name__, context.identity.cognito_identity_id,
                     context.identity.cognito_identity_pool_id],
        "client_context": None if cc is None else {
            "type": type(cc).__name__, "custom": cc.custom, "env": cc.env,
            "client": [type(cc.client).__name__, cc.client.installation_id, cc.client.app_title,
                       cc.client.app_version_name, cc.client.app_version_code, cc.client.app_package_name],
        },
        "w3c": context.w3c() if hasattr(context, "w3c") else None,
        "tenant_id": context.tenant_id,
        "trace": os.environ.get("_X_AMZN_TRACE_ID", "")[:7],
        "env": {k: os.environ.get(k) for k in (
            "_HANDLER", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE",
            "AWS_REGION", "AWS_DEFAULT_REGION", "TZ", "LANG", "AWS_XRAY_CONTEXT_MISSING", "MY_SETTING")},
        "task_root_is_cwd": os.environ.get("LAMBDA_TASK_ROOT") == os.getcwd(),
        "runtime_api_set": ":" in os.environ.get("AWS_LAMBDA_RUNTIME_API", ""),
        "unicode": "h\\u00e9llo",
    }
"""


async def test_context_and_environment_match_awslambdaric(write_function: Any) -> None:
    config = write_function(CONTEXT_HANDLER, environment=(("MY_SETTING", "on"),), memory_size=256)
    client_context = {
        "client": {"installation_id": "i-1", "app_title": "App", "app_version_name": "1.0",
                   "app_version_code": "100", "app_package_name": "com.example"},
        "custom": {"tenant": "acme"}, "env": {"locale": "en"},
        "w3c": {"traceparent": "00-abc-def-01", "other": "dropped"},
    }  # fmt: skip
    cognito = {"cognitoIdentityId": "us-east-1:1234", "cognitoIdentityPoolId": "us-east-1:pool"}
    seen = {}
    for client in CLIENTS:
        request = InvocationRequest(
            payload=b"{}",
            client_context=json.dumps(client_context),
            cognito_identity=json.dumps(cognito),
        )
        result = await run(config, client, request)
        assert result.ok, result.payload
        body = json.loads(result.payload)
        assert body.pop("aws_request_id") == request.request_id
        assert re.search(
            r"^\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t"
            + request.request_id
            + r"\thello from fn$",
            result.logs,
            re.M,
        ), result.logs
        assert "via context.log\n" in result.logs
        seen[client] = (body, result.payload.decode())
    assert seen["lamina"][0] == seen["awslambdaric"][0]
    body = seen["lamina"][0]
    assert body["type"] == "LambdaContext"
    assert body["memory_limit_in_mb"] == "256"
    assert body["function_version"] == "$LATEST"
    assert body["log_group_name"] == "/aws/lambda/fn"
    assert (
        body["invoked_function_arn"]
        == "arn:aws:lambda:" + config.region + ":123456789012:function:fn"
    )
    assert body["identity"] == ["CognitoIdentity", "us-east-1:1234", "us-east-1:pool"]
    assert body["client_context"]["custom"] == {"tenant": "acme"}
    assert body["client_context"]["client"][0:2] == ["Client", "i-1"]
    assert body["w3c"] == {"traceparent": "00-abc-def-01"}
    assert body["trace"] == "Root=1-"
    assert body["env"]["_HANDLER"] == "app.handler"
    assert body["env"]["MY_SETTING"] == "on"
    assert body["env"]["TZ"] == ":UTC"
    assert body["task_root_is_cwd"] and body["runtime_api_set"]


async def test_bytes_response_and_non_json_event(write_function: Any) -> None:
    config = write_function(
        "def handler(event, context):\n    return event if isinstance(event, bytes) else b'raw'\n"
    )
    for client in CLIENTS:
        result = await run(
            config, client, InvocationRequest(payload=b"plain text", content_type="text/plain")
        )
        assert result.ok
        assert result.payload == b"plain text"
        assert result.content_type == "application/unknown"


JSON_LOG_HANDLER = """
import logging
logger = logging.getLogger("orders")
def handler(event, context):
    logger.info("step %s", 1, extra={"executionArn": "arn-1", "attempt": 2})
    logger.info({"kind": "dict message"})
    logger.debug("below the level")
    try:
        raise KeyError("gone")
    except KeyError:
        logger.exception("it failed")
    return 1
"""


async def test_json_log_format_matches_awslambdaric(write_function: Any) -> None:
    """AWS_LAMBDA_LOG_FORMAT=JSON (LoggingConfig LogFormat JSON): the same records, field by
    field, but for their timestamps."""
    config = write_function(
        JSON_LOG_HANDLER,
        environment=(("AWS_LAMBDA_LOG_FORMAT", "JSON"), ("AWS_LAMBDA_LOG_LEVEL", "INFO")),
    )
    seen = {}
    for client in CLIENTS:
        request = InvocationRequest(payload=b"{}")
        result = await run(config, client, request)
        assert result.ok, result.payload
        records = [json.loads(line) for line in result.logs.splitlines() if line.startswith("{")]
        for record in records:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record.pop("timestamp"))
            assert record.pop("requestId") == request.request_id
        seen[client] = json.loads(json.dumps(records).replace(str(config.code_dir), "<code>"))
    assert seen["lamina"] == seen["awslambdaric"]
    first, second, third = seen["lamina"]
    assert first == {
        "level": "INFO", "message": "step 1", "logger": "orders", "executionArn": "arn-1",
        "attempt": 2,
    }  # fmt: skip
    assert second["message"] == {"kind": "dict message"}
    assert third["errorType"] == "KeyError" and third["location"] == "<code>/app.py:handler:11"
