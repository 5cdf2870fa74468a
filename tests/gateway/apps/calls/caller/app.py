"""Invokes the greeter through the Lambda API and answers with what it said (or its error)."""

import json
import os

import boto3


def handler(event, context):
    answer = boto3.client("lambda").invoke(FunctionName=os.environ["GREETER"], Payload=b"{}")
    payload = json.loads(answer["Payload"].read())
    body = {"error": answer.get("FunctionError"), "payload": payload}
    return {"statusCode": 200, "body": json.dumps(body)}
