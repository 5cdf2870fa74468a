"""What `lamina new` writes for each kind of function: the handler, its template resources,
a sample event and a unit test. The texts are plain data; scaffold.py places them."""

from __future__ import annotations

import json
import keyword
import re
import sys
from dataclasses import dataclass
from typing import Any

KINDS: dict[str, str] = {
    "plain": "a function invoked directly",
    "http-api": "an API Gateway HTTP API route (payload format 2.0)",
    "sqs": "an SQS queue consumer reporting partial batch failures",
    "s3": "an S3 ObjectCreated notification handler",
    "eventbridge": "an EventBridge rule target",
    "scheduled": "a scheduled (rate/cron) function",
}
# The name a new function of each kind gets when the editor can't ask for one (then NewFunction2,
# NewFunction3, ...); the user renames it afterwards.
NEW_NAMES: dict[str, str] = {
    "plain": "NewFunction",
    "http-api": "NewHttpApiFunction",
    "sqs": "NewSqsFunction",
    "s3": "NewS3Function",
    "eventbridge": "NewEventBridgeFunction",
    "scheduled": "NewScheduledFunction",
}
ALIASES = {
    "basic": "plain",
    "http": "http-api",
    "api": "http-api",
    "httpapi": "http-api",
    "sqs-batch": "sqs",
    "s3-upload": "s3",
    "event-bridge": "eventbridge",
    "events": "eventbridge",
    "schedule": "scheduled",
    "cron": "scheduled",
}

_SHADOWED = frozenset(getattr(sys, "stdlib_module_names", ())) | {"boto3", "botocore", "lambda"}

# (depth, text) lines of YAML; scaffold.py indents them the way the template does.
YamlLines = list[tuple[int, str]]


@dataclass(frozen=True)
class FunctionNames:
    """The names one function goes by: template key, Python module, file-friendly name."""

    logical_id: str
    module: str
    kebab: str

    @classmethod
    def from_logical_id(cls, logical_id: str) -> FunctionNames:
        words = re.findall(r"[A-Z]+\d*(?=[A-Z][a-z])|[A-Z]?[a-z]+\d*|[A-Z]+\d*|\d+", logical_id)
        if len(words) > 1 and words[-1] == "Function":
            words = words[:-1]
        lower = [word.lower() for word in words] or [logical_id.lower()]
        module = "_".join(lower)
        if module[0].isdigit():
            module = f"fn_{module}"
        if module in _SHADOWED or keyword.iskeyword(module):
            module = f"{module}_handler"  # `abc.py` would hide the standard library's abc
        return cls(logical_id=logical_id, module=module, kebab="-".join(lower))


def _header(names: FunctionNames, kind: str) -> str:
    return (
        f'"""{names.logical_id}: {KINDS[kind]}. Created by `lamina new {kind}`."""\n\n'
        "from __future__ import annotations\n\n"
    )


_LOGGER = 'logger = logging.getLogger()\nlogger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))\n\n\n'

_HANDLERS: dict[str, str] = {
    "plain": """import json
import logging
import os
from typing import Any

LOGGER
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.info("event: %s", json.dumps(event))
    name = event.get("name", "world")
    return {"message": f"Hello, {name}!"}
""",
    "http-api": """import base64
import json
import logging
import os
from typing import Any

LOGGER
ITEMS: dict[str, dict[str, Any]] = {"1": {"id": "1", "name": "example"}}


def response(status: int, body: Any) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    method = event["requestContext"]["http"]["method"]
    logger.info("%s %s", method, event.get("rawPath"))
    if method == "GET":
        return response(200, {"items": list(ITEMS.values())})
    if method == "POST":
        body = event.get("body") or "{}"
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        try:
            item = json.loads(body)
        except ValueError:
            return response(400, {"message": "the body is not JSON"})
        item["id"] = str(len(ITEMS) + 1)
        ITEMS[item["id"]] = item
        return response(201, item)
    return response(405, {"message": f"method {method} is not allowed"})
""",
    "sqs": """import json
import logging
import os
from typing import Any

LOGGER
def process(message: dict[str, Any]) -> None:
    body = json.loads(message["body"])
    logger.info("processing message %s: %s", message["messageId"], body)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # With ReportBatchItemFailures, only the failed messages go back to the queue.
    failures = []
    for record in event.get("Records", []):
        try:
            process(record)
        except Exception:
            logger.exception("message %s failed", record["messageId"])
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
""",
    "s3": """import logging
import os
from typing import Any
from urllib.parse import unquote_plus

LOGGER
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    objects = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])  # keys arrive URL-encoded
        size = record["s3"]["object"].get("size", 0)
        logger.info("%s: s3://%s/%s (%d bytes)", record["eventName"], bucket, key, size)
        objects.append(f"s3://{bucket}/{key}")
    return {"objects": objects}
""",
    "eventbridge": """import json
import logging
import os
from typing import Any

LOGGER
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    detail_type = event.get("detail-type")
    detail = event.get("detail") or {}
    logger.info("%s from %s: %s", detail_type, event.get("source"), json.dumps(detail))
    return {"handled": detail_type, "id": event.get("id")}
""",
    "scheduled": """import logging
import os
from typing import Any

LOGGER
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    rules = ", ".join(event.get("resources", []))
    logger.info("scheduled run at %s (%s)", event.get("time"), rules)
    return {"ranAt": event.get("time")}
""",
}


def handler_source(kind: str, names: FunctionNames) -> str:
    return _header(names, kind) + _HANDLERS[kind].replace("LOGGER\n", _LOGGER)


def sample_event(kind: str, names: FunctionNames) -> Any:
    if kind == "plain":
        return {"name": "world"}
    from lamina.events import generate

    settings: dict[str, dict[str, str]] = {
        "http-api": {"method": "GET", "path": f"/{names.kebab}", "route": f"ANY /{names.kebab}"},
        "sqs": {"body": json.dumps({"id": "1"}), "queue": f"{names.kebab}-queue", "count": "2"},
        "s3": {"bucket": f"{names.kebab}-bucket", "key": "uploads/example.txt"},
        "eventbridge": {
            "source": "com.example.app",
            "detail_type": "Example Event",
            "detail": json.dumps({"id": "1"}),
        },
        "scheduled": {"rule": f"{names.kebab}-schedule"},
    }
    source = {"http-api": "apigateway-http", "s3": "s3-put"}.get(kind, kind)
    return generate(source, settings[kind])


def resources(kind: str, names: FunctionNames, function_properties: YamlLines) -> YamlLines:
    """The function resource (its properties given) plus what its event source needs."""
    lines: YamlLines = [
        (0, f"{names.logical_id}:"),
        (1, "Type: AWS::Serverless::Function"),
        (1, "Properties:"),
        *[(2 + depth, text) for depth, text in function_properties],
    ]
    queue, bucket = f"{names.logical_id}Queue", f"{names.logical_id}Bucket"
    events: dict[str, YamlLines] = {
        "http-api": [
            (0, "Api:"),
            (1, "Type: HttpApi"),
            (1, "Properties:"),
            (2, f"Path: /{names.kebab}"),
            (2, "Method: ANY"),
        ],
        "sqs": [
            (0, "Queue:"),
            (1, "Type: SQS"),
            (1, "Properties:"),
            (2, f"Queue: !GetAtt {queue}.Arn"),
            (2, "BatchSize: 10"),
            (2, "FunctionResponseTypes:"),
            (3, "- ReportBatchItemFailures"),
        ],
        "s3": [
            (0, "Upload:"),
            (1, "Type: S3"),
            (1, "Properties:"),
            (2, f"Bucket: !Ref {bucket}"),
            (2, "Events: s3:ObjectCreated:*"),
        ],
        "eventbridge": [
            (0, "Rule:"),
            (1, "Type: EventBridgeRule"),
            (1, "Properties:"),
            (2, "Pattern:"),
            (3, "source:"),
            (4, "- com.example.app"),
            (3, "detail-type:"),
            (4, "- Example Event"),
        ],
        "scheduled": [
            (0, "Schedule:"),
            (1, "Type: Schedule"),
            (1, "Properties:"),
            (2, "Schedule: rate(5 minutes)"),
        ],
    }
    if kind in events:
        lines.append((2, "Events:"))
        lines += [(3 + depth, text) for depth, text in events[kind]]
    if kind == "sqs":
        # A visibility timeout of 6x the function timeout, as AWS recommends.
        lines += [
            (0, f"{queue}:"),
            (1, "Type: AWS::SQS::Queue"),
            (1, "Properties:"),
            (2, "VisibilityTimeout: 180"),
        ]
    if kind == "s3":
        lines += [(0, f"{bucket}:"), (1, "Type: AWS::S3::Bucket")]
    return lines


def extra_resource_ids(kind: str, names: FunctionNames) -> list[str]:
    return {"sqs": [f"{names.logical_id}Queue"], "s3": [f"{names.logical_id}Bucket"]}.get(kind, [])


_TEST_ASSERTIONS = {
    "plain": '    assert result == {"message": "Hello, world!"}\n',
    "http-api": (
        '    assert result["statusCode"] == 200\n    assert json.loads(result["body"])["items"]\n'
    ),
    "sqs": '    assert result == {"batchItemFailures": []}\n',
    "s3": '    assert result == {"objects": ["s3://BUCKET/uploads/example.txt"]}\n',
    "eventbridge": '    assert result["handled"] == "Example Event"\n',
    "scheduled": '    assert result == {"ranAt": event["time"]}\n',
}


def test_source(kind: str, names: FunctionNames, handler_relative: str, event_relative: str) -> str:
    """A pytest module calling the handler directly with its sample event."""
    assertions = _TEST_ASSERTIONS[kind].replace("BUCKET", f"{names.kebab}-bucket")
    return f'''"""Unit tests for {names.logical_id}: the handler called directly with its sample event."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parents[1]
HANDLER_FILE = PROJECT / "{handler_relative}"
EVENT_FILE = PROJECT / "{event_relative}"


class FakeContext:
    function_name = "{names.logical_id}"
    function_version = "$LATEST"
    memory_limit_in_mb = 128
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("{names.module}", HANDLER_FILE)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def test_handler_answers_its_sample_event(module: ModuleType) -> None:
    event: dict[str, Any] = json.loads(EVENT_FILE.read_text())
    result = module.handler(event, FakeContext())
{assertions}'''
