"""Sources from AWS's operations services: Step Functions task errors, S3 Batch Operations,
CodeCommit triggers, CodePipeline jobs, Cognito Sync, SES receipt rules,
Amazon Connect contact flows and WorkMail rules, each shaped as AWS's documentation shows it."""

from __future__ import annotations

from datetime import datetime

from lamina.events._common import (
    DEFAULT_ACCOUNT,
    Default,
    Event,
    Params,
    Spec,
    b64_token,
    default_region,
    hex_id,
    iso_ms,
    new_uuid,
    partition,
    upper_id,
)


def build_stepfunctions_error(p: Params, now: datetime) -> Event:
    """What a Catch hands the next state (ResultPath $): the error name and its cause."""
    return {"Error": p["error"], "Cause": p["cause"]}


def build_s3_batch(p: Params, now: datetime) -> Event:
    """An S3 Batch Operations "Invoke AWS Lambda function" task (schema 1.0)."""
    bucket_arn = p["bucket_arn"] or f"arn:aws:s3:::{p['bucket']}"
    task = {"taskId": b64_token(12), "s3Key": p["key"], "s3VersionId": None,
            "s3BucketArn": bucket_arn}  # fmt: skip
    if p["version_id"]:
        task["s3VersionId"] = p["version_id"]
    return {
        "invocationSchemaVersion": "1.0",
        "invocationId": b64_token(36),
        "job": {"id": new_uuid()},
        "tasks": [task],
    }


def build_codecommit(p: Params, now: datetime) -> Event:
    region, account, repository = p["region"], p["account"], p["repository"]
    arn_partition = partition(region)
    trigger_id = new_uuid()
    record = {
        "awsRegion": region,
        "codecommit": {"references": [{"commit": hex_id(40), "ref": p["ref"]}]},
        "customData": p["custom_data"],
        "eventId": new_uuid(),
        "eventName": "ReferenceChanges",
        "eventPartNumber": 1,
        "eventSource": "aws:codecommit",
        "eventSourceARN": f"arn:{arn_partition}:codecommit:{region}:{account}:{repository}",
        "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000",
        "eventTotalParts": 1,
        "eventTriggerConfigId": trigger_id,
        "eventTriggerName": p["trigger"],
        "eventVersion": "1.0",
        "userIdentityARN": f"arn:{arn_partition}:iam::{account}:user/developer",
    }
    return {"Records": [record]}


def _artifact(name: str, bucket: str, key: str, revision: str | None) -> dict[str, object]:
    location = {"type": "S3", "s3Location": {"bucketName": bucket, "objectKey": key}}
    return {"name": name, "revision": revision, "location": location}


def build_codepipeline(p: Params, now: datetime) -> Event:
    """A Lambda invoke action's job: its artifacts and the temporary credentials to reach them
    (sample values: an ASIA key id and a random secret, not real credentials)."""
    data = {
        "actionConfiguration": {
            "configuration": {
                "FunctionName": p["function"],
                "UserParameters": p["user_parameters"],
            }
        },
        "inputArtifacts": [
            _artifact("SourceOutput", p["input_bucket"], p["input_key"], hex_id(40))
        ],
        "outputArtifacts": [_artifact("BuildOutput", p["output_bucket"], p["output_key"], None)],
        "artifactCredentials": {
            "accessKeyId": f"ASIA{upper_id(16)}",
            "secretAccessKey": b64_token(30),
            "sessionToken": b64_token(120),
            "expirationTime": int(now.timestamp() * 1000) + 3_600_000,
        },
    }
    return {"CodePipeline.job": {"id": new_uuid(), "accountId": p["account"], "data": data}}


def build_cognito_sync(p: Params, now: datetime) -> Event:
    records = {
        key: {"oldValue": None, "newValue": value, "op": "replace"}
        for key, value in p.string_map("records").items()
    }
    return {
        "version": 2,
        "eventType": "SyncTrigger",
        "region": p["region"],
        "identityPoolId": f"{p['region']}:{new_uuid()}",
        "identityId": f"{p['region']}:{new_uuid()}",
        "datasetName": p["dataset"],
        "datasetRecords": records,
    }


# --- SES, Connect, WorkMail -----------------------------------------------------------------


def build_ses(p: Params, now: datetime) -> Event:
    """An SES receipt rule's Lambda action (the mail's headers, not its body)."""
    region, account = p["region"], p["account"]
    sender, recipient, subject = p["from"], p["to"], p["subject"]
    message_id = f"<{new_uuid()}@mail.example.com>"
    date = now.strftime("%a, %d %b %Y %H:%M:%S +0000")
    verdict = {"status": "PASS"}
    mail = {
        "timestamp": iso_ms(now),
        "source": sender,
        "messageId": hex_id(40),
        "destination": [recipient],
        "headersTruncated": False,
        "headers": [
            {"name": "Return-Path", "value": f"<{sender}>"},
            {"name": "From", "value": sender},
            {"name": "Date", "value": date},
            {"name": "To", "value": recipient},
            {"name": "Message-ID", "value": message_id},
            {"name": "Subject", "value": subject},
            {"name": "MIME-Version", "value": "1.0"},
            {"name": "Content-Type", "value": "text/plain; charset=UTF-8"},
        ],
        "commonHeaders": {
            "returnPath": sender,
            "from": [sender],
            "date": date,
            "to": [recipient],
            "messageId": message_id,
            "subject": subject,
        },
    }
    receipt = {
        "timestamp": iso_ms(now),
        "processingTimeMillis": 420,
        "recipients": [recipient],
        "spamVerdict": verdict,
        "virusVerdict": verdict,
        "spfVerdict": verdict,
        "dkimVerdict": verdict,
        "dmarcVerdict": verdict,
        "action": {
            "type": "Lambda",
            "functionArn": (
                f"arn:{partition(region)}:lambda:{region}:{account}:function:{p['function']}"
            ),
            "invocationType": "Event",
        },
    }
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {"mail": mail, "receipt": receipt},
            }
        ]
    }


def build_connect(p: Params, now: datetime) -> Event:
    region, account = p["region"], p["account"]
    arn_partition = partition(region)
    contact = p["contact_id"] or new_uuid()
    instance = new_uuid()
    phone = {"Address": p["phone_number"], "Type": "TELEPHONE_NUMBER"}
    stream = f"connect-contact-{new_uuid()}/{int(now.timestamp() * 1000)}"
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": {},
                "Channel": "VOICE",
                "ContactId": contact,
                "CustomerEndpoint": phone,
                "InitialContactId": contact,
                "InitiationMethod": "INBOUND",
                "InstanceARN": f"arn:{arn_partition}:connect:{region}:{account}:instance/{instance}",
                "MediaStreams": {
                    "Customer": {
                        "Audio": {
                            "StartFragmentNumber": str(int(hex_id(30), 16)),
                            "StartTimestamp": str(int(now.timestamp() * 1000)),
                            "StreamARN": (
                                f"arn:{arn_partition}:kinesisvideo:{region}:{account}:stream/{stream}"
                            ),
                        }
                    }
                },
                "PreviousContactId": contact,
                "Queue": None,
                "SystemEndpoint": {"Address": "+15555550100", "Type": "TELEPHONE_NUMBER"},
            },
            "Parameters": p.string_map("parameters"),
        },
    }


def build_workmail(p: Params, now: datetime) -> Event:
    direction = p.choice("flow_direction", ("INBOUND", "OUTBOUND"))
    return {
        "summaryVersion": "2018-10-10",
        "envelope": {
            "mailFrom": {"address": p["mail_from"]},
            "recipients": [{"address": address} for address in p["recipients"].split(",")],
        },
        "sender": {"address": p["sender"]},
        "subject": p["subject"],
        "messageId": new_uuid(),
        "invocationId": hex_id(32),
        "flowDirection": direction,
        "truncated": False,
    }


_ACCOUNT: dict[str, Default] = {"region": default_region, "account": DEFAULT_ACCOUNT}

SPECS = (
    Spec(
        "stepfunctions-error",
        "Step Functions: the error a Catch passes on ({Error, Cause})",
        {"error": "States.TaskFailed", "cause": "The task failed."},
        build_stepfunctions_error,
    ),
    Spec(
        "s3-batch",
        "S3 Batch Operations task (invoke a Lambda function, schema 1.0)",
        {"bucket": "my-bucket", "bucket_arn": "", "key": "uploads/example.txt", "version_id": ""},
        build_s3_batch,
        aliases=("s3-batch-invocation", "s3-batch-operations"),
    ),
    Spec(
        "codecommit",
        "CodeCommit repository trigger",
        {
            **_ACCOUNT,
            "repository": "my-repo",
            "trigger": "my-trigger",
            "ref": "refs/heads/main",
            "custom_data": "",
        },  # fmt: skip
        build_codecommit,
    ),
    Spec(
        "codepipeline",
        "CodePipeline job for a Lambda invoke action",
        {
            "account": DEFAULT_ACCOUNT,
            "function": "my-function",
            "user_parameters": "",
            "input_bucket": "my-pipeline-artifacts",
            "input_key": "source/input.zip",
            "output_bucket": "my-pipeline-artifacts",
            "output_key": "build/output.zip",
        },  # fmt: skip
        build_codepipeline,
        aliases=("codepipeline-job",),
    ),
    Spec(
        "cognito-sync",
        "Cognito Sync trigger (records: a JSON object of dataset keys and new values)",
        {"region": default_region, "dataset": "settings", "records": '{"theme": "dark"}'},
        build_cognito_sync,
    ),
    Spec(
        "ses",
        "SES receipt rule: an email received",
        {
            **_ACCOUNT,
            "from": "sender@example.com",
            "to": "recipient@example.com",
            "subject": "Hello",
            "function": "my-function",
        },  # fmt: skip
        build_ses,
        aliases=("ses-email-receiving",),
    ),
    Spec(
        "connect",
        "Amazon Connect contact flow (parameters: a JSON object)",
        {**_ACCOUNT, "contact_id": "", "phone_number": "+15555550123", "parameters": "{}"},
        build_connect,
        aliases=("connect-contact-flow",),
    ),
    Spec(
        "workmail",
        "WorkMail inbound/outbound rule: an email (recipients: comma-separated)",
        {
            "flow_direction": "INBOUND",
            "mail_from": "from@example.com",
            "sender": "sender@example.com",
            "recipients": "recipient@example.com",
            "subject": "Hello",
        },  # fmt: skip
        build_workmail,
    ),
)
