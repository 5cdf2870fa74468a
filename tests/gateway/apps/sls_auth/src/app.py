import json


def echo(event, context):
    context_part = event["requestContext"].get("authorizer")
    return {"statusCode": 200, "body": json.dumps({"authorizer": context_part})}


def policy(effect, resource, context):
    return {
        "principalId": "alice",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": context,
    }


def token_auth(event, context):
    effect = "Allow" if event["authorizationToken"] == "allow" else "Deny"
    return policy(effect, event["methodArn"], {"kind": event["type"]})


def request_auth(event, context):
    allowed = event["headers"].get("X-Key") == "k1"
    tenant = event["queryStringParameters"]["tenant"]
    return policy("Allow" if allowed else "Deny", event["methodArn"], {"tenant": tenant})


def simple_auth(event, context):
    return {"isAuthorized": event["headers"]["authorization"] == "yes", "context": {"who": "bob"}}
