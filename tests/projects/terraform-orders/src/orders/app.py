import os


def handler(event, context):
    return {
        "table": os.environ["TABLE_NAME"],
        "logLevel": os.environ["LOG_LEVEL"],
        "stage": os.environ["STAGE"],
        "memory": context.memory_limit_in_mb,
    }
