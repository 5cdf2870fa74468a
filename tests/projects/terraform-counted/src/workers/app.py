import os


def shard(event, context):
    return {"shard": os.environ.get("SHARD"), "name": context.function_name}


def billing(event, context):
    return {"queue": "billing", "memory": context.memory_limit_in_mb}


def shipping(event, context):
    return {"queue": "shipping", "memory": context.memory_limit_in_mb}
