"""$connect hands the greeting to another function (an asynchronous Lambda invoke by name),
which posts it to the new connection, as apigw-websocket-ack-connect-route does."""

import json
import os

import boto3


def on_connect(event, context):
    request = event["requestContext"]
    url = f"https://{request['domainName']}/{request['stage']}"
    payload = {"url": url, "connectionId": request["connectionId"]}
    client = boto3.client("lambda")
    client.invoke(
        FunctionName="AckPostToConnection", InvocationType="Event", Payload=json.dumps(payload)
    )
    client.invoke(
        FunctionName=os.environ["AUDIT_FUNCTION"],
        InvocationType="Event",
        Payload=json.dumps(payload),
    )
    return {"statusCode": 200, "body": "not sent to the client"}


def post_to_connection(event, context):
    gateway = boto3.client("apigatewaymanagementapi", endpoint_url=event["url"])
    connection = event["connectionId"]
    gateway.get_connection(ConnectionId=connection)
    gateway.post_to_connection(ConnectionId=connection, Data=f"hello {connection}".encode())
    return {}


def audit(event, context):
    gateway = boto3.client("apigatewaymanagementapi", endpoint_url=event["url"])
    gateway.post_to_connection(ConnectionId=event["connectionId"], Data=b"audited")
    return {}
