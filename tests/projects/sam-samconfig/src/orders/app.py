import os


def handler(event, context):
    return {
        "table": os.environ["TABLE_NAME"],
        "stage": os.environ["STAGE"],
        "region": os.environ["REGION"],
        "order": event.get("order"),
    }


def audit(event, context):
    return {"audited": True}
