"""Sample events (`lamina events generate`): shapes, overrides, aliases and errors."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from datetime import datetime, timezone
from typing import Any

import pytest

from lamina.events import (
    EventSource,
    UnknownEventSource,
    generate,
    list_sources,
    resolve_source,
    source_names,
)

NOW = datetime(2024, 3, 5, 6, 7, 8, 901000, tzinfo=timezone.utc)
NOW_MS = 1709618828901
NOW_S = 1709618828
CLF_TIME = "05/Mar/2024:06:07:08 +0000"

SOURCES = [
    "apigateway-rest",
    "apigateway-http",
    "alb",
    "function-url",
    "apigateway-token-authorizer",
    "apigateway-request-authorizer",
    "sqs",
    "sns",
    "eventbridge",
    "scheduled",
    "s3-put",
    "s3-delete",
    "dynamodb-stream",
    "kinesis",
    "cloudwatch-logs",
    "firehose",
    "kinesis-analytics",
    "firehose-kinesis",
    "cognito-pre-signup",
    "cognito-post-confirmation",
    "cognito-pre-authentication",
    "cognito-post-authentication",
    "cognito-pre-token-generation",
    "cloudformation-custom-resource",
    "cloudfront-viewer-request",
    "cloudfront-origin-request",
    "cloudfront-viewer-response",
    "cloudfront-origin-response",
    "stepfunctions-error",
    "s3-batch",
    "codecommit",
    "codepipeline",
    "cognito-sync",
    "ses",
    "connect",
    "workmail",
    "config-change",
    "config-oversized",
    "config-periodic",
    "appsync",
    "sagemaker-pre-human",
    "sagemaker-consolidation",
    "batch-job-request",
    "batch-job-id",
    "lex",
    "lex-v2",
    "alexa-launch",
    "alexa-intent",
    "alexa-session-ended",
    "alexa-smart-home-discovery",
    "alexa-smart-home-control",
]

TOP_LEVEL_KEYS: dict[str, set[str]] = {
    "apigateway-rest": {
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    },
    # Without a query string, cookies, route parameters or a body, HTTP APIs leave those out.
    "apigateway-http": {
        "version",
        "routeKey",
        "rawPath",
        "rawQueryString",
        "headers",
        "requestContext",
        "isBase64Encoded",
    },
    "alb": {
        "requestContext",
        "httpMethod",
        "path",
        "queryStringParameters",
        "headers",
        "body",
        "isBase64Encoded",
    },
    "function-url": {
        "version",
        "routeKey",
        "rawPath",
        "rawQueryString",
        "headers",
        "requestContext",
        "pathParameters",
        "isBase64Encoded",
        "stageVariables",
    },
    "sqs": {"Records"},
    "sns": {"Records"},
    "eventbridge": {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    },
    "s3-put": {"Records"},
    "s3-delete": {"Records"},
    "dynamodb-stream": {"Records"},
    "kinesis": {"Records"},
    "cloudwatch-logs": {"awslogs"},
    "appsync": {"arguments", "identity", "source", "request", "prev", "info", "stash"},
    "sagemaker-pre-human": {"version", "labelingJobArn", "dataObject"},
    "sagemaker-consolidation": {
        "version",
        "labelingJobArn",
        "labelAttributeName",
        "roleArn",
        "payload",
    },
    "batch-job-request": {"jobName", "jobQueue", "jobDefinition"},
    "batch-job-id": {"jobId"},
    "alexa-launch": {"version", "session", "context", "request"},
    "alexa-intent": {"version", "session", "context", "request"},
    "alexa-session-ended": {"version", "session", "context", "request"},
    "alexa-smart-home-discovery": {"header", "payload"},
    "alexa-smart-home-control": {"header", "payload"},
    "lex": {
        "bot",
        "currentIntent",
        "inputTranscript",
        "invocationSource",
        "messageVersion",
        "outputDialogMode",
        "requestAttributes",
        "sessionAttributes",
        "userId",
    },
    "lex-v2": {
        "bot",
        "inputMode",
        "inputTranscript",
        "interpretations",
        "invocationSource",
        "messageVersion",
        "proposedNextState",  # the default slots leave PickupDate to fill
        "requestAttributes",
        "responseContentType",
        "sessionId",
        "sessionState",
        "transcriptions",
    },
    "kinesis-analytics": {"invocationId", "applicationArn", "streamArn", "records"},
    "firehose-kinesis": {
        "invocationId",
        "deliveryStreamArn",
        "sourceKinesisStreamArn",
        "region",
        "records",
    },
    "cloudfront-viewer-request": {"Records"},
    "cloudfront-origin-request": {"Records"},
    "cloudfront-viewer-response": {"Records"},
    "cloudfront-origin-response": {"Records"},
    "stepfunctions-error": {"Cause", "Error"},
    "s3-batch": {"invocationId", "invocationSchemaVersion", "job", "tasks"},
    "codecommit": {"Records"},
    "codepipeline": {"CodePipeline.job"},
    "cognito-sync": {
        "datasetName",
        "datasetRecords",
        "eventType",
        "identityId",
        "identityPoolId",
        "region",
        "version",
    },
    "config-change": {
        "accountId",
        "configRuleArn",
        "configRuleId",
        "configRuleName",
        "eventLeftScope",
        "executionRoleArn",
        "invokingEvent",
        "resultToken",
        "ruleParameters",
        "version",
    },
    "config-oversized": {
        "accountId",
        "configRuleArn",
        "configRuleId",
        "configRuleName",
        "eventLeftScope",
        "executionRoleArn",
        "invokingEvent",
        "resultToken",
        "ruleParameters",
        "version",
    },
    "config-periodic": {
        "accountId",
        "configRuleArn",
        "configRuleId",
        "configRuleName",
        "eventLeftScope",
        "executionRoleArn",
        "invokingEvent",
        "resultToken",
        "ruleParameters",
        "version",
    },
    "ses": {"Records"},
    "connect": {"Details", "Name"},
    "workmail": {
        "envelope",
        "flowDirection",
        "invocationId",
        "messageId",
        "sender",
        "subject",
        "summaryVersion",
        "truncated",
    },
}
TOP_LEVEL_KEYS["scheduled"] = TOP_LEVEL_KEYS["eventbridge"]
TOP_LEVEL_KEYS["firehose"] = {"invocationId", "deliveryStreamArn", "region", "records"}
TOP_LEVEL_KEYS["cloudformation-custom-resource"] = {
    "RequestType",
    "ServiceToken",
    "ResponseURL",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "ResourceType",
    "ResourceProperties",
}
TOP_LEVEL_KEYS["apigateway-token-authorizer"] = {"type", "authorizationToken", "methodArn"}
TOP_LEVEL_KEYS["apigateway-request-authorizer"] = {"type", "methodArn"} | (
    TOP_LEVEL_KEYS["apigateway-rest"] - {"body", "isBase64Encoded"}
)
for _trigger in SOURCES:
    if _trigger.startswith("cognito-") and _trigger != "cognito-sync":
        TOP_LEVEL_KEYS[_trigger] = {
            "version",
            "triggerSource",
            "region",
            "userPoolId",
            "userName",
            "callerContext",
            "request",
            "response",
        }


@pytest.fixture(autouse=True)
def _no_region_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def gen(source: str, /, **overrides: str) -> dict[str, Any]:
    """generate() at NOW, typed loosely so tests can index into the event."""
    event: dict[str, Any] = generate(source, overrides, now=NOW)
    return event


def record(event: dict[str, Any], index: int = 0) -> dict[str, Any]:
    records: list[dict[str, Any]] = event["Records"]
    return records[index]


# --- the catalogue ------------------------------------------------------------------------


def test_list_sources_names_in_order() -> None:
    sources = list_sources()
    assert [s.name for s in sources] == SOURCES
    assert source_names() == SOURCES
    assert all(isinstance(s, EventSource) for s in sources)


def test_every_source_describes_itself_and_defaults_every_key() -> None:
    for source in list_sources():
        assert source.description
        assert source.keys == tuple(key for key, _ in source.defaults)
        assert len(set(source.keys)) == len(source.keys)
        assert all(re.fullmatch(r"[a-z_]+", key) for key in source.keys)


def test_source_keys() -> None:
    keys = {s.name: s.keys for s in list_sources()}
    assert keys["apigateway-rest"] == (
        "method",
        "path",
        "query",
        "body",
        "headers",
        "resource",
        "stage",
        "region",
        "account",
    )
    assert keys["sqs"] == ("body", "queue", "count", "region", "account")
    assert keys["sns"] == ("message", "topic", "subject", "region", "account")
    assert keys["s3-put"] == ("bucket", "key", "size", "region")
    assert keys["s3-delete"] == ("bucket", "key", "region")
    assert keys["kinesis"] == ("stream", "data", "partition_key", "count", "region", "account")
    assert keys["scheduled"] == ("rule", "region", "account")
    assert keys["cognito-pre-signup"] == ("user_pool", "username", "email", "client_id", "region")


def test_event_source_is_frozen() -> None:
    source = list_sources()[0]
    with pytest.raises(AttributeError):
        source.name = "other"  # type: ignore[misc]


def test_region_default_follows_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    def sqs_region_default() -> str:
        sqs = next(s for s in list_sources() if s.name == "sqs")
        return dict(sqs.defaults)["region"]

    assert sqs_region_default() == "us-east-1"
    assert record(gen("sqs"))["awsRegion"] == "us-east-1"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    assert sqs_region_default() == "ap-south-1"
    assert record(gen("sqs"))["awsRegion"] == "ap-south-1"
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    assert sqs_region_default() == "eu-west-2"
    assert record(gen("sqs"))["eventSourceARN"] == "arn:aws:sqs:eu-west-2:123456789012:my-queue"


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_is_json_with_the_right_top_level_keys(source: str) -> None:
    event = gen(source)
    assert json.loads(json.dumps(event)) == event
    assert set(event) == TOP_LEVEL_KEYS[source]


@pytest.mark.parametrize("source", SOURCES)
def test_overrides_none_and_empty_are_the_defaults(source: str) -> None:
    assert set(generate(source, None, now=NOW)) == set(generate(source, {}, now=NOW))
    assert set(generate(source)) == TOP_LEVEL_KEYS[source]


# --- aliases and errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("apigateway", "apigateway-rest"),
        ("api-rest", "apigateway-rest"),
        ("http-api", "apigateway-http"),
        ("s3", "s3-put"),
        ("dynamodb", "dynamodb-stream"),
        ("schedule", "scheduled"),
        ("cognito", "cognito-pre-signup"),
        ("logs", "cloudwatch-logs"),
        ("lambda-url", "function-url"),
        ("SQS", "sqs"),
        ("S3_Delete", "s3-delete"),
    ],
)
def test_aliases(alias: str, name: str) -> None:
    assert resolve_source(alias) == name
    assert set(gen(alias)) == TOP_LEVEL_KEYS[name]


def test_alias_generates_the_aliased_event() -> None:
    assert record(gen("s3"))["eventName"] == "ObjectCreated:Put"
    assert gen("http-api")["version"] == "2.0"
    assert gen("cognito")["triggerSource"] == "PreSignUp_SignUp"
    assert gen("schedule")["detail-type"] == "Scheduled Event"


def test_aliases_are_unique_and_never_shadow_names() -> None:
    aliases = [alias for s in list_sources() for alias in s.aliases]
    assert len(aliases) == len(set(aliases))
    assert not set(aliases) & set(SOURCES)


def test_unknown_source_lists_the_known_ones() -> None:
    with pytest.raises(UnknownEventSource) as caught:
        generate("carrier-pigeon")
    assert isinstance(caught.value, ValueError)
    assert caught.value.source == "carrier-pigeon"
    message = str(caught.value)
    assert message.startswith("Unknown event source 'carrier-pigeon'. Known sources: ")
    for name in SOURCES:
        assert name in message


def test_unknown_key_names_it_and_the_valid_keys() -> None:
    with pytest.raises(ValueError) as caught:
        generate("sqs", {"queue_url": "x"})
    assert not isinstance(caught.value, UnknownEventSource)
    assert str(caught.value) == (
        "Unknown key 'queue_url' for event source 'sqs'. "
        "Valid keys: body, queue, count, region, account"
    )


@pytest.mark.parametrize(
    ("source", "overrides", "message"),
    [
        ("sqs", {"count": "many"}, "sqs: count='many' is not a whole number"),
        ("sqs", {"count": "0"}, "sqs: count='0' must be >= 1 and <= 10000"),
        ("s3-put", {"size": "-1"}, "s3-put: size='-1' must be >= 0"),
        ("eventbridge", {"detail": "[1, 2]"}, "eventbridge: detail='[1, 2]' must be a JSON object"),
        ("eventbridge", {"detail": "{oops"}, "eventbridge: detail='{oops' is not valid JSON"),
        ("apigateway-rest", {"headers": "nope"}, "apigateway-rest: headers='nope' is not valid"),
        (
            "dynamodb-stream",
            {"event_name": "UPSERT"},
            "dynamodb-stream: event_name='UPSERT' must be one of: INSERT, MODIFY, REMOVE",
        ),
        (
            "apigateway-rest",
            {"resource": "/users/{id}", "path": "/orders/1"},
            "apigateway-rest: path '/orders/1' does not match the route '/users/{id}'",
        ),
    ],
)
def test_unusable_values_are_explained(
    source: str, overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        generate(source, overrides)
    assert str(caught.value).startswith(message)


def test_keys_accept_hyphens_and_any_case() -> None:
    event = gen("eventbridge", **{"detail-type": "Order Placed", "Source": "shop.orders"})
    assert event["detail-type"] == "Order Placed"
    assert event["source"] == "shop.orders"


def test_ids_are_fresh_for_every_event() -> None:
    assert record(gen("sqs"))["messageId"] != record(gen("sqs"))["messageId"]
    assert gen("eventbridge")["id"] != gen("eventbridge")["id"]


def test_naive_now_is_taken_as_utc() -> None:
    event: dict[str, Any] = generate("scheduled", now=datetime(2024, 3, 5, 6, 7, 8))
    assert event["time"] == "2024-03-05T06:07:08Z"


# --- HTTP sources -------------------------------------------------------------------------


def test_apigateway_rest_defaults() -> None:
    event = gen("apigateway-rest")
    assert event["httpMethod"] == "GET"
    assert event["path"] == "/"
    assert event["resource"] == "/"
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    assert "Content-Type" not in event["headers"]
    ctx = event["requestContext"]
    assert ctx["stage"] == "prod"
    assert ctx["path"] == "/prod/"
    assert ctx["accountId"] == "123456789012"


def test_apigateway_rest_overrides() -> None:
    event = gen(
        "apigateway-rest",
        method="post",
        path="/users/42?verbose=1&tag=a&tag=b%20c",
        body='{"name": "Ada"}',
        resource="/users/{id}",
        stage="v1",
        region="eu-west-1",
        account="111122223333",
        headers='{"Authorization": "Bearer t", "user-agent": "pytest"}',
    )
    assert event["httpMethod"] == "POST"
    assert event["path"] == "/users/42"
    assert event["resource"] == "/users/{id}"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"verbose": "1", "tag": "b c"}
    assert event["multiValueQueryStringParameters"] == {"verbose": ["1"], "tag": ["a", "b c"]}
    assert event["body"] == '{"name": "Ada"}'
    headers = event["headers"]
    assert headers["Authorization"] == "Bearer t"
    assert headers["user-agent"] == "pytest"
    assert "User-Agent" not in headers
    assert headers["Content-Type"] == "application/json"
    assert headers["Content-Length"] == "15"
    assert event["multiValueHeaders"] == {name: [value] for name, value in headers.items()}

    ctx = event["requestContext"]
    api_id = ctx["apiId"]
    assert re.fullmatch(r"[0-9a-f]{10}", api_id)
    assert ctx["domainName"] == f"{api_id}.execute-api.eu-west-1.amazonaws.com"
    assert headers["Host"] == ctx["domainName"]
    assert ctx["domainPrefix"] == api_id
    assert ctx["accountId"] == "111122223333"
    assert ctx["resourcePath"] == "/users/{id}"
    assert ctx["httpMethod"] == "POST"
    assert ctx["stage"] == "v1"
    assert ctx["path"] == "/v1/users/42"
    assert ctx["protocol"] == "HTTP/1.1"
    assert ctx["requestTime"] == CLF_TIME
    assert ctx["requestTimeEpoch"] == NOW_MS
    assert ctx["identity"]["userAgent"] == "pytest"
    assert ctx["identity"]["sourceIp"] == headers["X-Forwarded-For"]
    assert ctx["identity"]["user"] is None
    assert re.fullmatch(r"[A-Za-z0-9+/]{15}=", ctx["extendedRequestId"])
    assert re.fullmatch(r"[0-9a-f-]{36}", ctx["requestId"])


def test_apigateway_rest_greedy_path_parameter() -> None:
    event = gen("apigateway", path="files/a/b.txt", resource="/{proxy+}")
    assert event["path"] == "/files/a/b.txt"
    assert event["pathParameters"] == {"proxy": "files/a/b.txt"}


def test_apigateway_http_overrides() -> None:
    event = gen(
        "apigateway-http",
        method="put",
        path="/items/7",
        query="a=1&a=2&q=x%20y",
        body="plain words",
        route="PUT /items/{id}",
        headers='{"Cookie": "s=1; theme=dark", "X-Custom": "yes"}',
        region="eu-central-1",
        account="111122223333",
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "PUT /items/{id}"
    assert event["rawPath"] == "/items/7"
    assert event["rawQueryString"] == "a=1&a=2&q=x%20y"
    assert event["queryStringParameters"] == {"a": "1,2", "q": "x y"}
    assert event["pathParameters"] == {"id": "7"}
    assert event["cookies"] == ["s=1", "theme=dark"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-custom"] == "yes"
    assert event["headers"]["content-type"] == "text/plain"
    assert all(name == name.lower() for name in event["headers"])
    assert event["body"] == "plain words"
    assert event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["accountId"] == "111122223333"
    assert ctx["domainName"] == f"{ctx['apiId']}.execute-api.eu-central-1.amazonaws.com"
    assert ctx["domainPrefix"] == ctx["apiId"]
    assert ctx["http"] == {
        "method": "PUT",
        "path": "/items/7",
        "protocol": "HTTP/1.1",
        "sourceIp": ctx["http"]["sourceIp"],
        "userAgent": event["headers"]["user-agent"],
    }
    assert ctx["routeKey"] == "PUT /items/{id}"
    assert ctx["stage"] == "$default"
    assert ctx["time"] == CLF_TIME
    assert ctx["timeEpoch"] == NOW_MS
    assert "authorizer" not in ctx


def test_apigateway_http_route_without_method_and_named_stage() -> None:
    event = gen("http-api", method="GET", path="/a/b", route="/a/{rest+}", stage="dev")
    assert event["routeKey"] == "GET /a/{rest+}"
    assert event["pathParameters"] == {"rest": "b"}
    # With a named stage, HTTP APIs put the stage in front of rawPath.
    assert event["rawPath"] == "/dev/a/b"
    assert event["requestContext"]["stage"] == "dev"


def test_function_url() -> None:
    event = gen(
        "function-url", method="POST", path="/hook", body='{"ok": true}', region="us-west-2"
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/hook"
    assert event["body"] == '{"ok": true}'
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    ctx = event["requestContext"]
    url_id = ctx["apiId"]
    assert re.fullmatch(r"[0-9a-z]{32}", url_id)
    assert ctx["domainName"] == f"{url_id}.lambda-url.us-west-2.on.aws"
    assert event["headers"]["host"] == ctx["domainName"]
    assert ctx["domainPrefix"] == url_id
    assert ctx["routeKey"] == "$default"
    assert ctx["stage"] == "$default"
    assert ctx["authentication"] is None
    assert "authorizer" not in ctx
    assert ctx["http"]["method"] == "POST"
    assert ctx["timeEpoch"] == NOW_MS


def test_alb() -> None:
    event = gen(
        "alb",
        method="delete",
        path="/things/1",
        query="a=1&a=2&b=x%20y",
        target_group="api-tg",
        region="eu-west-1",
        account="111122223333",
    )
    arn = event["requestContext"]["elb"]["targetGroupArn"]
    assert re.fullmatch(
        r"arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/api-tg/[0-9a-f]{16}",
        arn,
    )
    assert event["httpMethod"] == "DELETE"
    assert event["path"] == "/things/1"
    # ALB neither decodes query parameters nor keeps repeats.
    assert event["queryStringParameters"] == {"a": "2", "b": "x%20y"}
    assert event["body"] == ""
    assert event["isBase64Encoded"] is False
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert all(name == name.lower() for name in event["headers"])


def test_alb_accepts_a_full_target_group_arn() -> None:
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef"
    event = gen("alb", target_group=arn)
    assert event["requestContext"] == {"elb": {"targetGroupArn": arn}}


# --- messaging ----------------------------------------------------------------------------


def test_sqs_body_count_and_md5() -> None:
    body = '{"order": 42}'
    event = gen("sqs", body=body, count="3", queue="orders", region="eu-west-1", account="999")
    assert len(event["Records"]) == 3
    for rec in event["Records"]:
        assert rec["body"] == body
        assert rec["md5OfBody"] == hashlib.md5(body.encode()).hexdigest()
        assert rec["md5OfBody"] == "b71e9489176c82c46586e26a98a9f10f"
        assert rec["eventSource"] == "aws:sqs"
        assert rec["eventSourceARN"] == "arn:aws:sqs:eu-west-1:999:orders"
        assert rec["awsRegion"] == "eu-west-1"
        assert rec["messageAttributes"] == {}
        attributes = rec["attributes"]
        assert attributes["ApproximateReceiveCount"] == "1"
        assert attributes["SentTimestamp"] == str(NOW_MS)
        assert attributes["ApproximateFirstReceiveTimestamp"] == str(NOW_MS + 1)
        assert re.fullmatch(r"AIDA[A-Z2-7]{17}", attributes["SenderId"])
        assert "MessageGroupId" not in attributes
    assert len({rec["messageId"] for rec in event["Records"]}) == 3
    assert len({rec["receiptHandle"] for rec in event["Records"]}) == 3


def test_sqs_fifo_queue_adds_fifo_attributes() -> None:
    event = gen("sqs", queue="jobs.fifo", count="2")
    first, second = (rec["attributes"] for rec in event["Records"])
    assert first["MessageGroupId"] == "1"
    assert int(second["SequenceNumber"]) == int(first["SequenceNumber"]) + 1
    assert re.fullmatch(r"[0-9a-f]{64}", first["MessageDeduplicationId"])
    assert first["MessageDeduplicationId"] != second["MessageDeduplicationId"]


def test_sns() -> None:
    event = gen("sns", message="hi there", topic="alerts", subject="Alarm", region="us-west-2")
    assert len(event["Records"]) == 1
    rec = record(event)
    assert rec["EventSource"] == "aws:sns"
    assert rec["EventVersion"] == "1.0"
    assert rec["EventSubscriptionArn"].startswith("arn:aws:sns:us-west-2:123456789012:alerts:")
    sns = rec["Sns"]
    assert sns["Type"] == "Notification"
    assert sns["TopicArn"] == "arn:aws:sns:us-west-2:123456789012:alerts"
    assert sns["Subject"] == "Alarm"
    assert sns["Message"] == "hi there"
    assert sns["Timestamp"] == "2024-03-05T06:07:08.901Z"
    assert sns["SignatureVersion"] == "1"
    assert sns["MessageAttributes"] == {}
    assert sns["UnsubscribeUrl"] == (
        "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe"
        f"&SubscriptionArn={rec['EventSubscriptionArn']}"
    )


def test_sns_subject_is_null_by_default() -> None:
    assert record(gen("sns"))["Sns"]["Subject"] is None


def test_eventbridge() -> None:
    event = gen(
        "eventbridge",
        source="shop.orders",
        detail_type="Order Placed",
        detail='{"orderId": "o-1", "total": 12.5, "items": [1, 2]}',
        resources="arn:aws:s3:::a, arn:aws:s3:::b",
        region="eu-north-1",
        account="111122223333",
    )
    assert event["version"] == "0"
    assert event["source"] == "shop.orders"
    assert event["detail-type"] == "Order Placed"
    assert event["detail"] == {"orderId": "o-1", "total": 12.5, "items": [1, 2]}
    assert event["resources"] == ["arn:aws:s3:::a", "arn:aws:s3:::b"]
    assert event["account"] == "111122223333"
    assert event["region"] == "eu-north-1"
    assert event["time"] == "2024-03-05T06:07:08Z"
    assert re.fullmatch(r"[0-9a-f-]{36}", event["id"])


def test_scheduled() -> None:
    event = gen("scheduled", rule="nightly", region="ca-central-1")
    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == ["arn:aws:events:ca-central-1:123456789012:rule/nightly"]
    assert event["detail"] == {}
    assert event["time"] == "2024-03-05T06:07:08Z"
    assert event["region"] == "ca-central-1"


# --- storage ------------------------------------------------------------------------------


def test_s3_put_encodes_the_key_as_s3_does() -> None:
    event = gen(
        "s3-put", bucket="photos", key="2024/my holiday & more.jpg", size="2048", region="eu-west-3"
    )
    assert len(event["Records"]) == 1
    rec = record(event)
    assert rec["eventVersion"] == "2.1"
    assert rec["eventSource"] == "aws:s3"
    assert rec["eventName"] == "ObjectCreated:Put"
    assert rec["awsRegion"] == "eu-west-3"
    assert rec["eventTime"] == "2024-03-05T06:07:08.901Z"
    s3 = rec["s3"]
    assert s3["s3SchemaVersion"] == "1.0"
    assert s3["bucket"]["name"] == "photos"
    assert s3["bucket"]["arn"] == "arn:aws:s3:::photos"
    assert set(s3["bucket"]["ownerIdentity"]) == {"principalId"}
    obj = s3["object"]
    assert obj["key"] == "2024/my+holiday+%26+more.jpg"
    assert obj["size"] == 2048
    assert re.fullmatch(r"[0-9a-f]{32}", obj["eTag"])
    assert re.fullmatch(r"[0-9A-F]{18}", obj["sequencer"])
    assert set(obj) == {"key", "size", "eTag", "sequencer"}


def test_s3_delete_has_no_size_or_etag() -> None:
    rec = record(gen("s3-delete", bucket="b", key="a b.txt"))
    assert rec["eventName"] == "ObjectRemoved:Delete"
    assert rec["s3"]["object"]["key"] == "a+b.txt"
    assert set(rec["s3"]["object"]) == {"key", "sequencer"}


def test_dynamodb_insert_converts_plain_json_to_attribute_values() -> None:
    event = gen(
        "dynamodb-stream",
        table="Orders",
        keys='{"pk": "order#1", "sk": 7}',
        new_image='{"paid": true, "total": 12.5, "note": null, "tags": ["a"], "meta": {"n": 1}}',
        region="eu-west-1",
        account="111122223333",
    )
    rec = record(event)
    assert rec["eventName"] == "INSERT"
    assert rec["eventVersion"] == "1.1"
    assert rec["eventSource"] == "aws:dynamodb"
    assert rec["awsRegion"] == "eu-west-1"
    assert rec["eventSourceARN"] == (
        "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/stream/2024-03-05T06:07:08.901"
    )
    ddb = rec["dynamodb"]
    keys = {"pk": {"S": "order#1"}, "sk": {"N": "7"}}
    assert ddb["Keys"] == keys
    assert ddb["NewImage"] == {
        **keys,
        "paid": {"BOOL": True},
        "total": {"N": "12.5"},
        "note": {"NULL": True},
        "tags": {"L": [{"S": "a"}]},
        "meta": {"M": {"n": {"N": "1"}}},
    }
    assert "OldImage" not in ddb
    assert ddb["ApproximateCreationDateTime"] == NOW_S
    assert ddb["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert ddb["SequenceNumber"].isdigit()
    assert isinstance(ddb["SizeBytes"], int)
    assert ddb["SizeBytes"] > 0


def test_dynamodb_modify_remove_and_view_types() -> None:
    typed_keys = '{"id": {"N": "101"}}'
    modify = record(gen("dynamodb", event_name="modify", keys=typed_keys))["dynamodb"]
    assert modify["Keys"] == {"id": {"N": "101"}}
    assert modify["NewImage"] == {"id": {"N": "101"}, "message": {"S": "New item!"}}
    assert modify["OldImage"] == {"id": {"N": "101"}, "message": {"S": "Old item"}}

    remove = record(gen("dynamodb", event_name="REMOVE"))
    assert remove["eventName"] == "REMOVE"
    assert "NewImage" not in remove["dynamodb"]
    assert remove["dynamodb"]["OldImage"] == {"id": {"S": "101"}, "message": {"S": "Old item"}}

    keys_only = record(gen("dynamodb", event_name="MODIFY", view_type="keys_only"))["dynamodb"]
    assert keys_only["StreamViewType"] == "KEYS_ONLY"
    assert set(keys_only) == {
        "ApproximateCreationDateTime",
        "Keys",
        "SequenceNumber",
        "SizeBytes",
        "StreamViewType",
    }


def test_dynamodb_count_gives_rising_sequence_numbers() -> None:
    event = gen("dynamodb-stream", count="3")
    sequences = [int(rec["dynamodb"]["SequenceNumber"]) for rec in event["Records"]]
    assert sequences == [sequences[0], sequences[0] + 1, sequences[0] + 2]
    assert len({rec["eventID"] for rec in event["Records"]}) == 3


# --- streams ------------------------------------------------------------------------------


def test_kinesis_data_is_base64() -> None:
    event = gen(
        "kinesis",
        stream="clicks",
        data='{"page": "/home"}',
        partition_key="user-9",
        count="2",
        region="eu-west-1",
        account="111122223333",
    )
    assert len(event["Records"]) == 2
    for rec in event["Records"]:
        kinesis = rec["kinesis"]
        assert base64.b64decode(kinesis["data"]) == b'{"page": "/home"}'
        assert kinesis["partitionKey"] == "user-9"
        assert kinesis["kinesisSchemaVersion"] == "1.0"
        assert kinesis["approximateArrivalTimestamp"] == NOW_MS / 1000
        assert re.fullmatch(r"\d{56}", kinesis["sequenceNumber"])
        assert rec["eventID"] == f"shardId-000000000000:{kinesis['sequenceNumber']}"
        assert rec["eventSource"] == "aws:kinesis"
        assert rec["eventVersion"] == "1.0"
        assert rec["eventName"] == "aws:kinesis:record"
        assert rec["invokeIdentityArn"] == "arn:aws:iam::111122223333:role/lambda-role"
        assert rec["awsRegion"] == "eu-west-1"
        assert rec["eventSourceARN"] == "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
    first, second = (int(rec["kinesis"]["sequenceNumber"]) for rec in event["Records"])
    assert second == first + 1


def _awslogs_payload(event: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(
        gzip.decompress(base64.b64decode(event["awslogs"]["data"]))
    )
    return payload


def test_cloudwatch_logs_data_decodes_to_the_message() -> None:
    event = gen(
        "cloudwatch-logs",
        log_group="/aws/lambda/orders",
        log_stream="2024/03/05/[$LATEST]abc",
        message="ERROR something broke",
        count="2",
        filter="errors",
        account="111122223333",
    )
    assert set(event["awslogs"]) == {"data"}
    first_id = _awslogs_payload(event)["logEvents"][0]["id"]
    assert _awslogs_payload(event) == {
        "messageType": "DATA_MESSAGE",
        "owner": "111122223333",
        "logGroup": "/aws/lambda/orders",
        "logStream": "2024/03/05/[$LATEST]abc",
        "subscriptionFilters": ["errors"],
        "logEvents": [
            {"id": first_id, "timestamp": NOW_MS, "message": "ERROR something broke"},
            {"id": str(int(first_id) + 1), "timestamp": NOW_MS, "message": "ERROR something broke"},
        ],
    }
    assert re.fullmatch(r"\d{56}", first_id)


def test_cloudwatch_logs_default_log_stream() -> None:
    payload = _awslogs_payload(gen("logs"))
    assert re.fullmatch(r"2024/03/05/\[\$LATEST\][0-9a-f]{32}", payload["logStream"])
    assert payload["logGroup"] == "/aws/lambda/my-function"
    assert payload["owner"] == "123456789012"


# --- Cognito ------------------------------------------------------------------------------


def test_cognito_pre_signup() -> None:
    event = gen(
        "cognito-pre-signup",
        user_pool="eu-west-1_AbCdEf123",
        username="ada",
        email="ada@example.org",
        client_id="client123",
        region="eu-west-1",
    )
    assert event == {
        "version": "1",
        "triggerSource": "PreSignUp_SignUp",
        "region": "eu-west-1",
        "userPoolId": "eu-west-1_AbCdEf123",
        "userName": "ada",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client123"},
        "request": {"userAttributes": {"email": "ada@example.org"}, "validationData": None},
        "response": {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    }


def test_cognito_user_pool_defaults_from_region() -> None:
    assert gen("cognito", region="ap-southeast-2")["userPoolId"] == "ap-southeast-2_EXAMPLE"


@pytest.mark.parametrize(
    ("source", "trigger_source", "response"),
    [
        ("cognito-post-confirmation", "PostConfirmation_ConfirmSignUp", {}),
        ("cognito-pre-authentication", "PreAuthentication_Authentication", {}),
        ("cognito-post-authentication", "PostAuthentication_Authentication", {}),
        (
            "cognito-pre-token-generation",
            "TokenGeneration_Authentication",
            {"claimsOverrideDetails": None},
        ),
    ],
)
def test_other_cognito_triggers(
    source: str, trigger_source: str, response: dict[str, object]
) -> None:
    event = gen(source, username="ada", email="ada@example.org")
    assert event["triggerSource"] == trigger_source
    assert event["userName"] == "ada"
    assert event["response"] == response
    attributes = event["request"]["userAttributes"]
    assert attributes["email"] == "ada@example.org"
    assert attributes["email_verified"] == "true"
    assert attributes["cognito:user_status"] == "CONFIRMED"
    # The same user keeps the same sub from one event to the next.
    assert attributes["sub"] == gen(source, username="ada")["request"]["userAttributes"]["sub"]
    assert re.fullmatch(r"[0-9a-f-]{36}", attributes["sub"])


def test_custom_resource_requests_by_type() -> None:
    create = generate("custom-resource", {"properties": '{"Size": 3}', "stack": "orders"})
    assert create["ResourceProperties"] == {"ServiceToken": create["ServiceToken"], "Size": 3}
    assert "PhysicalResourceId" not in create and "OldResourceProperties" not in create
    assert str(create["StackId"]).startswith("arn:aws:cloudformation:")
    update = generate("custom-resource", {"request_type": "update", "physical_id": "res-1"})
    assert (update["RequestType"], update["PhysicalResourceId"]) == ("Update", "res-1")
    assert "OldResourceProperties" in update
    delete = generate("custom-resource", {"request_type": "Delete"})
    assert "OldResourceProperties" not in delete and delete["PhysicalResourceId"]
    with pytest.raises(ValueError, match="request_type='Drop' must be one of"):
        generate("custom-resource", {"request_type": "Drop"})


def test_firehose_records_carry_base64_data() -> None:
    event = generate("kinesis-firehose", {"data": "order 7", "count": "2"}, now=NOW)
    records = event["records"]
    assert isinstance(records, list) and len(records) == 2
    assert base64.b64decode(records[0]["data"]) == b"order 7"
    assert records[0]["approximateArrivalTimestamp"] == NOW_MS
    assert records[0]["recordId"] != records[1]["recordId"]
