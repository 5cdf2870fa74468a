import json
import os


def handler(event, context):
    names = ("GREETING", "TABLE", "SHARED")
    return {"statusCode": 200, "body": json.dumps({name: os.environ.get(name) for name in names})}
