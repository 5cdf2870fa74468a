def handler(event, context):
    return event["requestContext"]["authorizer"]
