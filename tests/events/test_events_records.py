"""Sample events (`lamina events generate`): messaging, storage, streams, logs, Cognito, custom resources and Firehose."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from typing import Any

import pytest
from event_samples import NOW, NOW_MS, NOW_S, gen, record

from lamina.events import generate

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
