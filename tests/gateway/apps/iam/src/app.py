import json


def context(event, context):
    """The caller as API Gateway described it."""
    request = event["requestContext"]
    return {
        "statusCode": 200,
        "body": json.dumps(
            {
                "identity": request.get("identity"),
                "authorizer": request.get("authorizer"),
                "body": event.get("body"),
            }
        ),
    }
