import fcntl
import json
import os

import boto3

FILE = os.environ["CONNECTIONS_FILE"]


def _update(change):
    with open(FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        connections = set(json.loads(handle.read() or "[]"))
        change(connections)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(sorted(connections)))
        return connections


def on_connect(event, context):
    if event.get("queryStringParameters", {}).get("token") == "no":
        return {"statusCode": 401, "body": "go away"}
    _update(lambda c: c.add(event["requestContext"]["connectionId"]))
    return {"statusCode": 200, "body": "Connected."}


def on_disconnect(event, context):
    _update(lambda c: c.discard(event["requestContext"]["connectionId"]))
    return {"statusCode": 200, "body": "Disconnected."}


def send_message(event, context):
    ctx = event["requestContext"]
    # As the sample does: the management API's endpoint from the event.
    client = boto3.client(
        "apigatewaymanagementapi", endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}"
    )
    data = json.loads(event["body"])["data"]
    for connection_id in _update(lambda c: None):
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data.encode())
        except client.exceptions.GoneException:
            _update(lambda c, gone=connection_id: c.discard(gone))
    return {"statusCode": 200, "body": "Data sent."}


def shout(event, context):
    # A client built without an endpoint: AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI points it
    # at lamina api's HTTPS listener (trusted through AWS_CA_BUNDLE).
    client = boto3.client("apigatewaymanagementapi")
    data = json.loads(event["body"])["data"]
    client.post_to_connection(
        ConnectionId=event["requestContext"]["connectionId"], Data=data.upper().encode()
    )
    return {"statusCode": 200}
