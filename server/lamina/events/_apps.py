"""Sources from application services: an AppSync direct Lambda resolver, SageMaker Ground
Truth's pre-annotation and annotation-consolidation functions, and the inputs of functions
that submit or look up an AWS Batch job (as a Step Functions task passes them)."""

from __future__ import annotations

import uuid
from datetime import datetime

from lamina.events._common import (
    DEFAULT_ACCOUNT,
    SOURCE_IP,
    USER_AGENT,
    Default,
    Event,
    Params,
    Spec,
    default_region,
    epoch_s,
    hex_id,
    partition,
)


def build_appsync(p: Params, now: datetime) -> Event:
    """A direct Lambda resolver for one field, called by a Cognito user pool user."""
    region = p["region"]
    api_host = f"{hex_id(26)}.appsync-api.{region}.amazonaws.com"
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{region}_{hex_id(9)}"
    sub = str(uuid.uuid4())
    issued = epoch_s(now)
    fields = [name.strip() for name in p["selection"].split(",") if name.strip()]
    return {
        "arguments": p.json_object("arguments"),
        "identity": {
            "claims": {
                "sub": sub,
                "iss": issuer,
                "cognito:username": p["username"],
                "aud": hex_id(26),
                "event_id": str(uuid.uuid4()),
                "token_use": "id",
                "auth_time": issued,
                "exp": issued + 3600,
                "iat": issued,
                "email": f"{p['username']}@example.com",
                "email_verified": True,
                "phone_number": "+15555550123",
                "phone_number_verified": False,
            },
            "defaultAuthStrategy": "ALLOW",
            "groups": None,
            "issuer": issuer,
            "sourceIp": [SOURCE_IP],
            "sub": sub,
            "username": p["username"],
        },
        "source": None,
        "request": {
            "headers": {
                "host": api_host,
                "content-type": "application/json",
                "user-agent": USER_AGENT,
                "x-forwarded-for": SOURCE_IP,
                "x-amzn-trace-id": f"Root=1-{epoch_s(now):08x}-{hex_id(24)}",
            },
            "domainName": None,
        },
        "prev": None,
        "info": {
            "fieldName": p["field"],
            "parentTypeName": p["parent_type"],
            "selectionSetGraphQL": "{\n  " + "\n  ".join(fields) + "\n}",
            "selectionSetList": fields,
            "variables": {},
        },
        "stash": {},
    }


def _labeling_job_arn(p: Params) -> str:
    region = p["region"]
    return (
        f"arn:{partition(region)}:sagemaker:{region}:{p['account']}:labeling-job/"
        f"{p['labeling_job_name']}"
    )


def build_ground_truth_pre_human(p: Params, now: datetime) -> Event:
    return {
        "version": "2018-10-16",
        "labelingJobArn": _labeling_job_arn(p),
        "dataObject": {"source-ref": p["source_ref"]},
    }


def build_ground_truth_consolidation(p: Params, now: datetime) -> Event:
    region = p["region"]
    output = p["output_path"].rstrip("/")
    timestamp = p["iteration_object_timestamp"] or now.strftime("%Y-%m-%d_%H:%M:%S")
    return {
        "version": "2018-10-16",
        "labelingJobArn": _labeling_job_arn(p),
        "labelAttributeName": p["label_attribute_name"],
        "roleArn": f"arn:{partition(region)}:iam::{p['account']}:role/{p['execution_role']}",
        "payload": {
            "s3Uri": (
                f"{output}/{p['labeling_job_name']}/annotations/worker-response/iteration-1/0/"
                f"{timestamp}.json"
            )
        },
    }


def build_batch_job_request(p: Params, now: datetime) -> Event:
    return {
        "jobName": p["job_name"],
        "jobQueue": p["job_queue"],
        "jobDefinition": p["job_definition"],
    }


def build_batch_job_id(p: Params, now: datetime) -> Event:
    return {"jobId": p["job_id"] or str(uuid.uuid4())}


_LABELING: dict[str, Default] = {
    "region": default_region,
    "account": DEFAULT_ACCOUNT,
    "labeling_job_name": "my-job",
}

SPECS = (
    Spec(
        "appsync",
        "AppSync direct Lambda resolver (arguments: a JSON object; selection: comma-separated)",
        {
            "field": "getOrder",
            "parent_type": "Query",
            "arguments": '{"id": "1"}',
            "selection": "id, status",
            "username": "jdoe",
            "region": default_region,
        },
        build_appsync,
        aliases=("appsync-resolver",),
    ),
    Spec(
        "sagemaker-pre-human",
        "SageMaker Ground Truth pre-annotation function: one data object",
        {**_LABELING, "source_ref": "s3://my-bucket/images/0001.jpg"},
        build_ground_truth_pre_human,
        aliases=("ground-truth-pre-human",),
    ),
    Spec(
        "sagemaker-consolidation",
        "SageMaker Ground Truth annotation consolidation function",
        {
            **_LABELING,
            "label_attribute_name": "label",
            "output_path": "s3://my-bucket/output",
            "execution_role": "sagemaker-role",
            "iteration_object_timestamp": "",
        },
        build_ground_truth_consolidation,
        aliases=("ground-truth-annotation-consolidation",),
    ),
    Spec(
        "batch-job-request",
        "What a function that submits an AWS Batch job is given",
        {"job_name": "my-job", "job_queue": "default", "job_definition": "my-job-definition"},
        build_batch_job_request,
    ),
    Spec(
        "batch-job-id",
        "What a function that looks up an AWS Batch job is given",
        {"job_id": ""},
        build_batch_job_id,
    ),
)
