import os


def handler(event, context):
    return {"function": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "event": event}
