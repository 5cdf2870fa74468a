import json

KEYS = {"tenant": "tenant-key-0123456789abcdef", "other": "other-key-0123456789abcdef"}


def keys(event, context):
    """Allows every token; names the tenant's API key, a stranger's, or none."""
    token = event["authorizationToken"]
    answer = {
        "principalId": token,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
            ],
        },
    }
    if token in KEYS:
        answer["usageIdentifierKey"] = KEYS[token]
    elif token == "stranger":
        answer["usageIdentifierKey"] = "not-a-key-of-this-template"
    return answer


def echo(event, context):
    identity = event["requestContext"]["identity"]
    return {"statusCode": 200, "body": json.dumps([identity["apiKey"], identity["apiKeyId"]])}
