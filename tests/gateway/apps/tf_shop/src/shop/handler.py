import json


def handler(event, context):
    """The event API Gateway (or the Function URL) sent, and which function got it."""
    body = {"event": event, "function": context.function_name}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }
