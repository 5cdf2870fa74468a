import json


def handler(event, context):
    """Echoes the event: a proxy answer for proxy routes, the event itself for a non-proxy one."""
    if "requestContext" in event:
        return {"statusCode": 200, "body": json.dumps({"event": event})}
    return {"event": event}
