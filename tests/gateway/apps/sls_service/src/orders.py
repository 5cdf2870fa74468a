import json


def echo(event, context):
    """Answers with the parts of its event the tests check."""
    if event.get("version") == "2.0":
        seen = {
            "version": "2.0",
            "routeKey": event["routeKey"],
            "rawPath": event["rawPath"],
            "stage": event["requestContext"]["stage"],
            "pathParameters": event.get("pathParameters"),
            "function": context.function_name,
        }
    else:
        seen = {
            "resource": event["resource"],
            "path": event["path"],
            "httpMethod": event["httpMethod"],
            "stage": event["requestContext"]["stage"],
            "contextPath": event["requestContext"]["path"],
            "pathParameters": event["pathParameters"],
            "function": context.function_name,
        }
    return {"statusCode": 200, "body": json.dumps(seen)}
