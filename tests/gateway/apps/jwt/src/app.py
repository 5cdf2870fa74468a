import json


def handler(event, context):
    authorizer = event["requestContext"]["authorizer"]
    if event.get("version") == "2.0":
        return authorizer
    return {"statusCode": 200, "body": json.dumps(authorizer)}
