import os


def handler(event, context):
    return {
        "table": os.environ["TABLE_NAME"],
        "stage": os.environ["STAGE"],
        "memory": context.memory_limit_in_mb,
        "file": __file__,
    }
