"""What the sample-event tests share: a fixed clock, the sources in catalogue order, each one's
top-level keys, and `gen` (generate() at that clock)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from lamina.events import generate

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

RECORDS = {"Records"}  # the notifications that batch their records
EVENTBRIDGE = {
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
}
APIGATEWAY_REST = {
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
}
# Without a query string, cookies, route parameters or a body, HTTP APIs leave those out.
APIGATEWAY_HTTP = {
    "version",
    "routeKey",
    "rawPath",
    "rawQueryString",
    "headers",
    "requestContext",
    "isBase64Encoded",
}
CONFIG_RULE = {
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
}
COGNITO_USER_POOL = {
    "version",
    "triggerSource",
    "region",
    "userPoolId",
    "userName",
    "callerContext",
    "request",
    "response",
}
ALEXA_SKILL = {"version", "session", "context", "request"}
ALEXA_SMART_HOME = {"header", "payload"}

TOP_LEVEL_KEYS: dict[str, set[str]] = {
    "apigateway-rest": APIGATEWAY_REST,
    "apigateway-http": APIGATEWAY_HTTP,
    "alb": {
        "requestContext",
        "httpMethod",
        "path",
        "queryStringParameters",
        "headers",
        "body",
        "isBase64Encoded",
    },
    "function-url": APIGATEWAY_HTTP | {"pathParameters", "stageVariables"},
    "apigateway-token-authorizer": {"type", "authorizationToken", "methodArn"},
    "apigateway-request-authorizer": {"type", "methodArn"}
    | (APIGATEWAY_REST - {"body", "isBase64Encoded"}),
    "sqs": RECORDS,
    "sns": RECORDS,
    "eventbridge": EVENTBRIDGE,
    "scheduled": EVENTBRIDGE,
    "s3-put": RECORDS,
    "s3-delete": RECORDS,
    "dynamodb-stream": RECORDS,
    "kinesis": RECORDS,
    "cloudwatch-logs": {"awslogs"},
    "firehose": {"invocationId", "deliveryStreamArn", "region", "records"},
    "kinesis-analytics": {"invocationId", "applicationArn", "streamArn", "records"},
    "firehose-kinesis": {
        "invocationId",
        "deliveryStreamArn",
        "sourceKinesisStreamArn",
        "region",
        "records",
    },
    **{n: COGNITO_USER_POOL for n in SOURCES if n.startswith("cognito-") and n != "cognito-sync"},
    "cloudformation-custom-resource": {
        "RequestType",
        "ServiceToken",
        "ResponseURL",
        "StackId",
        "RequestId",
        "LogicalResourceId",
        "ResourceType",
        "ResourceProperties",
    },
    "cloudfront-viewer-request": RECORDS,
    "cloudfront-origin-request": RECORDS,
    "cloudfront-viewer-response": RECORDS,
    "cloudfront-origin-response": RECORDS,
    "stepfunctions-error": {"Cause", "Error"},
    "s3-batch": {"invocationId", "invocationSchemaVersion", "job", "tasks"},
    "codecommit": RECORDS,
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
    "ses": RECORDS,
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
    "config-change": CONFIG_RULE,
    "config-oversized": CONFIG_RULE,
    "config-periodic": CONFIG_RULE,
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
    "alexa-launch": ALEXA_SKILL,
    "alexa-intent": ALEXA_SKILL,
    "alexa-session-ended": ALEXA_SKILL,
    "alexa-smart-home-discovery": ALEXA_SMART_HOME,
    "alexa-smart-home-control": ALEXA_SMART_HOME,
}


def gen(source: str, /, **overrides: str) -> dict[str, Any]:
    """generate() at NOW, typed loosely so tests can index into the event."""
    event: dict[str, Any] = generate(source, overrides, now=NOW)
    return event


def record(event: dict[str, Any], index: int = 0) -> dict[str, Any]:
    records: list[dict[str, Any]] = event["Records"]
    return records[index]
