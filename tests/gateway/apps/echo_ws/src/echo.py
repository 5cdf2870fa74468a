import json
import time


def handler(event, context):
    body = event.get("body") or ""
    if "hold" in body:  # still running when the frames after it arrive
        time.sleep(6)
    if "fail" in body:
        raise ValueError("asked to fail")
    if "plain" in body:
        return {"echo": body}  # not a proxy answer: sent back as JSON
    return {
        "statusCode": 200,
        "body": json.dumps({"echo": body, "route": event["requestContext"]["routeKey"]}),
    }
