"""A handler on a managed Python runtime: its answer comes whole, as every Python handler's."""


def handler(event, context):
    return {"statusCode": 200, "body": "all at once"}
