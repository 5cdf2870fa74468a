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
    # Lambda@Edge: SAM's twelve samples are each one of the four trigger points.
    ("cloudfront", "ab-test"): "cloudfront-viewer-request",
    ("cloudfront", "access-request-in-response"): "cloudfront-viewer-response",
    ("cloudfront", "http-redirect"): "cloudfront-viewer-request",
    ("cloudfront", "modify-querystring"): "cloudfront-viewer-request",
    ("cloudfront", "modify-response-header"): "cloudfront-origin-response",
    ("cloudfront", "multiple-remote-calls-aggregate-response"): "cloudfront-viewer-request",
    ("cloudfront", "normalize-querystring-to-improve-cache-hit"): "cloudfront-viewer-request",
    ("cloudfront", "redirect-on-viewer-country"): "cloudfront-origin-request",
    ("cloudfront", "redirect-unauthenticated-users"): "cloudfront-viewer-request",
    ("cloudfront", "response-generation"): "cloudfront-origin-request",
    ("cloudfront", "serve-object-on-viewer-device"): "cloudfront-origin-request",
    ("cloudfront", "simple-remote-call"): "cloudfront-viewer-request",
    ("stepfunctions", "error"): "stepfunctions-error",
    ("s3", "batch-invocation"): "s3-batch",
    ("rekognition", "s3-request"): "s3-put",  # an S3 notification to an image-labelling function
    ("codecommit", "repository"): "codecommit",
    ("codepipeline", "job"): "codepipeline",
    ("cognito", "sync-trigger"): "cognito-sync",
    ("config", "item-change-notification"): "config-change",
    ("config", "oversized-item-change-notification"): "config-oversized",
    ("config", "periodic-rule"): "config-periodic",
    ("ses", "email-receiving"): "ses",
    ("connect", "contact-flow-event"): "connect",
    ("workmail", "email"): "workmail",
    ("kinesis", "analytics"): "kinesis-analytics",
    ("kinesis", "analytics-compressed"): "kinesis-analytics",  # the same, its data gzipped
    ("kinesis", "analytics-dynamodb"): "kinesis-analytics",  # the same, its data a JSON row
    ("kinesis", "analytics-kpl"): "kinesis-analytics",
    ("kinesis", "apachelog"): "firehose",  # Firehose transformations of log lines
    ("kinesis", "syslog"): "firehose",
    ("kinesis", "cloudwatch-logs-processor"): "firehose",
    ("kinesis", "streams-as-source"): "firehose-kinesis",
    ("appsync", "resolver"): "appsync",
    ("sagemaker", "ground-truth-pre-human"): "sagemaker-pre-human",
    ("sagemaker", "ground-truth-annotation-consolidation"): "sagemaker-consolidation",
    # SAM's batch samples are a job's name, queue and definition (get-job) and a job id
    # (submit-job): the inputs of functions that submit a job and that look one up.
    ("batch", "get-job"): "batch-job-request",
    ("batch", "submit-job"): "batch-job-id",
    # Lex: SAM's samples are each bot's code hook; the intents and slots are the user's.
    ("lex", "book-car"): "lex",
    ("lex", "book-hotel"): "lex",
    ("lex", "make-appointment"): "lex",
    ("lex", "order-flowers"): "lex",
    ("lex-v2", "banking-bot"): "lex-v2",
    ("lex-v2", "book-car"): "lex-v2",
    ("lex-v2", "book-hotel"): "lex-v2",
    # Alexa: SAM's intent samples differ only in the intent and its slots.
    ("alexa-skills-kit", "start-session"): "alexa-launch",
    ("alexa-skills-kit", "intent-answer"): "alexa-intent",
    ("alexa-skills-kit", "intent-getnewfact"): "alexa-intent",
    ("alexa-skills-kit", "intent-mycoloris"): "alexa-intent",
    ("alexa-skills-kit", "intent-recipe"): "alexa-intent",
    ("alexa-skills-kit", "end-session"): "alexa-session-ended",
    ("alexa-smart-home", "smart-home-discovery-request"): "alexa-smart-home-discovery",
    ("alexa-smart-home", "smart-home-control-turn-on-request"): "alexa-smart-home-control",
    ("alexa-smart-home", "smart-home-control-turn-off-request"): "alexa-smart-home-control",
}

# Keys SAM's samples misspell, and the name AWS gives them.
SAM_MISSPELLED = {"deliverySteamArn": "deliveryStreamArn"}


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
    "Records[].cf.request.headers",
    "Records[].cf.response.headers",
    "Records[].ses.mail.headers",
    "datasetRecords",
    "Details.ContactData.Attributes",
    "Details.Parameters",
    "arguments",
    "identity.claims",
    "request.headers",
    "info.variables",
    "stash",
    "sessionAttributes",
    "requestAttributes",
    "currentIntent.slots",
    "currentIntent.slotDetails",
    "interpretations[].intent.slots",
    "sessionState.intent.slots",
    "sessionState.sessionAttributes",
    "sessionState.activeContexts",
    "proposedNextState.intent.slots",
    "transcriptions[].resolvedSlots",
    "request.intent.slots",
    "session.attributes",
    "payload.appliance.additionalApplianceDetails",
)


def in_data_map(path: str) -> bool:
    """Whether `path` (list items as `[]` or `[n]`) lies in one of the DATA_MAPS."""
    path = re.sub(r"\[\d+\]", "[]", path)
    return any(path.startswith(data + ".") or path == data for data in DATA_MAPS)


def fixed_paths(event: Any) -> set[str]:
    """The key paths AWS fixes: every path, less what lies inside a data map (with SAM's
    misspelled keys as AWS spells them)."""
    paths = {path for path in key_paths(event) if not in_data_map(path)}
    for wrong, right in SAM_MISSPELLED.items():
        paths = {path.replace(wrong, right) for path in paths}
    return paths


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
    "uri": ("uri", "/orders/7.html"),
    "error": ("error", "OrderFailed"),
    "cause": ("cause", "order 7 could not be charged"),
    "bucket-arn": ("bucket_arn", "arn:aws:s3:::orders-bucket"),
    "repository": ("repository", "orders-repo"),
    "trigger": ("trigger", "orders-trigger"),
    "custom-data": ("custom_data", "orders custom data"),
    "input-bucket": ("input_bucket", "orders-in"),
    "input-key": ("input_key", "in/order-7.zip"),
    "output-bucket": ("output_bucket", "orders-out"),
    "output-key": ("output_key", "out/order-7.zip"),
    "contact-id": ("contact_id", "0b7c4c1e-7e0a-4c55-9d0f-5d1f2a9b7e11"),
    "phone-number": ("phone_number", "+15555550177"),
    "flow-direction": ("flow_direction", "OUTBOUND"),
    "mail-from": ("mail_from", "orders@example.com"),
    "sender": ("sender", "shop@example.com"),
    "application": ("application", "orders-analytics"),
    "stream": ("stream", "orders-stream"),
    "source-ref": ("source_ref", "s3://orders/img-7.jpg"),
    "labeling-job-name": ("labeling_job_name", "orders-labels"),
    "label-attribute-name": ("label_attribute_name", "order-label"),
    "s3-output-path": ("output_path", "s3://orders-out/labels"),
    "execution-role": ("execution_role", "orders-role"),
    "iteration-object-timestamp": ("iteration_object_timestamp", "2026-01-02_03:04:05"),
    "session-id": ("session_id", "SESSION7"),
    "user-id": ("user_id", "USER7"),
    "application-id": ("application_id", "SKILL7"),
    "request-id": ("request_id", "REQUEST7"),
}
