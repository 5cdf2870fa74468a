import json
import os
import time

# Written when the environment runs its init (the module's import), for the --warm test.
with open(os.environ["INIT_MARKER"], "a") as marker:
    marker.write("init\n")


def handler(event, context):
    seconds = float((event.get("queryStringParameters") or {}).get("sleep", 0))
    time.sleep(seconds)
    return {"statusCode": 200, "body": json.dumps(event)}
