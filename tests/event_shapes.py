"""The shape of an event, for comparing Lamina's sample events with `sam local generate-event`'s:
every key path, with list items folded into one `[]` step (values differ: ids, times)."""

from __future__ import annotations

import re
from typing import Any

# SAM service/type -> Lamina's source, for the types Lamina builds.
SAM_TO_LAMINA: dict[tuple[str, str], str] = {
    ("alb", "request"): "alb",
    ("apigateway", "aws-proxy"): "apigateway-rest",
    ("apigateway", "http-api-proxy"): "apigateway-http",
    ("apigateway", "authorizer"): "apigateway-token-authorizer",
    ("apigateway", "request-authorizer"): "apigateway-request-authorizer",
    ("sqs", "receive-message"): "sqs",
    ("sns", "notification"): "sns",
    ("cloudwatch", "scheduled-event"): "scheduled",
    ("cloudwatch", "logs"): "cloudwatch-logs",
    ("s3", "put"): "s3-put",
    ("s3", "delete"): "s3-delete",
    ("dynamodb", "update"): "dynamodb-stream",
    ("kinesis", "get-records"): "kinesis",
    ("kinesis", "kinesis-firehose"): "firehose",
    ("cloudformation", "create-request"): "cloudformation-custom-resource",
}


def key_paths(value: Any, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            paths.add(path)
            paths |= key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, prefix + "[]")
    return paths


# Maps whose keys are the user's data (headers, query strings, attributes, item images) and parts
# present only with a configuration Lamina's samples leave out (a JWT authorizer, mutual TLS):
# their contents differ by design, so only the map itself is compared.
DATA_MAPS = (
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "cookies",
    "body",
    "requestContext.authorizer",
    "requestContext.authentication",
    "requestContext.identity.clientCert",
    "Records[].Sns.MessageAttributes",
    "Records[].dynamodb.Keys",
    "Records[].dynamodb.NewImage",
    "Records[].dynamodb.OldImage",
    "ResourceProperties",
)


def in_data_map(path: str) -> bool:
    """Whether `path` (list items as `[]` or `[n]`) lies in one of the DATA_MAPS."""
    path = re.sub(r"\[\d+\]", "[]", path)
    return any(path.startswith(data + ".") or path == data for data in DATA_MAPS)


def fixed_paths(event: Any) -> set[str]:
    """The key paths AWS fixes: every path, less what lies inside a data map."""
    return {path for path in key_paths(event) if not in_data_map(path)}


def leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """path -> value of every scalar, list items numbered."""
    found: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found |= leaves(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= leaves(item, f"{prefix}[{index}]")
    else:
        found[prefix] = value
    return found


# SAM's option -> Lamina's --set key, and a value to give both.
SAM_OPTIONS: dict[str, tuple[str, str]] = {
    "account-id": ("account", "210987654321"),
    "region": ("region", "eu-west-3"),
    "method": ("method", "PUT"),
    "stage": ("stage", "staging"),
    "queue-name": ("queue", "orders-queue"),
    "topic": ("topic", "orders-topic"),
    "subject": ("subject", "an order"),
    "message": ("message", "order 7 placed"),
    "rule": ("rule", "nightly-rule"),
    "bucket": ("bucket", "orders-bucket"),
    "key": ("key", "incoming/order-7.json"),
    "table": ("table", "OrdersTable"),
    "partition-key": ("partition_key", "order-7"),
    "stack": ("stack", "orders-stack"),
    "data": ("data", "order 7"),
}
