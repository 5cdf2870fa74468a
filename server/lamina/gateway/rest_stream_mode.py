"""An integration's response transfer mode, as a template gives it: a SAM Api event's
`ResponseTransferMode`, OpenAPI's
x-amazon-apigateway-integration `responseTransferMode`, CloudFormation's Method Integration
`ResponseTransferMode` (what `cdk synth` writes for LambdaIntegration's responseTransferMode),
Terraform's aws_api_gateway_integration `response_transfer_mode`. STREAM routes are served by
rest_streaming.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lamina.project.cfn_values import to_text

STREAM = "STREAM"
BUFFERED = "BUFFERED"
STREAMING_URI = "/response-streaming-invocations"


def transfer_mode(
    mode: Any, uri: Any, where: str, warn: Callable[[str, str], None], *, served: bool
) -> bool:
    """Whether an integration streams (`mode` is its responseTransferMode); `served`: it is a
    REST API's Lambda proxy integration, the only kind Lamina streams. A mode API Gateway would
    refuse, or a URI that does not match it, is named once."""
    text = to_text(mode).upper() if mode is not None else BUFFERED
    if text not in (STREAM, BUFFERED):
        warn(where, f"responseTransferMode {to_text(mode)} is not STREAM or BUFFERED; buffered")
        return False
    if text == BUFFERED:
        return False
    if not served:
        warn(where, "responseTransferMode STREAM is for REST APIs' proxy integrations; buffered")
        return False
    uri_text = _text_of(uri)
    if uri_text is not None and not uri_text.endswith(STREAMING_URI):
        warn(
            where,
            f"responseTransferMode STREAM with a URI not ending in {STREAMING_URI}: on AWS the "
            "integration calls InvokeWithResponseStream "
            "(…:lambda:path/2021-11-15/functions/<arn>/response-streaming-invocations)",
        )
    return True


def openapi_streams(
    integration: Mapping[str, Any], rest: bool, where: str, warn: Callable[[str, str], None]
) -> bool:
    """Whether an OpenAPI operation's x-amazon-apigateway-integration streams."""
    proxy = to_text(integration.get("type") or "").lower() == "aws_proxy"
    mode, uri = integration.get("responseTransferMode"), integration.get("uri")
    return transfer_mode(mode, uri, where, warn, served=proxy and rest)


def _text_of(uri: Any) -> str | None:
    """The URI's literal text where it is one (a string, a Sub's template, a Join's last
    part), else None."""
    if isinstance(uri, str):
        return uri
    if isinstance(uri, Mapping):
        sub = uri.get("Fn::Sub")
        if sub is not None:
            return _text_of(sub[0] if isinstance(sub, list) and sub else sub)
        join = uri.get("Fn::Join")
        if isinstance(join, list) and len(join) == 2 and isinstance(join[1], list) and join[1]:
            return _text_of(join[1][-1])
    return None
