"""Messaging sources: SQS, SNS, EventBridge and EventBridge (CloudWatch Events) schedules."""

from __future__ import annotations

import hashlib
from datetime import datetime

from lamina.events._common import (
    DEFAULT_ACCOUNT,
    Event,
    Params,
    Spec,
    b64_token,
    default_region,
    epoch_ms,
    hex_id,
    iso_ms,
    iso_s,
    new_uuid,
    partition,
    upper_id,
)

MAX_RECORDS = 10_000


def build_sqs(p: Params, now: datetime) -> Event:
    region, account, queue, body = p["region"], p["account"], p["queue"], p["body"]
    count = p.integer("count", minimum=1, maximum=MAX_RECORDS)
    sent = epoch_ms(now)
    md5 = hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest()
    fifo = queue.endswith(".fifo")
    sender = f"AIDA{upper_id(17)}"

    records: list[object] = []
    for index in range(count):
        attributes = {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(sent),
            "SenderId": sender,
            "ApproximateFirstReceiveTimestamp": str(sent + 1),
        }
        if fifo:
            attributes |= {
                "SequenceNumber": str(18_849_496_460_467_696_128 + index),
                "MessageGroupId": "1",
                "MessageDeduplicationId": hashlib.sha256(f"{index}:{body}".encode()).hexdigest(),
            }
        records.append(
            {
                "messageId": new_uuid(),
                "receiptHandle": "AQEB" + b64_token(120),
                "body": body,
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": md5,
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:{partition(region)}:sqs:{region}:{account}:{queue}",
                "awsRegion": region,
            }
        )
    return {"Records": records}


def build_sns(p: Params, now: datetime) -> Event:
    region, account, topic = p["region"], p["account"], p["topic"]
    topic_arn = f"arn:{partition(region)}:sns:{region}:{account}:{topic}"
    subscription_arn = f"{topic_arn}:{new_uuid()}"
    endpoint = f"https://sns.{region}.amazonaws.com"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": new_uuid(),
                    "TopicArn": topic_arn,
                    "Subject": p["subject"] or None,
                    "Message": p["message"],
                    "Timestamp": iso_ms(now),
                    "SignatureVersion": "1",
                    "Signature": b64_token(256),
                    "SigningCertUrl": f"{endpoint}/SimpleNotificationService-{hex_id(32)}.pem",
                    "UnsubscribeUrl": (
                        f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"
                    ),
                    "MessageAttributes": {},
                },
            }
        ]
    }


def build_eventbridge(p: Params, now: datetime) -> Event:
    resources = [r.strip() for r in p["resources"].split(",") if r.strip()]
    return {
        "version": "0",
        "id": new_uuid(),
        "detail-type": p["detail_type"],
        "source": p["source"],
        "account": p["account"],
        "time": iso_s(now),
        "region": p["region"],
        "resources": resources,
        "detail": p.json_object("detail"),
    }


def build_scheduled(p: Params, now: datetime) -> Event:
    region, account, rule = p["region"], p["account"], p["rule"]
    rule_arn = (
        rule
        if rule.startswith("arn:")
        else (f"arn:{partition(region)}:events:{region}:{account}:rule/{rule}")
    )
    return {
        "version": "0",
        "id": new_uuid(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": iso_s(now),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


SPECS = (
    Spec(
        "sqs",
        "SQS messages delivered in a batch (a queue name ending in .fifo gives FIFO attributes)",
        {
            "body": "Hello from SQS!",
            "queue": "my-queue",
            "count": "1",
            "region": default_region,
            "account": DEFAULT_ACCOUNT,
        },
        build_sqs,
    ),
    Spec(
        "sns",
        "SNS notification delivered to a subscribed function",
        {
            "message": "Hello from SNS!",
            "topic": "my-topic",
            "subject": "",
            "region": default_region,
            "account": DEFAULT_ACCOUNT,
        },
        build_sns,
    ),
    Spec(
        "eventbridge",
        "EventBridge event matched by a rule (detail is a JSON object)",
        {
            "source": "com.example.app",
            "detail_type": "Example Event",
            "detail": '{"message": "Hello from EventBridge!"}',
            "resources": "",
            "region": default_region,
            "account": DEFAULT_ACCOUNT,
        },
        build_eventbridge,
        aliases=("events", "event-bridge", "cloudwatch-events"),
    ),
    Spec(
        "scheduled",
        "EventBridge scheduled rule firing (rate/cron)",
        {"rule": "my-schedule", "region": default_region, "account": DEFAULT_ACCOUNT},
        build_scheduled,
        aliases=("schedule", "cron", "scheduled-event"),
    ),
)
