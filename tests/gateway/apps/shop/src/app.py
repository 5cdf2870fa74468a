import base64
import json
import time

VERSION = "v1"


def echo(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Version": VERSION},
        "body": json.dumps(event),
    }


def me(event, context):
    return {"statusCode": 200, "body": "me"}


def image(event, context):
    data = base64.b64decode(event["body"]) if event["isBase64Encoded"] else b""
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(data[::-1]).decode(),
        "isBase64Encoded": True,
    }


def result(event, context):
    """Answers what the request body asks for: {"return": value} or {"raise": msg},
    {"sleep": s} first."""
    ask = json.loads(event.get("body") or "{}")
    if ask.get("sleep"):
        time.sleep(ask["sleep"])
    if "raise" in ask:
        raise ValueError(ask["raise"])
    return ask.get("return")
