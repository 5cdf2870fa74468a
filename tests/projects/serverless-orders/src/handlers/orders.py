import os

from src.lib.store import describe


def create(event, context):
    return {
        "table": os.environ["TABLE_NAME"],
        "logLevel": os.environ["LOG_LEVEL"],
        "region": os.environ["REGION"],
        "function": context.function_name,
        "store": describe(),
        "body": event.get("body"),
    }


def report(event, context):
    return {"memory": context.memory_limit_in_mb}
