"""Lambda@Edge: the events CloudFront gives a function at its four trigger points.

A viewer/origin request carries `config` and `request`; a viewer/origin response also carries
`response`. Headers are CloudFront's lower-cased map of `[{key, value}]` lists; `querystring`
is the raw query without `?`. Origin requests also name the origin (an S3 origin here).
"""

from __future__ import annotations

from datetime import datetime

from lamina.events._common import (
    SOURCE_IP,
    USER_AGENT,
    Builder,
    Event,
    Params,
    Spec,
    b64_token,
)

_REASONS = {"200": "OK", "301": "Moved Permanently", "302": "Found", "304": "Not Modified",
            "403": "Forbidden", "404": "Not Found", "500": "Internal Server Error"}  # fmt: skip


def _header(name: str, value: str) -> list[dict[str, str]]:
    return [{"key": "-".join(part.capitalize() for part in name.split("-")), "value": value}]


def _headers(values: dict[str, str]) -> dict[str, object]:
    return {name.lower(): _header(name, value) for name, value in values.items()}


def _build(event_type: str, p: Params) -> Event:
    domain = f"{p['distribution'].lower()}.cloudfront.net"
    headers = {"host": domain, "user-agent": USER_AGENT}
    headers |= {"cloudfront-viewer-country": p["country"]} if p["country"] else {}
    headers |= p.string_map("headers")
    request: dict[str, object] = {
        "clientIp": SOURCE_IP,
        "headers": _headers(headers),
        "method": p["method"].upper(),
        "querystring": p["querystring"],
        "uri": p["uri"],
    }
    if event_type == "origin-request":
        bucket = f"{p['distribution'].lower()}-origin.s3.amazonaws.com"
        request["origin"] = {
            "s3": {"authMethod": "none", "customHeaders": {}, "domainName": bucket, "path": ""}
        }
    cf: dict[str, object] = {
        "config": {
            "distributionDomainName": domain,
            "distributionId": p["distribution"],
            "eventType": event_type,
            "requestId": b64_token(42),
        },
        "request": request,
    }
    if event_type.endswith("response"):
        status = str(p.integer("status", minimum=100, maximum=599))
        cf["response"] = {
            "headers": _headers({"content-type": "text/html", "server": "AmazonS3"}),
            "status": status,
            "statusDescription": _REASONS.get(status, ""),
        }
    return {"Records": [{"cf": cf}]}


def _builder(event_type: str) -> Builder:
    def build(p: Params, now: datetime) -> Event:
        return _build(event_type, p)

    return build


_DEFAULTS = {
    "uri": "/index.html",
    "method": "GET",
    "querystring": "",
    "headers": "{}",
    "country": "",
    "distribution": "EDFDVBD6EXAMPLE",
}

SPECS = (
    Spec(
        "cloudfront-viewer-request",
        "Lambda@Edge viewer request (headers: a JSON object of extra headers)",
        _DEFAULTS,
        _builder("viewer-request"),
        aliases=("cloudfront", "lambda-edge", "cloudfront-request"),
    ),
    Spec(
        "cloudfront-origin-request",
        "Lambda@Edge origin request, to an S3 origin",
        _DEFAULTS,
        _builder("origin-request"),
    ),
    Spec(
        "cloudfront-viewer-response",
        "Lambda@Edge viewer response (status: the origin's HTTP status)",
        {**_DEFAULTS, "status": "200"},
        _builder("viewer-response"),
    ),
    Spec(
        "cloudfront-origin-response",
        "Lambda@Edge origin response (status: the origin's HTTP status)",
        {**_DEFAULTS, "status": "200"},
        _builder("origin-response"),
        aliases=("cloudfront-response",),
    ),
)
